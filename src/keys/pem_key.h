/* Private keys in the PEM formats OpenSSL writes: PKCS#1 ("RSA PRIVATE KEY"), SEC1
 * ("EC PRIVATE KEY"), DSA, and PKCS#8 ("PRIVATE KEY", "ENCRYPTED PRIVATE KEY"), with or
 * without the legacy Proc-Type/DEK-Info encryption. These are what `ssh-keygen -m PEM`,
 * `-m PKCS8`, libssh and openssl write. Parsing is OpenSSL's, from a memory buffer. */
#ifndef SSHKEYCTL_KEYS_PEM_KEY_H
#define SSHKEYCTL_KEYS_PEM_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys/privkey.h"

/* True when text holds a "-----BEGIN ... PRIVATE KEY-----" line we can read. */
bool pem_key_detect(const uint8_t *text, size_t len);
/* True when the PEM key is protected by a passphrase. */
bool pem_key_is_encrypted(const uint8_t *text, size_t len);
/* Errors: ERR_PASSPHRASE_NEEDED, ERR_PASSPHRASE_WRONG, ERR_FORMAT,
 * ERR_KEY_TYPE_UNSUPPORTED, -ENOMEM. The key has no comment (PEM has none). */
int pem_key_read(const uint8_t *text, size_t len, const char *passphrase, struct privkey **ret);

#endif
