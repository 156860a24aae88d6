/* Private keys, held the way openssh-key-v1 stores them.
 *
 * fields is the key's private part as that format's plaintext section has it ("string
 * type" then the type's private fields), so any key we read can be written back unchanged,
 * security-key (sk) and DSA keys included, with no crypto library round trip. pub is the
 * public key those fields imply. privkey_free() wipes the secret bytes.
 */
#ifndef SSHKEYCTL_KEYS_PRIVKEY_H
#define SSHKEYCTL_KEYS_PRIVKEY_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "base/wire.h"
#include "keys/pubkey.h"

struct privkey {
	struct pubkey *pub;
	uint8_t *fields;
	size_t fields_len;
	char *comment; /* never NULL; "" when the key has none */
};

/* Read one key's private fields at rd's position (which advances past them), check them
 * and derive the public key. The comment starts empty. Errors: ERR_KEY_TYPE_UNKNOWN,
 * ERR_KEY_TYPE_UNSUPPORTED (certificates inside a private key), ERR_FORMAT, ERR_TRUNCATED,
 * ERR_KEY_MISMATCH, -ENOMEM. */
int privkey_read_fields(struct wire_reader *rd, struct privkey **ret);
/* Build a private key from its openssh-key-v1 private fields (fields[len], one key exactly),
 * checked as privkey_read_fields checks them. */
int privkey_from_fields(const uint8_t *fields, size_t len, const char *comment,
			struct privkey **ret);
/* Build a private key from an OpenSSL key (RSA, ECDSA P-256/384/521, Ed25519, DSA). */
int privkey_from_evp(EVP_PKEY *pkey, const char *comment, struct privkey **ret);
int privkey_set_comment(struct privkey *key, const char *comment);
/* The private serialization of key certified by cert (OpenSSH's, as ssh-agent takes it):
 * string cert type, string cert blob, then key's private fields without the public ones
 * the certificate carries. ERR_KEY_MISMATCH when cert certifies another key,
 * ERR_KEY_TYPE_UNSUPPORTED for security keys. The caller wipes out (dynbuf_free). */
int privkey_cert_fields(const struct privkey *key, const struct pubkey *cert, struct dynbuf *out);
void privkey_free(struct privkey *key);

#endif
