/* OpenSSH key revocation lists (PROTOCOL.krl), the file sshd's RevokedKeys reads and
 * `ssh-keygen -Q` checks: read (bounded, every section kept as it was), then written again
 * with more keys revoked: explicit keys by blob, and SHA256 fingerprints.
 *
 *   uint64 KRL_MAGIC ("SSHKRL\n\0")  uint32 format version (1)  uint64 krl_version
 *   uint64 generated_date  uint64 flags  string reserved  string comment
 *   then sections: byte type, string data
 *
 * Explicit keys (type 2) are "string blob" entries of the plain key (a certificate's key,
 * not the certificate); SHA256 fingerprints (type 5) are "string hash" of 32 bytes over that
 * blob. A signed KRL (type 4 sections) cannot be extended without its signer's key: refused.
 */
#ifndef SSHKEYCTL_KEYS_KRL_H
#define SSHKEYCTL_KEYS_KRL_H

#include <stddef.h>
#include <stdint.h>

#include "base/dynbuf.h"
#include "keys/pubkey.h"

#define KRL_FILE_MAX                   (64 * 1024 * 1024)
#define KRL_SECTION_CERTIFICATES       1
#define KRL_SECTION_EXPLICIT_KEY       2
#define KRL_SECTION_FINGERPRINT_SHA1   3
#define KRL_SECTION_SIGNATURE          4
#define KRL_SECTION_FINGERPRINT_SHA256 5

struct krl_section {
	uint8_t type;
	const uint8_t *data; /* into the parsed buffer */
	size_t len;
};

struct krl {
	uint64_t version;
	uint64_t generated;
	const uint8_t *comment; /* into the parsed buffer */
	size_t comment_len;
	struct krl_section *sections;
	size_t n_sections;
	bool signed_;
	const uint8_t *raw; /* the whole parsed buffer */
	size_t raw_len;
};

/* Parse data[len] (which must outlive ret). ERR_FORMAT (bad magic, version, a section that
 * does not parse, a string that overruns), ERR_TOO_LARGE. */
int krl_parse(const uint8_t *data, size_t len, struct krl *ret);
void krl_clear(struct krl *k);
/* Is key revoked by one of the explicit-key or SHA256 sections (as sshd would decide for
 * those two; certificate and SHA1 sections are not looked at)? */
bool krl_revokes(const struct krl *k, const struct pubkey *key);

/* old (NULL: a new KRL) with keys and sha256 hashes (32 bytes each) added: version one more,
 * generated now, old's sections kept byte for byte, then one explicit-key section and one
 * SHA256 section with the new entries (sorted, each once, none already revoked by old).
 * When old revokes all of them already, old's very bytes (nothing to record: the same
 * version). -EPERM when old is signed. */
int krl_write(const struct krl *old, const struct pubkey *const *keys, size_t n_keys,
	      const uint8_t (*sha256)[32], size_t n_sha256, const char *comment, uint64_t now,
	      struct dynbuf *out);

#endif
