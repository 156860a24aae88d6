#include "base/qr_code.h"

#include <errno.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int qr_code_make(const char *text, struct qr_code *ret)
{
	QRcode *code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!code)
		return errno ? -errno : -EINVAL;
	size_t n = (size_t)code->width * (size_t)code->width;
	uint8_t *dark = malloc(n);
	if (!dark) {
		QRcode_free(code);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		dark[i] = code->data[i] & 1;
	ret->width = (unsigned)code->width;
	ret->dark = dark;
	QRcode_free(code);
	return 0;
}

void qr_code_free(struct qr_code *q)
{
	/* what it encodes is often a secret (an otpauth:// URI) */
	if (q->dark)
		explicit_bzero(q->dark, (size_t)q->width * q->width);
	free(q->dark);
	q->dark = NULL;
	q->width = 0;
}

int qr_code_terminal(const struct qr_code *q, struct dynbuf *out)
{
	/* light (top, bottom) -> the block that draws it */
	static const char *const blocks[2][2] = {{" ", "\u2584"}, {"\u2580", "\u2588"}};
	long m = QR_CODE_TERMINAL_MARGIN, w = (long)q->width;
	int r = 0;
	for (long y = -m; y < w + m && r == 0; y += 2) {
		for (long x = -m; x < w + m && r == 0; x++) {
			bool top = !qr_code_dark(q, x, y);
			bool bottom = y + 1 < w + m ? !qr_code_dark(q, x, y + 1) : false;
			r = dynbuf_append_str(out, blocks[top][bottom]);
		}
		if (r == 0)
			r = dynbuf_append_byte(out, '\n');
	}
	return r;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* one PNG chunk: length, type, data, CRC of type and data */
static int chunk(struct dynbuf *out, const char *type, const uint8_t *data, size_t len)
{
	uint8_t head[8], crc[4];
	put32(head, (uint32_t)len);
	memcpy(head + 4, type, 4);
	uLong c = crc32(0, head + 4, 4);
	if (len)
		c = crc32(c, data, (uInt)len);
	put32(crc, (uint32_t)c);
	int r = dynbuf_append(out, head, 8);
	if (r == 0 && len)
		r = dynbuf_append(out, data, len);
	return r ? r : dynbuf_append(out, crc, 4);
}

int qr_code_png(const struct qr_code *q, unsigned scale, struct dynbuf *out)
{
	long m = QR_CODE_IMAGE_MARGIN;
	if (!scale || scale > 64)
		return -EINVAL;
	size_t side = ((size_t)q->width + 2 * (size_t)m) * scale, row = 1 + (side + 7) / 8;
	uint8_t *raw = calloc(side, row), *packed = NULL;
	uLongf packed_len = compressBound((uLong)(side * row));
	int r = raw ? 0 : -ENOMEM;
	/* 1-bit grayscale rows, each after its filter byte (0: none); 1 is white */
	for (size_t py = 0; r == 0 && py < side; py++) {
		uint8_t *line = raw + py * row + 1;
		for (size_t px = 0; px < side; px++)
			if (!qr_code_dark(q, (long)(px / scale) - m, (long)(py / scale) - m))
				line[px / 8] |= (uint8_t)(0x80 >> (px % 8));
	}
	if (r == 0 && !(packed = malloc(packed_len)))
		r = -ENOMEM;
	if (r == 0 && compress2(packed, &packed_len, raw, (uLong)(side * row), 9) != Z_OK)
		r = -EIO;
	uint8_t ihdr[13] = {0};
	put32(ihdr, (uint32_t)side);
	put32(ihdr + 4, (uint32_t)side);
	ihdr[8] = 1; /* bit depth; color type 0 (grayscale), compression, filter, no interlace */
	if (r == 0)
		r = dynbuf_append(out, "\x89PNG\r\n\x1a\n", 8);
	if (r == 0)
		r = chunk(out, "IHDR", ihdr, sizeof(ihdr));
	if (r == 0)
		r = chunk(out, "IDAT", packed, packed_len);
	if (r == 0)
		r = chunk(out, "IEND", NULL, 0);
	free(raw);
	free(packed);
	return r;
}

int qr_code_svg(const struct qr_code *q, struct dynbuf *out)
{
	long m = QR_CODE_IMAGE_MARGIN, side = (long)q->width + 2 * m;
	int r = dynbuf_printf(
		out,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg "
		"xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %ld %ld\" "
		"width=\"%ld\" height=\"%ld\" shape-rendering=\"crispEdges\">\n<rect "
		"width=\"%ld\" height=\"%ld\" fill=\"#fff\"/>\n<path fill=\"#000\" d=\"",
		side, side, side * 8, side * 8, side, side);
	for (long y = 0; r == 0 && y < (long)q->width; y++)
		for (long x = 0; r == 0 && x < (long)q->width; x++)
			if (qr_code_dark(q, x, y))
				r = dynbuf_printf(out, "M%ld %ldh1v1h-1z", x + m, y + m);
	return r ? r : dynbuf_append_str(out, "\"/>\n</svg>\n");
}
