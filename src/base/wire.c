#include "base/wire.h"

#include <string.h>

#include "base/error.h"

void wire_reader_init(struct wire_reader *r, const void *data, size_t len)
{
	r->data = data;
	r->len = len;
	r->off = 0;
}

size_t wire_remaining(const struct wire_reader *r)
{
	return r->len - r->off;
}

bool wire_at_end(const struct wire_reader *r)
{
	return r->off == r->len;
}

int wire_get_bytes(struct wire_reader *r, size_t len, const uint8_t **ret)
{
	if (len > wire_remaining(r))
		return ERR_TRUNCATED;
	if (ret)
		*ret = r->data + r->off;
	r->off += len;
	return 0;
}

/* n big-endian bytes as an unsigned number */
static int get_be(struct wire_reader *r, size_t n, uint64_t *ret)
{
	const uint8_t *p;
	int e = wire_get_bytes(r, n, &p);
	if (e < 0)
		return e;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	*ret = v;
	return 0;
}

int wire_get_u8(struct wire_reader *r, uint8_t *ret)
{
	uint64_t v;
	int e = get_be(r, 1, &v);
	if (e == 0)
		*ret = (uint8_t)v;
	return e;
}

int wire_get_u32(struct wire_reader *r, uint32_t *ret)
{
	uint64_t v;
	int e = get_be(r, 4, &v);
	if (e == 0)
		*ret = (uint32_t)v;
	return e;
}

int wire_get_u64(struct wire_reader *r, uint64_t *ret)
{
	return get_be(r, 8, ret);
}

int wire_get_string(struct wire_reader *r, const uint8_t **ret, size_t *ret_len)
{
	size_t start = r->off;
	uint32_t len;
	const uint8_t *p;
	int e = wire_get_u32(r, &len);
	if (e < 0)
		return e;
	e = wire_get_bytes(r, len, &p);
	if (e < 0) {
		r->off = start;
		return e;
	}
	if (ret)
		*ret = p;
	if (ret_len)
		*ret_len = len;
	return 0;
}

int wire_get_cstring(struct wire_reader *r, const char **ret, size_t *ret_len)
{
	size_t start = r->off;
	const uint8_t *p;
	size_t len;
	int e = wire_get_string(r, &p, &len);
	if (e < 0)
		return e;
	if (memchr(p, 0, len)) {
		r->off = start;
		return ERR_FORMAT;
	}
	if (ret)
		*ret = (const char *)p;
	if (ret_len)
		*ret_len = len;
	return 0;
}

int wire_get_mpint(struct wire_reader *r, const uint8_t **ret, size_t *ret_len)
{
	size_t start = r->off;
	const uint8_t *p;
	size_t len;
	int e = wire_get_string(r, &p, &len);
	if (e < 0)
		return e;
	/* negative numbers and non-minimal encodings are refused, as sshbuf_get_bignum2 does */
	if ((len > 0 && (p[0] & 0x80)) || (len > 1 && p[0] == 0 && !(p[1] & 0x80))) {
		r->off = start;
		return ERR_FORMAT;
	}
	if (len > 0 && p[0] == 0) {
		p++;
		len--;
	}
	if (ret)
		*ret = p;
	if (ret_len)
		*ret_len = len;
	return 0;
}

int wire_get_string_equals(struct wire_reader *r, const char *s, bool *ret_equal)
{
	const uint8_t *p;
	size_t len;
	int e = wire_get_string(r, &p, &len);
	if (e < 0)
		return e;
	*ret_equal = len == strlen(s) && memcmp(p, s, len) == 0;
	return 0;
}

int wire_put_u32(struct dynbuf *b, uint32_t v)
{
	uint8_t p[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	return dynbuf_append(b, p, 4);
}

int wire_put_string(struct dynbuf *b, const void *data, size_t len)
{
	if (len > UINT32_MAX)
		return ERR_TOO_LARGE;
	int e = wire_put_u32(b, (uint32_t)len);
	if (e < 0)
		return e;
	return dynbuf_append(b, data, len);
}

int wire_put_cstring(struct dynbuf *b, const char *s)
{
	return wire_put_string(b, s, strlen(s));
}

int wire_put_mpint(struct dynbuf *b, const uint8_t *magnitude, size_t len)
{
	while (len > 0 && magnitude[0] == 0) {
		magnitude++;
		len--;
	}
	bool pad = len > 0 && (magnitude[0] & 0x80);
	if (len + pad > UINT32_MAX)
		return ERR_TOO_LARGE;
	int e = wire_put_u32(b, (uint32_t)(len + pad));
	if (e == 0 && pad)
		e = dynbuf_append_byte(b, 0);
	if (e == 0)
		e = dynbuf_append(b, magnitude, len);
	return e;
}
