/* Key files as a whole: recognising what a file holds, reading a private key in any format
 * we support, and saving a key pair (private key 0600, public key 0644) atomically. */
#ifndef SSHKEYCTL_KEYS_KEY_FILE_H
#define SSHKEYCTL_KEYS_KEY_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys/privkey.h"

/* Largest key file we read. Private keys are a few KiB; this leaves room for RSA 16384. */
#define KEY_FILE_MAX (1024 * 1024)

enum key_file_kind {
	KEY_FILE_OPENSSH_V1, /* -----BEGIN OPENSSH PRIVATE KEY----- */
	KEY_FILE_PEM,        /* PKCS#1, SEC1, DSA or PKCS#8 PEM private key */
	KEY_FILE_TEXT,       /* anything else: public key lines, authorized_keys, known_hosts */
};

enum key_file_kind key_file_kind(const uint8_t *data, size_t len);
bool private_key_is_encrypted(const uint8_t *data, size_t len);
/* Read a private key of either kind; passphrase NULL when none was given. */
int private_key_read(const uint8_t *data, size_t len, const char *passphrase, struct privkey **ret);
/* The public half without a passphrase where the format allows it (openssh-key-v1 headers
 * and unencrypted PEM). ret_comment gets the comment when one is readable, else NULL. */
int private_key_read_public(const uint8_t *data, size_t len, struct pubkey **ret,
			    char **ret_comment);

/* Public key file content: "type base64 comment\n" (a trailing space when the comment is
 * empty, as ssh-keygen writes it). */
int public_key_file_format(const struct privkey *key, struct dynbuf *out);

enum key_pair_save_flags {
	KEY_PAIR_REPLACE = 1 << 0, /* an existing private key may be replaced */
};

/* Write path (the private key) and path.pub. Both are prepared and fsynced under temporary
 * names before either is renamed into place; on any failure nothing new remains. Without
 * KEY_PAIR_REPLACE an existing private key gives -EEXIST. A symlink at either path is
 * refused with -ELOOP. */
int key_pair_save(const char *path, const struct privkey *key, const char *passphrase,
		  unsigned rounds, unsigned flags);

#endif
