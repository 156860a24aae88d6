/* SSH wire encoding (RFC 4251 section 5), in the manner of OpenSSH's sshbuf.
 *
 * struct wire_reader walks a memory buffer it does not own. Every getter checks the bytes
 * left before it reads, returns 0 or ERR_TRUNCATED/ERR_FORMAT, advances only on success and
 * sets its ret_ outputs only on success, so nothing can over-read whatever the input. Strings
 * are returned as pointers into the buffer (no copy).
 *
 * The writers append to a struct dynbuf, so the caller's cap bounds them.
 */
#ifndef SSHKEYCTL_BASE_WIRE_H
#define SSHKEYCTL_BASE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/dynbuf.h"

struct wire_reader {
	const uint8_t *data;
	size_t len;
	size_t off;
};

void wire_reader_init(struct wire_reader *r, const void *data, size_t len);
size_t wire_remaining(const struct wire_reader *r);
bool wire_at_end(const struct wire_reader *r);
int wire_get_u8(struct wire_reader *r, uint8_t *ret);
int wire_get_u32(struct wire_reader *r, uint32_t *ret);
int wire_get_u64(struct wire_reader *r, uint64_t *ret);
int wire_get_bytes(struct wire_reader *r, size_t len, const uint8_t **ret);
/* string: uint32 length, then that many bytes */
int wire_get_string(struct wire_reader *r, const uint8_t **ret, size_t *ret_len);
/* a string that must hold text without NUL bytes; returned as pointer + length */
int wire_get_cstring(struct wire_reader *r, const char **ret, size_t *ret_len);
/* mpint that must be non-negative; leading zero byte (sign) stripped from the result */
int wire_get_mpint(struct wire_reader *r, const uint8_t **ret, size_t *ret_len);
/* true when the next string equals s */
int wire_get_string_equals(struct wire_reader *r, const char *s, bool *ret_equal);

int wire_put_u32(struct dynbuf *b, uint32_t v);
int wire_put_string(struct dynbuf *b, const void *data, size_t len);
int wire_put_cstring(struct dynbuf *b, const char *s);
/* mpint from a big-endian unsigned magnitude: leading zeros stripped, 0x00 added when the
 * top bit is set */
int wire_put_mpint(struct dynbuf *b, const uint8_t *magnitude, size_t len);

#endif
