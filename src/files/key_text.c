#include "files/key_text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/text_lines.h"

int key_text_line_start(const char *line, size_t len, size_t max, struct key_text_line *t)
{
	t->line = line;
	t->len = line_strip_cr(line, len);
	t->crlf = t->len != len;
	t->pos = 0;
	t->kind = KEY_LINE_INVALID;
	if (len > max)
		return ERR_LINE_TOO_LONG;
	if (memchr(line, 0, len))
		return ERR_NUL_BYTE;
	t->pos = key_text_skip_blanks(t, 0);
	if (t->pos == t->len)
		t->kind = KEY_LINE_BLANK;
	else if (line[t->pos] == '#')
		t->kind = KEY_LINE_COMMENT;
	else
		t->kind = KEY_LINE_KEY;
	return 0;
}

size_t key_text_skip_blanks(const struct key_text_line *t, size_t pos)
{
	while (pos < t->len && is_blank_char(t->line[pos]))
		pos++;
	return pos;
}

size_t key_text_skip_quoted_word(const struct key_text_line *t, size_t pos)
{
	bool quoted = false;
	for (; pos < t->len && (quoted || !is_blank_char(t->line[pos])); pos++) {
		if (t->line[pos] == '\\' && pos + 1 < t->len && t->line[pos + 1] == '"')
			pos++;
		else if (t->line[pos] == '"')
			quoted = !quoted;
	}
	return pos;
}

int key_text_parse_key(const struct key_text_line *t, size_t pos, struct pubkey **ret_key,
		       struct text_span *ret_comment)
{
	size_t end;
	int r = pubkey_parse_text(t->line + pos, t->len - pos, ret_key, &end);
	if (r < 0)
		return r;
	size_t c = key_text_skip_blanks(t, pos + end);
	ret_comment->off = c;
	ret_comment->len = t->len - c;
	return 0;
}

int key_text_parse_lines(const char *data, size_t len, size_t entry_size,
			 int (*parse_line)(const char *line, size_t len, unsigned long lineno,
					   bool has_newline, void *entry),
			 void (*clear)(void *entry), void **ret_entries, size_t *ret_n)
{
	char *entries = NULL;
	size_t n = 0, alloc = 0;
	struct line_iter it;
	const char *line;
	size_t line_len;
	bool nl;
	int r = 0;
	line_iter_init(&it, data, len);
	while (line_iter_next(&it, &line, &line_len, &nl)) {
		if (n == alloc) {
			size_t grow = alloc ? alloc * 2 : 16;
			char *p = realloc(entries, grow * entry_size);
			if (!p) {
				r = -ENOMEM;
				break;
			}
			entries = p;
			alloc = grow;
		}
		if ((r = parse_line(line, line_len, it.lineno, nl, entries + n * entry_size)) < 0)
			break;
		n++;
	}
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			clear(entries + i * entry_size);
		free(entries);
		return r;
	}
	*ret_entries = entries;
	*ret_n = n;
	return 0;
}
