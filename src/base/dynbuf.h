/* dynbuf: a growable byte buffer with a hard size cap (after curl's dynbuf).
 *
 * Every append checks the cap, so a hostile input can never make us allocate more than the
 * caller allowed. The contents are always followed by a NUL byte (not counted in len), so
 * text can be used as a C string. dynbuf_free() wipes the memory before releasing it:
 * buffers often hold private keys and passphrases.
 *
 *	struct dynbuf b;
 *	dynbuf_init(&b, 64 * 1024);
 *	r = dynbuf_append(&b, data, n);   // 0, -ENOMEM, or ERR_TOO_LARGE past the cap
 *	...use b.data, b.len...
 *	dynbuf_free(&b);
 */
#ifndef SSHKEYCTL_BASE_DYNBUF_H
#define SSHKEYCTL_BASE_DYNBUF_H

#include <stddef.h>
#include <stdint.h>

struct dynbuf {
	uint8_t *data; /* NULL until the first append; NUL-terminated after it */
	size_t len;
	size_t alloc;
	size_t cap; /* largest len allowed */
};

void dynbuf_init(struct dynbuf *b, size_t cap);
/* Wipe and release the storage; b can be reused after dynbuf_init(). NULL is allowed. */
void dynbuf_free(struct dynbuf *b);
/* Forget the contents (wiped) but keep the storage. */
void dynbuf_reset(struct dynbuf *b);
int dynbuf_append(struct dynbuf *b, const void *data, size_t len);
int dynbuf_append_str(struct dynbuf *b, const char *s);
int dynbuf_append_byte(struct dynbuf *b, uint8_t byte);
/* value in decimal, without printf's cost (listings write one per line) */
int dynbuf_append_uint(struct dynbuf *b, unsigned long value);
int dynbuf_printf(struct dynbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reserve len bytes at the end and return a pointer to them through ret_ptr. */
/* Room for len more bytes without a move (a size known ahead: no copies while growing). */
int dynbuf_reserve(struct dynbuf *b, size_t len);
int dynbuf_reserve_tail(struct dynbuf *b, size_t len, uint8_t **ret_ptr);
/* Drop everything from offset len on. */
void dynbuf_truncate(struct dynbuf *b, size_t len);
/* Hand the storage to the caller (who frees it with free(), wiping if secret). */
uint8_t *dynbuf_steal(struct dynbuf *b, size_t *ret_len);

/* Overwrite memory the compiler may not optimise away. */
void secure_wipe(void *p, size_t len);
/* Wipe and free a NUL-terminated secret string; NULL is allowed. */
void secret_string_free(char *s);

#endif
