#include "cli/html_page.h"

#include <errno.h>
#include <stdlib.h>

#include "base/dynbuf.h"
#include "base/file_io.h"

#define HTML_MAX (512 * 1024 * 1024)

/* JSON inside <script>: '<', '>' and '&' as \u escapes, so no text can close the element
 * or open a comment; the rest is jansson's (valid JSON, non-UTF-8 bytes escaped) */
static int append_script_json(struct dynbuf *out, const char *json)
{
	int r = 0;
	for (const char *p = json; *p && r == 0; p++) {
		if (*p == '<')
			r = dynbuf_append_str(out, "\\u003c");
		else if (*p == '>')
			r = dynbuf_append_str(out, "\\u003e");
		else if (*p == '&')
			r = dynbuf_append_str(out, "\\u0026");
		else
			r = dynbuf_append_byte(out, (uint8_t)*p);
	}
	return r;
}

int html_page_write(const char *path, const char *head, const json_t *data, const char *tail)
{
	struct dynbuf page;
	dynbuf_init(&page, HTML_MAX);
	char *json = data ? json_dumps(data, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	int r = json ? 0 : -ENOMEM;
	if (r == 0 && (r = dynbuf_append_str(&page, head)) == 0 &&
	    (r = append_script_json(&page, json)) == 0 && (r = dynbuf_append_str(&page, tail)) == 0)
		r = write_file_atomic(path, page.data, page.len, 0600, 0);
	free(json);
	dynbuf_free(&page);
	return r;
}
