#include "base/base64.h"

#include <stdbool.h>

#include "base/error.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* value of each byte as a symbol: 0..63, 64 for '=', 0xff for anything else */
static const uint8_t symbol_values[256] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3e, 0xff,
	0xff, 0xff, 0x3f, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0xff, 0xff,
	0xff, 0x40, 0xff, 0xff, 0xff, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
	0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
	0x19, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21,
	0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30,
	0x31, 0x32, 0x33, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff,
};

static uint8_t symbol_value(uint8_t c)
{
	return symbol_values[c];
}

static int base64_encode_impl(struct dynbuf *out, const uint8_t *data, size_t len, size_t wrap,
			      bool pad)
{
	size_t enc_len = (len + 2) / 3 * 4;
	size_t total = enc_len + (wrap && enc_len ? (enc_len - 1) / wrap : 0);
	uint8_t *p;
	int r = dynbuf_reserve_tail(out, total, &p);
	if (r < 0)
		return r;
	size_t col = 0, n = 0, i = 0;
	char quad[4];
	/* whole groups of three bytes with no line wrapping: four symbols each, straight */
	if (!wrap)
		for (; i + 3 <= len; i += 3) {
			uint32_t v =
				(uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
			p[n++] = (uint8_t)alphabet[v >> 18 & 63];
			p[n++] = (uint8_t)alphabet[v >> 12 & 63];
			p[n++] = (uint8_t)alphabet[v >> 6 & 63];
			p[n++] = (uint8_t)alphabet[v & 63];
		}
	for (; i < len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16;
		size_t have = len - i;
		if (have > 1)
			v |= (uint32_t)data[i + 1] << 8;
		if (have > 2)
			v |= data[i + 2];
		quad[0] = alphabet[v >> 18 & 63];
		quad[1] = alphabet[v >> 12 & 63];
		quad[2] = have > 1 ? alphabet[v >> 6 & 63] : '=';
		quad[3] = have > 2 ? alphabet[v & 63] : '=';
		for (int k = 0; k < 4; k++) {
			if (quad[k] == '=' && !pad)
				continue;
			if (wrap && col == wrap) {
				p[n++] = '\n';
				col = 0;
			}
			p[n++] = (uint8_t)quad[k];
			col++;
		}
	}
	dynbuf_truncate(out, out->len - total + n);
	return 0;
}

int base64_encode(struct dynbuf *out, const uint8_t *data, size_t len, size_t wrap)
{
	return base64_encode_impl(out, data, len, wrap, true);
}

int base64_encode_unpadded(struct dynbuf *out, const uint8_t *data, size_t len)
{
	return base64_encode_impl(out, data, len, 0, false);
}

/* Decode into p (base64_decoded_max(len) bytes); ERR_BASE64 on bad input. */
static int decode_into(uint8_t *p, const char *text, size_t len, bool skip_space, size_t *ret_len)
{
	size_t n = 0, i = 0;
	uint32_t acc = 0;
	int nsym = 0, npad = 0;
	/* whole quanta of four data symbols first, a table look-up each (the common case: a key
	 * line's base64); the careful loop below takes the rest */
	if (!skip_space)
		for (; i + 4 <= len; i += 4) {
			const uint8_t *q = (const uint8_t *)text + i;
			uint8_t a = symbol_values[q[0]], b = symbol_values[q[1]],
				c = symbol_values[q[2]], e = symbol_values[q[3]];
			if ((a | b | c | e) & 0xc0)
				break; /* padding or not a symbol */
			uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | e;
			p[n++] = (uint8_t)(v >> 16);
			p[n++] = (uint8_t)(v >> 8);
			p[n++] = (uint8_t)v;
		}
	for (; i < len; i++) {
		uint8_t c = (uint8_t)text[i];
		if (skip_space && (c == ' ' || c == '\t' || c == '\r' || c == '\n'))
			continue;
		uint8_t v = symbol_value(c);
		if (v == 0xff)
			goto bad;
		if (v == 64) {
			npad++;
			if (nsym + npad > 4 || nsym < 2)
				goto bad;
			continue;
		}
		if (npad)
			goto bad; /* data after padding */
		acc = acc << 6 | v;
		if (++nsym == 4) {
			p[n++] = (uint8_t)(acc >> 16);
			p[n++] = (uint8_t)(acc >> 8);
			p[n++] = (uint8_t)acc;
			acc = 0;
			nsym = 0;
		}
	}
	/* like OpenSSH's b64_pton: the last quantum must be complete or padded */
	if ((npad && nsym + npad != 4) || (!npad && nsym != 0))
		goto bad;
	if (nsym == 2) {
		if (acc & 0xf)
			goto bad; /* non-canonical trailing bits */
		p[n++] = (uint8_t)(acc >> 4);
	} else if (nsym == 3) {
		if (acc & 0x3)
			goto bad;
		p[n++] = (uint8_t)(acc >> 10);
		p[n++] = (uint8_t)(acc >> 2);
	}
	*ret_len = n;
	return 0;
bad:
	return ERR_BASE64;
}

static int base64_decode_impl(struct dynbuf *out, const char *text, size_t len, bool skip_space)
{
	uint8_t *p;
	size_t start = out->len, n = 0;
	int r = dynbuf_reserve_tail(out, base64_decoded_max(len), &p);
	if (r < 0)
		return r;
	r = decode_into(p, text, len, skip_space, &n);
	dynbuf_truncate(out, start + (r < 0 ? 0 : n));
	return r;
}

int base64_decode_to(uint8_t *out, const char *text, size_t len, size_t *ret_len)
{
	size_t n;
	int r = decode_into(out, text, len, false, &n);
	if (r < 0)
		return r;
	*ret_len = n;
	return 0;
}

int base64_decode(struct dynbuf *out, const char *text, size_t len)
{
	return base64_decode_impl(out, text, len, false);
}

int base64_decode_armored(struct dynbuf *out, const char *text, size_t len)
{
	return base64_decode_impl(out, text, len, true);
}
