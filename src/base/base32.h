/* Base32 (RFC 4648, alphabet A-Z 2-7), as TOTP secrets are written: in otpauth:// URIs and
 * in ~/.google_authenticator, without '=' padding. */
#ifndef SSHKEYCTL_BASE_BASE32_H
#define SSHKEYCTL_BASE_BASE32_H

#include <stddef.h>
#include <stdint.h>

#include "base/dynbuf.h"

/* Append the encoding of data to out, unpadded. */
int base32_encode(struct dynbuf *out, const uint8_t *data, size_t len);
/* Strict decode: upper-case symbols only, with or without the final '=' padding; the bits
 * of a last partial symbol must be zero (one text, one value). ERR_FORMAT otherwise. */
int base32_decode(struct dynbuf *out, const char *text, size_t len);

#endif
