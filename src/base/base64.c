#include "base/base64.h"

#include <stdbool.h>

#include "base/error.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* value of a symbol, 64 for '=', 0xff for anything else */
static uint8_t symbol_value(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return (uint8_t)(c - 'A');
	if (c >= 'a' && c <= 'z')
		return (uint8_t)(c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (uint8_t)(c - '0' + 52);
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	if (c == '=')
		return 64;
	return 0xff;
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
	size_t col = 0, n = 0;
	char quad[4];
	for (size_t i = 0; i < len; i += 3) {
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

static int base64_decode_impl(struct dynbuf *out, const char *text, size_t len, bool skip_space)
{
	uint8_t *p;
	size_t start = out->len;
	int r = dynbuf_reserve_tail(out, len / 4 * 3 + 3, &p);
	if (r < 0)
		return r;
	size_t n = 0;
	uint32_t acc = 0;
	int nsym = 0, npad = 0;
	for (size_t i = 0; i < len; i++) {
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
	dynbuf_truncate(out, start + n);
	return 0;
bad:
	dynbuf_truncate(out, start);
	return ERR_BASE64;
}

int base64_decode(struct dynbuf *out, const char *text, size_t len)
{
	return base64_decode_impl(out, text, len, false);
}

int base64_decode_armored(struct dynbuf *out, const char *text, size_t len)
{
	return base64_decode_impl(out, text, len, true);
}
