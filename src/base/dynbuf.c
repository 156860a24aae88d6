#include "base/dynbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

void secure_wipe(void *p, size_t len)
{
	if (p && len)
		explicit_bzero(p, len);
}

void secret_string_free(char *s)
{
	if (!s)
		return;
	secure_wipe(s, strlen(s));
	free(s);
}

void dynbuf_init(struct dynbuf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap;
}

void dynbuf_free(struct dynbuf *b)
{
	if (!b)
		return;
	/* only the bytes in use can hold anything: past len, storage was never written or
	 * was wiped when len came down (dynbuf_truncate, dynbuf_reset); wiping all of alloc
	 * would touch (and fault in) pages nobody wrote */
	secure_wipe(b->data, b->data ? b->len + 1 : 0);
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
}

void dynbuf_reset(struct dynbuf *b)
{
	secure_wipe(b->data, b->len);
	b->len = 0;
	if (b->data)
		b->data[0] = 0;
}

/* Make room for len more bytes plus the NUL. Old storage is wiped when it moves, because a
 * realloc() would leave a copy of secrets behind in freed memory. */
static int dynbuf_grow(struct dynbuf *b, size_t len)
{
	if (len > b->cap || b->len > b->cap - len)
		return ERR_TOO_LARGE;
	size_t need = b->len + len + 1;
	if (need <= b->alloc)
		return 0;
	size_t alloc = b->alloc ? b->alloc : 64;
	while (alloc < need)
		alloc = alloc > SIZE_MAX / 2 ? need : alloc * 2;
	if (alloc > b->cap + 1)
		alloc = b->cap + 1;
	uint8_t *p = malloc(alloc);
	if (!p)
		return -ENOMEM;
	if (b->data) {
		memcpy(p, b->data, b->len + 1);
		secure_wipe(b->data, b->len + 1);
		free(b->data);
	}
	b->data = p;
	b->alloc = alloc;
	return 0;
}

int dynbuf_reserve(struct dynbuf *b, size_t len)
{
	return dynbuf_grow(b, len);
}

int dynbuf_reserve_tail(struct dynbuf *b, size_t len, uint8_t **ret_ptr)
{
	int r = dynbuf_grow(b, len);
	if (r < 0)
		return r;
	*ret_ptr = b->data + b->len;
	b->len += len;
	b->data[b->len] = 0;
	return 0;
}

int dynbuf_append(struct dynbuf *b, const void *data, size_t len)
{
	uint8_t *p;
	int r = dynbuf_reserve_tail(b, len, &p);
	if (r < 0)
		return r;
	if (len)
		memcpy(p, data, len);
	return 0;
}

int dynbuf_append_str(struct dynbuf *b, const char *s)
{
	return dynbuf_append(b, s, strlen(s));
}

int dynbuf_append_byte(struct dynbuf *b, uint8_t byte)
{
	return dynbuf_append(b, &byte, 1);
}

int dynbuf_append_uint(struct dynbuf *b, unsigned long value)
{
	char digits[3 * sizeof(value)];
	size_t n = sizeof(digits);
	do
		digits[--n] = (char)('0' + value % 10);
	while ((value /= 10));
	return dynbuf_append(b, digits + n, sizeof(digits) - n);
}

int dynbuf_printf(struct dynbuf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];

	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n < sizeof(small))
		return dynbuf_append(b, small, (size_t)n);

	uint8_t *p;
	int r = dynbuf_reserve_tail(b, (size_t)n, &p);
	if (r < 0)
		return r;
	va_start(ap, fmt);
	vsnprintf((char *)p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return 0;
}

void dynbuf_truncate(struct dynbuf *b, size_t len)
{
	if (len >= b->len)
		return;
	secure_wipe(b->data + len, b->len - len);
	b->len = len;
	b->data[len] = 0;
}

uint8_t *dynbuf_steal(struct dynbuf *b, size_t *ret_len)
{
	uint8_t *p = b->data;
	if (ret_len)
		*ret_len = b->len;
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	return p;
}
