/* authorized_keys files (sshd(8) AUTHORIZED_KEYS FILE FORMAT): parsed into one entry per
 * line, with every line's bytes kept as they were so an edit can write back exactly what it
 * did not mean to change.
 *
 * A line is blank, a comment, a key ("[options] type base64 [comment]") or invalid; an
 * invalid line carries the reason. Lines may end in CRLF (sshd accepts them); the '\r' is
 * kept in raw and left out of the parsed fields.
 */
#ifndef SSHKEYCTL_FILES_AUTHORIZED_KEYS_H
#define SSHKEYCTL_FILES_AUTHORIZED_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "keys/pubkey.h"

/* sshd reads lines up to 8 KiB; RSA 16384 keys with options fit well below this cap. */
#define AUTHORIZED_KEYS_LINE_MAX (64 * 1024)
#define AUTHORIZED_KEYS_FILE_MAX (256 * 1024 * 1024)

enum key_line_kind {
	KEY_LINE_BLANK,
	KEY_LINE_COMMENT,
	KEY_LINE_KEY,
	KEY_LINE_INVALID,
};

/* Text spans are offsets into raw. */
struct text_span {
	size_t off;
	size_t len;
};

struct authorized_keys_entry {
	unsigned long lineno;
	const char *raw; /* points into the parsed buffer; without '\n' */
	size_t raw_len;
	bool has_newline;
	bool crlf;
	enum key_line_kind kind;
	int error;                /* KEY_LINE_INVALID: why */
	struct text_span options; /* len 0 when none */
	struct pubkey *key;
	struct text_span comment; /* len 0 when none */
};

/* Parse one line (without '\n'). The entry points into line; entry->key is owned by the
 * entry (authorized_keys_entry_clear frees it). Returns 0 even for an invalid line (see
 * kind and error); a negative value only when memory runs out. */
int authorized_keys_parse_line(const char *line, size_t len, struct authorized_keys_entry *entry);
void authorized_keys_entry_clear(struct authorized_keys_entry *entry);

struct authorized_keys {
	struct authorized_keys_entry *entries;
	size_t n_entries;
};

/* Parse a whole file held in data[len] (which must outlive the result). ERR_TOO_LARGE
 * beyond AUTHORIZED_KEYS_FILE_MAX; a line over AUTHORIZED_KEYS_LINE_MAX or holding a NUL
 * byte becomes an invalid entry. */
int authorized_keys_parse(const char *data, size_t len, struct authorized_keys **ret);
void authorized_keys_free(struct authorized_keys *ak);

/* One option of "name[=\"value\"],...": name and value (without its quotes, \" escapes
 * left in) as spans into the options text. */
struct authorized_keys_option {
	struct text_span name;
	struct text_span value;
	bool has_value;
};
/* The option at *pos (start at 0), *pos moved past it: 1, or 0 at the end; ERR_OPTIONS when
 * malformed. */
int authorized_keys_option_next(const char *options, size_t len, size_t *pos,
				struct authorized_keys_option *ret);
/* Split "name[=\"value\"],..." options: syntax only (quotes, commas, \" escapes), as sshd
 * reads them before it looks at the names. ERR_OPTIONS when malformed. */
int authorized_keys_options_check(const char *options, size_t len);

#endif
