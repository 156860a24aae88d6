/* known_hosts files (sshd(8) SSH_KNOWN_HOSTS FILE FORMAT): one entry per line, every line's
 * bytes kept. A key line is "[@marker] hostpatterns type base64 [comment]"; hostpatterns is
 * a comma list with wildcards, "[host]:port", or one hashed name "|1|salt|hmac". */
#ifndef SSHKEYCTL_FILES_KNOWN_HOSTS_H
#define SSHKEYCTL_FILES_KNOWN_HOSTS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/dynbuf.h"
#include "files/authorized_keys.h"
#include "keys/pubkey.h"

#define KNOWN_HOSTS_LINE_MAX (64 * 1024)
#define KNOWN_HOSTS_FILE_MAX (256 * 1024 * 1024)

enum known_hosts_marker {
	KNOWN_HOSTS_MARKER_NONE,
	KNOWN_HOSTS_MARKER_CERT_AUTHORITY,
	KNOWN_HOSTS_MARKER_REVOKED,
};

struct known_hosts_entry {
	unsigned long lineno;
	const char *raw; /* without '\n' */
	size_t raw_len;
	bool has_newline;
	bool crlf;
	enum key_line_kind kind;
	int error;
	enum known_hosts_marker marker;
	struct text_span hosts;
	bool hashed;
	struct pubkey *key;
	struct text_span comment;
};

/* As authorized_keys_parse_line: 0 with kind/error set, negative only for -ENOMEM. */
int known_hosts_parse_line(const char *line, size_t len, struct known_hosts_entry *entry);
void known_hosts_entry_clear(struct known_hosts_entry *entry);

struct known_hosts {
	struct known_hosts_entry *entries;
	size_t n_entries;
};

int known_hosts_parse(const char *data, size_t len, struct known_hosts **ret);
void known_hosts_free(struct known_hosts *kh);

/* "host" for port 22 or 0, "[host]:port" otherwise: the name known_hosts uses. */
int known_hosts_name(const char *host, unsigned port, struct dynbuf *out);
/* The hashed form of a name, as ssh writes it with HashKnownHosts: "|1|" base64(salt) "|"
 * base64(HMAC-SHA1(salt, name)), a fresh 20-byte salt each time. */
int known_hosts_hash_name(const char *name, struct dynbuf *out);
/* Does the entry name this host, as ssh-keygen -R decides it: a pattern of its comma list
 * matches ('*' and '?' wildcards, case folded) and no negated one does, or its hashed name
 * is this name's? Marker lines never count. */
bool known_hosts_entry_names(const struct known_hosts_entry *e, const char *name);
/* The marker lines a known_hosts file holds for this host (its patterns or hashed name):
 * the line number of the first @revoked one for key (as OpenSSH reads it: that key is never
 * accepted) and of the first @cert-authority one, 0 when none. Only lines whose first word
 * is a marker are parsed, so a large file costs one scan. 0, or -ENOMEM. */
int known_hosts_marks(const char *data, size_t len, const char *name, const struct pubkey *key,
		      unsigned long *ret_revoked, unsigned long *ret_cert_authority);
/* Does the file list key for this host on a plain line (no marker)? ret_line: its number. */
bool known_hosts_lists_key(const char *data, size_t len, const char *name, const struct pubkey *key,
			   unsigned long *ret_line);
/* out gets the file without the lines that name the host; *ret_lines (malloc'ed, may be
 * NULL when none) the removed line numbers. */
int known_hosts_remove(const char *data, size_t len, const char *name, struct dynbuf *out,
		       unsigned long **ret_lines, size_t *ret_n);

#endif
