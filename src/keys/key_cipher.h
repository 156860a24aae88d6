/* The ciphers ssh-keygen can protect a private key with (-Z), for openssh-key-v1 files.
 * All of them come from OpenSSL; chacha20-poly1305@openssh.com is OpenSSH's construction
 * (original 64-bit-nonce ChaCha20 plus Poly1305) assembled from OpenSSL's primitives. */
#ifndef SSHKEYCTL_KEYS_KEY_CIPHER_H
#define SSHKEYCTL_KEYS_KEY_CIPHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct key_cipher {
	const char *name;
	size_t key_len;
	size_t iv_len;
	size_t block_size; /* the plaintext is padded to a multiple of this */
	size_t tag_len;    /* AEAD tag appended after the ciphertext; 0 otherwise */
};

/* "none" included (block size 8); NULL for an unknown name. */
const struct key_cipher *key_cipher_by_name(const char *name, size_t len);
/* The cipher new encrypted keys use, as ssh-keygen does: aes256-ctr. */
const struct key_cipher *key_cipher_default(void);
bool key_cipher_is_none(const struct key_cipher *c);

/* Encrypt or decrypt len bytes (a multiple of block_size) from in to out with key_iv
 * (key_len + iv_len bytes, as bcrypt_pbkdf derives them). tag: tag_len bytes written when
 * encrypting, checked when decrypting (ERR_PASSPHRASE_WRONG on mismatch, since a wrong
 * key is by far the likeliest cause). */
int key_cipher_crypt(const struct key_cipher *c, bool encrypt, const uint8_t *key_iv,
		     const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag);

#endif
