/* Public keys: the SSH wire blob, parsed and checked, and the one-line text form
 * "type base64 [comment]".
 *
 * A certificate keeps its whole blob in blob; plain_blob is then the blob of the key it
 * certifies, which is what OpenSSH fingerprints. For plain keys plain_blob == blob.
 */
#ifndef SSHKEYCTL_KEYS_PUBKEY_H
#define SSHKEYCTL_KEYS_PUBKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/dynbuf.h"
#include "keys/key_type.h"

/* Largest blob we accept: an RSA 16384-bit certificate signed by another is well below. */
#define PUBKEY_BLOB_MAX (64 * 1024)

struct pubkey {
	const struct key_type *type;
	uint8_t *blob;
	size_t blob_len;
	uint8_t *plain_blob; /* == blob unless type->cert */
	size_t plain_blob_len;
	unsigned bits; /* as ssh-keygen reports it: modulus bits, curve size, 256 for Ed25519 */
};

/* Parse and check a wire blob (type name, then the type's fields, nothing after). Errors:
 * ERR_KEY_TYPE_UNKNOWN, ERR_FORMAT, ERR_TRUNCATED, ERR_TRAILING, ERR_KEY_SIZE, -ENOMEM. */
int pubkey_from_blob(const uint8_t *blob, size_t len, struct pubkey **ret);
void pubkey_free(struct pubkey *key);
bool pubkey_equal(const struct pubkey *a, const struct pubkey *b);
/* Same key, ignoring certificates: compares plain blobs. */
bool pubkey_same_key(const struct pubkey *a, const struct pubkey *b);
/* A copy of key appended to the list keys[n] unless a key with its blob is there. */
int pubkey_list_add_distinct(struct pubkey ***keys, size_t *n, const struct pubkey *key);
/* Free the list's keys and the list. */
void pubkey_list_free(struct pubkey **keys, size_t n);

/* Parse "type base64" at the start of text[len] (leading blanks skipped). *ret_end is the
 * offset just past the base64 token, where a comment may follow. Errors as above plus
 * ERR_BASE64, ERR_KEY_TYPE_MISMATCH, ERR_SSH1_KEY and ERR_NOT_A_KEY (nothing there). */
int pubkey_parse_text(const char *text, size_t len, struct pubkey **ret, size_t *ret_end);
/* Append "type base64" and, when comment is not NULL, " comment". */
int pubkey_format_line(const struct pubkey *key, const char *comment, struct dynbuf *out);

#endif
