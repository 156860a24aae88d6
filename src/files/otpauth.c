#include "files/otpauth.h"

#include <string.h>

#include "base/base32.h"

static int percent_encoded(struct dynbuf *out, const char *text, const char *also_kept)
{
	static const char hex[] = "0123456789ABCDEF";
	int r = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p && r == 0; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) ||
		    (also_kept && strchr(also_kept, *p)))
			r = dynbuf_append_byte(out, *p);
		else
			r = dynbuf_printf(out, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
	}
	return r;
}

int otpauth_uri(const char *label, const char *issuer, const uint8_t *secret, size_t secret_len,
		unsigned period, struct dynbuf *out)
{
	int r = dynbuf_append_str(out, "otpauth://totp/");
	if (r == 0)
		r = percent_encoded(out, label, "@:");
	if (r == 0)
		r = dynbuf_append_str(out, "?secret=");
	if (r == 0)
		r = base32_encode(out, secret, secret_len);
	if (r == 0 && issuer) {
		r = dynbuf_append_str(out, "&issuer=");
		if (r == 0)
			r = percent_encoded(out, issuer, NULL);
	}
	if (r == 0 && period && period != 30)
		r = dynbuf_printf(out, "&period=%u", period);
	return r;
}
