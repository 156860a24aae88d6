/* QR codes (libqrencode) for otpauth:// URIs, in the forms a person scans: the terminal
 * (UTF-8 half blocks, two module rows a line, light modules drawn: right on a dark
 * terminal), PNG (1-bit grayscale) and SVG; each with a quiet zone. Pure: bytes into a
 * dynbuf, nothing printed or written here. */
#ifndef SSHKEYCTL_BASE_QR_CODE_H
#define SSHKEYCTL_BASE_QR_CODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/dynbuf.h"

#define QR_CODE_TERMINAL_MARGIN 2 /* modules around the code in the terminal */
#define QR_CODE_IMAGE_MARGIN    4 /* in images: the standard's quiet zone */

struct qr_code {
	unsigned width; /* modules a side */
	uint8_t *dark;  /* width * width, row by row: 1 dark */
};

/* The code for text, error correction level M (as google-authenticator's). */
int qr_code_make(const char *text, struct qr_code *ret);
void qr_code_free(struct qr_code *q);
static inline bool qr_code_dark(const struct qr_code *q, long x, long y)
{
	return x >= 0 && y >= 0 && x < (long)q->width && y < (long)q->width &&
	       q->dark[(size_t)y * q->width + (size_t)x];
}

int qr_code_terminal(const struct qr_code *q, struct dynbuf *out);
/* scale: pixels a module */
int qr_code_png(const struct qr_code *q, unsigned scale, struct dynbuf *out);
int qr_code_svg(const struct qr_code *q, struct dynbuf *out);

#endif
