/* Key fingerprints and randomart, byte for byte as ssh-keygen prints them.
 *
 * The digest is taken over the plain key blob, so a certificate fingerprints as its key.
 * SHA256 (and SHA1, SHA512) print as "SHA256:" + unpadded base64; MD5 as "MD5:" + colon
 * separated lower-case hex.
 */
#ifndef SSHKEYCTL_KEYS_FINGERPRINT_H
#define SSHKEYCTL_KEYS_FINGERPRINT_H

#include <stdbool.h>

#include "base/dynbuf.h"
#include "keys/pubkey.h"

enum fingerprint_hash {
	FINGERPRINT_SHA256,
	FINGERPRINT_MD5,
	FINGERPRINT_SHA1,
	FINGERPRINT_SHA512,
};

/* "sha256", "md5", "sha1", "sha512" (any case) as ssh-keygen -E takes them; -EINVAL else */
int fingerprint_hash_from_name(const char *name, enum fingerprint_hash *ret);
int fingerprint_format(const struct pubkey *key, enum fingerprint_hash hash, struct dynbuf *out);
/* "SHA256:..." into buf (FINGERPRINT_SHA256_TEXT_MAX bytes are enough), for messages and
 * state files. */
#define FINGERPRINT_SHA256_TEXT_MAX 64
int fingerprint_sha256_text(const struct pubkey *key, char *buf, size_t len);
/* The 11-line randomart box, lines joined by '\n', no final newline. */
int fingerprint_randomart(const struct pubkey *key, enum fingerprint_hash hash, struct dynbuf *out);

/* ssh-keygen -l's line "BITS FINGERPRINT COMMENT (TYPE)\n" ("no comment" when comment is
 * empty), followed by the randomart box and '\n' when randomart is true (-lv). */
int fingerprint_listing(const struct pubkey *key, enum fingerprint_hash hash, const char *comment,
			size_t comment_len, bool randomart, struct dynbuf *out);

#endif
