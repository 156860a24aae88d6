/* One-time passwords: HOTP (RFC 4226) and TOTP (RFC 6238), as authenticator apps and the
 * PAM module (libpam-google-authenticator) compute them: HMAC over the 8-byte big-endian
 * counter, dynamic truncation, the last `digits` decimal digits. */
#ifndef SSHKEYCTL_BASE_TOTP_H
#define SSHKEYCTL_BASE_TOTP_H

#include <stddef.h>
#include <stdint.h>

enum totp_hash { TOTP_SHA1, TOTP_SHA256, TOTP_SHA512 };

#define TOTP_SECRET_BYTES 20 /* 160 bits, RFC 4226's recommendation and the module's */

/* The code for counter (digits 6 to 9); -EINVAL for other digits, an empty secret. */
int hotp_code(enum totp_hash hash, const uint8_t *secret, size_t secret_len, uint64_t counter,
	      unsigned digits, uint32_t *ret_code);
/* The code for the time step holding unix_time (step seconds, from 0). */
int totp_code(enum totp_hash hash, const uint8_t *secret, size_t secret_len, long long unix_time,
	      unsigned step, unsigned digits, uint32_t *ret_code);

#endif
