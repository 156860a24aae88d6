/* The openssh-key-v1 private key format (OpenSSH's PROTOCOL.key), read and written as
 * ssh-keygen does: armour lines of 70 base64 characters, one key per file, the private
 * section padded with 1, 2, 3, ... to the cipher's block size and protected by bcrypt_pbkdf
 * and aes256-ctr when a passphrase is given.
 */
#ifndef SSHKEYCTL_KEYS_OPENSSH_KEY_V1_H
#define SSHKEYCTL_KEYS_OPENSSH_KEY_V1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/dynbuf.h"
#include "keys/privkey.h"

#define OPENSSH_KEY_V1_BEGIN "-----BEGIN OPENSSH PRIVATE KEY-----"
#define OPENSSH_KEY_V1_END   "-----END OPENSSH PRIVATE KEY-----"
/* OpenSSH 9.4+ default; 9.2 used 16 */
#define OPENSSH_KEY_V1_DEFAULT_ROUNDS 24
/* A file asking for more bcrypt rounds than this is refused: it could make us spin for
 * hours. ssh-keygen -a values in use are far below. */
#define OPENSSH_KEY_V1_MAX_ROUNDS 100000

/* True when text starts with the armour's BEGIN line. */
bool openssh_key_v1_detect(const uint8_t *text, size_t len);

struct openssh_key_v1_info {
	bool encrypted;
	char cipher[64];
	unsigned rounds; /* 0 when not encrypted */
};

/* The public key from the file's clear header; no passphrase needed. */
int openssh_key_v1_read_public(const uint8_t *text, size_t len, struct pubkey **ret,
			       struct openssh_key_v1_info *ret_info);
/* Decrypt (passphrase may be NULL for an unencrypted key) and check the whole file.
 * Errors: ERR_PASSPHRASE_NEEDED, ERR_PASSPHRASE_WRONG, ERR_CIPHER_UNKNOWN,
 * ERR_KDF_UNKNOWN, ERR_FORMAT, ERR_TRUNCATED, ERR_TRAILING, ERR_KEY_MISMATCH,
 * ERR_MULTIPLE_KEYS, ERR_KEY_TYPE_UNKNOWN, -ENOMEM. */
int openssh_key_v1_read(const uint8_t *text, size_t len, const char *passphrase,
			struct privkey **ret);
/* Append the armoured file. An empty or NULL passphrase writes an unencrypted key, as
 * ssh-keygen does; otherwise aes256-ctr with bcrypt_pbkdf of the given rounds. */
int openssh_key_v1_write(const struct privkey *key, const char *passphrase, unsigned rounds,
			 struct dynbuf *out);

#endif
