#include "base/terminal_text.h"

#include <langinfo.h>
#include <locale.h>
#include <pthread.h>
#include <string.h>
#include <wctype.h>

static locale_t user_locale;
static bool user_utf8;
static pthread_once_t locale_once = PTHREAD_ONCE_INIT;

static void find_locale(void)
{
	/* the environment's LC_CTYPE, without changing the process's locale (the parsers
	 * rely on the C locale) */
	user_locale = newlocale(LC_CTYPE_MASK, "", (locale_t)0);
	if (user_locale) {
		const char *codeset = nl_langinfo_l(CODESET, user_locale);
		user_utf8 = codeset && (!strcmp(codeset, "UTF-8") || !strcmp(codeset, "utf8"));
	}
}

bool terminal_text_utf8(void)
{
	pthread_once(&locale_once, find_locale);
	return user_utf8;
}

/* The length of the well-formed UTF-8 character at p (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF), with its code point; 0 when malformed, -1 when p[n]
 * ends inside a character that may still be well-formed. */
static int utf8_char(const unsigned char *p, size_t n, unsigned *ret_cp)
{
	unsigned cp, min;
	int len;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f, min = 0x80;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f, min = 0x800;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07, min = 0x10000;
	else
		return 0;
	for (int i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return -1;
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
		/* reject early what can only end malformed */
		if (i == 1 && ((len == 3 && cp < 0x20) || (len == 4 && (cp < 0x10 || cp > 0x10f))))
			return 0;
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*ret_cp = cp;
	return len;
}

size_t utf8_well_formed(const char *text, size_t len)
{
	unsigned cp;
	if (len && (unsigned char)text[0] < 0x80)
		return 1;
	int n = len ? utf8_char((const unsigned char *)text, len, &cp) : 0;
	return n > 0 ? (size_t)n : 0;
}

static size_t octal(unsigned char c, char *out)
{
	out[0] = '\\';
	out[1] = (char)('0' + (c >> 6));
	out[2] = (char)('0' + ((c >> 3) & 7));
	out[3] = (char)('0' + (c & 7));
	return 4;
}

static bool is_plain(unsigned char c)
{
	return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n';
}

size_t terminal_text_escape(const char *in, size_t len, bool final, char *out, size_t *ret_out_len)
{
	const unsigned char *p = (const unsigned char *)in;
	bool utf8 = terminal_text_utf8();
	size_t i = 0, o = 0;
	while (i < len) {
		/* a run of printable ASCII (nearly all output) goes across in one copy */
		size_t run = i;
		while (run < len && is_plain(p[run]))
			run++;
		if (run > i) {
			memcpy(out + o, p + i, run - i);
			o += run - i;
			i = run;
			continue;
		}
		unsigned char c = p[i];
		if (c >= 0x80 && utf8) {
			unsigned cp;
			int n = utf8_char(p + i, len - i, &cp);
			if (n < 0 && !final)
				break; /* the rest comes with the next piece */
			if (n > 0 && iswprint_l((wint_t)cp, user_locale)) {
				memcpy(out + o, p + i, (size_t)n);
				o += (size_t)n;
				i += (size_t)n;
				continue;
			}
		}
		o += octal(c, out + o);
		i++;
	}
	*ret_out_len = o;
	return i;
}
