#include "cli/key_output.h"

#include <string.h>

#include <errno.h>

#include "base/dynbuf.h"

#define OUTPUT_LINE_MAX (1024 * 1024)

static int write_buf(FILE *out, struct dynbuf *b, int r)
{
	if (r == 0 && b->len && fwrite(b->data, 1, b->len, out) != b->len)
		r = -EIO;
	dynbuf_free(b);
	return r;
}

int print_fingerprint_line(FILE *out, const struct pubkey *key, enum fingerprint_hash hash,
			   const char *comment, size_t comment_len, bool randomart)
{
	struct dynbuf b;
	dynbuf_init(&b, OUTPUT_LINE_MAX);
	int r = fingerprint_listing(key, hash, comment, comment_len, randomart, &b);
	return write_buf(out, &b, r);
}

int print_fingerprint_short(FILE *out, const struct pubkey *key, const char *comment)
{
	struct dynbuf b;
	dynbuf_init(&b, OUTPUT_LINE_MAX);
	int r = fingerprint_format(key, FINGERPRINT_SHA256, &b);
	if (r == 0)
		r = dynbuf_printf(&b, " %s\n", comment ? comment : "");
	return write_buf(out, &b, r);
}

int print_randomart(FILE *out, const struct pubkey *key, enum fingerprint_hash hash)
{
	struct dynbuf b;
	dynbuf_init(&b, OUTPUT_LINE_MAX);
	int r = fingerprint_randomart(key, hash, &b);
	if (r == 0)
		r = dynbuf_append_byte(&b, '\n');
	return write_buf(out, &b, r);
}

int print_public_line(FILE *out, const struct pubkey *key, const char *comment)
{
	struct dynbuf b;
	dynbuf_init(&b, OUTPUT_LINE_MAX);
	int r = pubkey_format_line(key, comment, &b);
	if (r == 0)
		r = dynbuf_append_byte(&b, '\n');
	return write_buf(out, &b, r);
}
