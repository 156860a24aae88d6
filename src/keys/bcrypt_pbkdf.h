/* bcrypt_pbkdf, the key derivation of OpenSSH's openssh-key-v1 private key format
 * (Ted Unangst, OpenBSD 5.5, 2013): PBKDF2 with a bcrypt-based PRF whose output bytes are
 * spread across the key rather than concatenated. In the project because no Debian library
 * exports it. Returns 0, or -EINVAL for the inputs OpenSSH also refuses (no rounds, empty
 * passphrase or salt, key longer than 1024 bytes). */
#ifndef SSHKEYCTL_KEYS_BCRYPT_PBKDF_H
#define SSHKEYCTL_KEYS_BCRYPT_PBKDF_H

#include <stddef.h>
#include <stdint.h>

int bcrypt_pbkdf(const char *pass, size_t passlen, const uint8_t *salt, size_t saltlen,
		 uint8_t *key, size_t keylen, unsigned rounds);

#endif
