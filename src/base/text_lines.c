#include "base/text_lines.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

void line_iter_init(struct line_iter *it, const char *data, size_t len)
{
	it->data = data;
	it->len = len;
	it->off = 0;
	it->lineno = 0;
}

bool line_iter_next(struct line_iter *it, const char **ret_line, size_t *ret_len,
		    bool *ret_has_newline)
{
	if (it->off >= it->len)
		return false;
	const char *start = it->data + it->off;
	size_t left = it->len - it->off;
	const char *nl = memchr(start, '\n', left);
	size_t len = nl ? (size_t)(nl - start) : left;
	it->off += len + (nl ? 1 : 0);
	it->lineno++;
	*ret_line = start;
	*ret_len = len;
	if (ret_has_newline)
		*ret_has_newline = nl != NULL;
	return true;
}

size_t line_strip_cr(const char *line, size_t len)
{
	while (len > 0 && line[len - 1] == '\r')
		len--;
	return len;
}

void keyword_values(const char *text, size_t text_len, const char *keyword, bool all, char *buf,
		    size_t len)
{
	struct line_iter it;
	const char *line;
	size_t n, klen = strlen(keyword), o = 0;
	buf[0] = '\0';
	line_iter_init(&it, text, text_len);
	while (line_iter_next(&it, &line, &n, NULL)) {
		if (n <= klen || strncasecmp(line, keyword, klen) != 0 || line[klen] != ' ')
			continue;
		int w = snprintf(buf + o, len - o, "%s%.*s", o ? " " : "", (int)(n - klen - 1),
				 line + klen + 1);
		if (w < 0 || (size_t)w >= len - o) {
			buf[o] = '\0';
			break;
		}
		o += (size_t)w;
		if (!all)
			break;
	}
}
