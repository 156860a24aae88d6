/* Pieces shared by the parsers of text files that hold key lines (authorized_keys,
 * known_hosts, public key files): the line checks, blanks, quoted words, and the
 * "type base64 [comment]" tail that every such line ends with. Internal to src/files. */
#ifndef SSHKEYCTL_FILES_KEY_TEXT_H
#define SSHKEYCTL_FILES_KEY_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "files/authorized_keys.h"
#include "keys/pubkey.h"

struct key_text_line {
	const char *line;
	size_t len; /* without trailing '\r' */
	bool crlf;
	enum key_line_kind kind; /* BLANK, COMMENT, or KEY for "has content" */
	size_t pos;              /* first non-blank byte */
};

/* ERR_LINE_TOO_LONG above max, ERR_NUL_BYTE for a NUL; t->crlf is set in every case. */
int key_text_line_start(const char *line, size_t len, size_t max, struct key_text_line *t);
size_t key_text_skip_blanks(const struct key_text_line *t, size_t pos);
/* End of the word at pos: the first blank outside double quotes (\" does not end a quote). */
size_t key_text_skip_quoted_word(const struct key_text_line *t, size_t pos);
/* Parse "type base64" at pos and the comment after it (len 0 when none). */
int key_text_parse_key(const struct key_text_line *t, size_t pos, struct pubkey **ret_key,
		       struct text_span *ret_comment);

/* Parse every line of data[len] into a growing array of entry_size-byte entries:
 * parse_line fills one entry (it may fail only for lack of memory) and clear undoes it.
 * On failure every entry made is cleared and freed. */
int key_text_parse_lines(const char *data, size_t len, size_t entry_size,
			 int (*parse_line)(const char *line, size_t len, unsigned long lineno,
					   bool has_newline, void *entry),
			 void (*clear)(void *entry), void **ret_entries, size_t *ret_n);

#endif
