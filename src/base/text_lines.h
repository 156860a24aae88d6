/* Walking a text buffer line by line without copying it.
 *
 * Each line is returned as pointer + length without its '\n'; a '\r' before the '\n' stays
 * in the line (parsers that accept CRLF strip it themselves, writers keep it). Line numbers
 * start at 1, as editors and OpenSSH's messages count them.
 */
#ifndef SSHKEYCTL_BASE_TEXT_LINES_H
#define SSHKEYCTL_BASE_TEXT_LINES_H

#include <stdbool.h>
#include <stddef.h>

struct line_iter {
	const char *data;
	size_t len;
	size_t off;
	unsigned long lineno; /* of the line last returned */
};

void line_iter_init(struct line_iter *it, const char *data, size_t len);
/* false at the end; ret_has_newline tells whether the line was terminated */
bool line_iter_next(struct line_iter *it, const char **ret_line, size_t *ret_len,
		    bool *ret_has_newline);

/* "keyword value" lines (sshd -T, our helpers' answers) in text[len]: the value of the first
 * line starting with keyword (in any case: OpenSSH 10.4+ prints `PubkeyAuthentication`,
 * earlier versions `pubkeyauthentication`) and a space, or with all, every such value joined by
 * spaces;
 * "" when none. Truncated at len - 1 bytes, between values. */
void keyword_values(const char *text, size_t text_len, const char *keyword, bool all, char *buf,
		    size_t len);

/* Length of line without trailing '\r' characters. */
size_t line_strip_cr(const char *line, size_t len);
static inline bool is_blank_char(char c)
{
	return c == ' ' || c == '\t';
}

#endif
