/* Standard base64 (RFC 4648), as used in key lines and PEM-style armour. */
#ifndef SSHKEYCTL_BASE_BASE64_H
#define SSHKEYCTL_BASE_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "base/dynbuf.h"

/* Append the encoding of data to out; wrap > 0 inserts '\n' after every wrap characters
 * (and none after the last line). */
int base64_encode(struct dynbuf *out, const uint8_t *data, size_t len, size_t wrap);
/* Same without '=' padding (fingerprints). */
int base64_encode_unpadded(struct dynbuf *out, const uint8_t *data, size_t len);
/* Strict decode of one token: only the 64 symbols and final '=' padding; no whitespace.
 * ERR_BASE64 on anything else. */
int base64_decode(struct dynbuf *out, const char *text, size_t len);
/* The most bytes len symbols decode to. */
static inline size_t base64_decoded_max(size_t len)
{
	return len / 4 * 3 + 3;
}
/* base64_decode into out, which has room for base64_decoded_max(len) bytes (no dynbuf:
 * a key line's blob decoded straight into the key). */
int base64_decode_to(uint8_t *out, const char *text, size_t len, size_t *ret_len);
/* Decode armour text: ASCII whitespace (newlines, CR, spaces, tabs) between symbols is
 * skipped, as OpenSSH's armour reader does. */
int base64_decode_armored(struct dynbuf *out, const char *text, size_t len);

#endif
