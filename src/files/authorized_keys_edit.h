/* Adding keys to an authorized_keys file, computed in memory: every byte of the existing
 * file is kept, a last line without a newline gets one before ours (in the file's own line
 * ending, so a CRLF file stays CRLF), and a key already there, compared by key blob whatever
 * its options or comment, is not added again. */
#ifndef SSHKEYCTL_FILES_AUTHORIZED_KEYS_EDIT_H
#define SSHKEYCTL_FILES_AUTHORIZED_KEYS_EDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/dynbuf.h"
#include "keys/pubkey.h"

struct authorized_key_to_add {
	const struct pubkey *key;
	const char *comment; /* may be NULL */
	bool present;        /* set by authorized_keys_add: the key was already in the file */
	unsigned long present_line; /* its line when present */
	/* set by the caller: the key is in another file sshd reads for the account (a later
	 * AuthorizedKeysFile entry), so it is not added here */
	bool elsewhere;
};

/* Which of keys are in the file (present, present_line), as authorized_keys_add sees it. */
int authorized_keys_find(const char *data, size_t len, struct authorized_key_to_add *keys,
			 size_t n_keys);

/* Write the new content to out: the old content plus a line for each key not present.
 * ret_changed tells whether anything was added. The old content may be empty (no file). */
int authorized_keys_add(const char *old, size_t old_len, struct authorized_key_to_add *keys,
			size_t n_keys, struct dynbuf *out, bool *ret_changed);

/* Remove every line whose key (compared by blob: options, comment and certificate
 * wrapping aside, pubkey_same_key) is one of keys; every other line kept byte for byte.
 * ret_removed (may be NULL): bit i of which keys were found (at most 64 looked for);
 * ret_lines: how many lines went. */
int authorized_keys_remove(const char *old, size_t old_len, const struct pubkey *const *keys,
			   size_t n_keys, struct dynbuf *out, unsigned long long *ret_removed,
			   size_t *ret_lines);

/* Replace every line holding old_key (by blob) with new_key: the line's options and its
 * line ending kept, the comment new_comment (NULL: the old line's comment). Every other
 * line byte for byte. ret_lines: how many lines were replaced (0: old_key not there). */
int authorized_keys_replace(const char *old, size_t old_len, const struct pubkey *old_key,
			    const struct pubkey *new_key, const char *new_comment,
			    struct dynbuf *out, size_t *ret_lines);

/* The same, keeping each old line: the new line (old options, new key) goes right after
 * it, so both keys log in with the same restrictions (rotate's first step). A last line
 * without a newline gets one before the new line. */
int authorized_keys_add_beside(const char *old, size_t old_len, const struct pubkey *old_key,
			       const struct pubkey *new_key, const char *new_comment,
			       struct dynbuf *out, size_t *ret_lines);

/* copy --exclusive: the key lines of the file become exactly want's key lines (as listed:
 * options, key, comment). A key already there keeps its place: its first line stays byte for
 * byte when it reads as listed, else becomes the listed line (in the file's line ending);
 * the wanted keys not there are appended; every other key line goes, and so does every line
 * that is neither a key sshkeyctl reads nor a comment or blank (sshd might read it as a key:
 * counted in ret_unreadable). Comments and blank lines stay. ret_removed: the distinct keys
 * that went (owned by the caller: pubkey_free each, free the array). */
struct authorized_keys;
int authorized_keys_make_exact(const char *old, size_t old_len, const struct authorized_keys *want,
			       struct dynbuf *out, bool *ret_changed, struct pubkey ***ret_removed,
			       size_t *ret_n_removed, size_t *ret_unreadable);

/* Drop a UTF-8 byte-order mark at the start (ERR_FORMAT when there is none). */
int authorized_keys_strip_bom(const char *old, size_t old_len, struct dynbuf *out);

/* Join line number line (1-based) with the next, as a paste that split a key line left
 * them: the first line's trailing blanks and CR and the second's leading blanks go. Only
 * when the joined line is key (else ERR_CHANGED_UNDER_US: the file is not what was seen). */
int authorized_keys_join_split_line(const char *old, size_t old_len, unsigned long line,
				    const struct pubkey *key, struct dynbuf *out);

#endif
