#include "base/base32.h"

#include <string.h>

#include "base/error.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int base32_encode(struct dynbuf *out, const uint8_t *data, size_t len)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	int r = 0;
	for (size_t i = 0; i < len && r == 0; i++) {
		acc = (acc << 8) | data[i];
		bits += 8;
		while (bits >= 5 && r == 0) {
			bits -= 5;
			r = dynbuf_append_byte(out, (uint8_t)alphabet[(acc >> bits) & 31]);
		}
	}
	if (r == 0 && bits)
		r = dynbuf_append_byte(out, (uint8_t)alphabet[(acc << (5 - bits)) & 31]);
	return r;
}

int base32_decode(struct dynbuf *out, const char *text, size_t len)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t n = len;
	/* padding: only at the end, and only as much as a final group can have */
	while (n && text[n - 1] == '=')
		n--;
	if (len - n > 6 || (len != n && len % 8))
		return ERR_FORMAT;
	/* a group of 8 symbols ends with 0, 2, 4, 5 or 7 symbols: never 1, 3 or 6 */
	if (n % 8 == 1 || n % 8 == 3 || n % 8 == 6)
		return ERR_FORMAT;
	for (size_t i = 0; i < n; i++) {
		const char *p = text[i] ? strchr(alphabet, text[i]) : NULL;
		if (!p)
			return ERR_FORMAT;
		acc = (acc << 5) | (uint32_t)(p - alphabet);
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			int r = dynbuf_append_byte(out, (uint8_t)(acc >> bits));
			if (r < 0)
				return r;
		}
	}
	if (acc & ((1u << bits) - 1))
		return ERR_FORMAT;
	return 0;
}
