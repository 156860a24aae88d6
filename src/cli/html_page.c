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

static const char page_start[] =
	"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
	"'unsafe-inline'; script-src 'unsafe-inline'\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
static const char shared_style[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}\n"
	"header{background:#24292f;color:#fff;padding:12px 20px}header "
	"h1{margin:0;font-size:20px}\n"
	"header p{margin:4px 0 0;color:#c9d1d9}main{padding:12px 20px}\n"
	"section{background:#fff;border:1px solid #d0d7de;border-radius:6px;margin:12px "
	"0;padding:10px 14px}\n";

static const char script_prelude[] =
	"</script>\n<script>\n"
	"'use strict';\n"
	"const D = JSON.parse(document.getElementById('data').textContent);\n"
	"const $ = id => document.getElementById(id);\n"
	"function el(tag, attrs, ...kids) { const e = document.createElement(tag);\n"
	"  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);\n"
	"  for (const c of kids) e.append(c instanceof Node ? c : document.createTextNode(String(c "
	"?? '')));\n"
	"  return e; }\n";
static const char page_end[] = "</script>\n</body>\n</html>\n";

int html_page_write(const char *path, const char *title, const char *style, const char *body,
		    const json_t *data, const char *script)
{
	struct dynbuf page;
	dynbuf_init(&page, HTML_MAX);
	char *json = data ? json_dumps(data, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	int r = json ? 0 : -ENOMEM;
	if (r == 0 && (r = dynbuf_append_str(&page, page_start)) == 0 &&
	    (r = dynbuf_append_str(&page, title)) == 0 &&
	    (r = dynbuf_append_str(&page, "</title>\n<style>\n")) == 0 &&
	    (r = dynbuf_append_str(&page, shared_style)) == 0 &&
	    (r = dynbuf_append_str(&page, style)) == 0 &&
	    (r = dynbuf_append_str(&page, "</style>\n</head>\n<body>\n")) == 0 &&
	    (r = dynbuf_append_str(&page, body)) == 0 &&
	    (r = dynbuf_append_str(&page, "<script type=\"application/json\" id=\"data\">")) == 0 &&
	    (r = append_script_json(&page, json)) == 0 &&
	    (r = dynbuf_append_str(&page, script_prelude)) == 0 &&
	    (r = dynbuf_append_str(&page, script)) == 0 &&
	    (r = dynbuf_append_str(&page, page_end)) == 0)
		r = write_file_atomic(path, page.data, page.len, 0600, 0);
	free(json);
	dynbuf_free(&page);
	return r;
}
