#include "files/google_authenticator.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "base/base32.h"
#include "base/number.h"

/* "NAME" then nothing, or " ARGS": *ret_args the arguments, *ret_len their length (0:
 * none) */
static bool option_is(const char *line, size_t len, const char *name, const char **ret_args,
		      size_t *ret_len)
{
	size_t n = strlen(name);
	if (len < n || memcmp(line, name, n) || (len > n && line[n] != ' '))
		return false;
	*ret_args = len > n ? line + n + 1 : line + len;
	*ret_len = len > n ? len - n - 1 : 0;
	return true;
}

/* strspn within n bytes (the text is not NUL-terminated) */
static size_t span(const char *s, size_t n, const char *set)
{
	size_t i = 0;
	while (i < n && s[i] && strchr(set, s[i]))
		i++;
	return i;
}

/* one of the options read above (their arguments, when wrong, are an error) */
static bool known_option(const char *name, size_t len)
{
	static const char *const known[] = {"TOTP_AUTH", "DISALLOW_REUSE", "WINDOW_SIZE",
					    "STEP_SIZE", "RATE_LIMIT",     "HOTP_COUNTER"};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strlen(known[i]) == len && !memcmp(known[i], name, len))
			return true;
	return false;
}

/* the numbers of an option's arguments: exactly want of them (extra ones allowed when
 * extra_ok: RATE_LIMIT keeps its state after its two) */
static bool numbers(const char *args, size_t len, unsigned want, bool extra_ok, long max, long *ret)
{
	char buf[128];
	if (len >= sizeof(buf))
		return false;
	memcpy(buf, args, len);
	buf[len] = 0;
	char *save = NULL, *tok = strtok_r(buf, " ", &save);
	unsigned n = 0;
	for (; tok; tok = strtok_r(NULL, " ", &save), n++) {
		long v;
		if (n >= want) {
			if (!extra_ok)
				return false;
			continue;
		}
		if (number_parse(tok, 0, max, &v) < 0)
			return false;
		ret[n] = v;
	}
	return n >= want;
}

int ga_file_parse(const char *text, size_t len, const char *name, struct ga_file *ret,
		  struct diag *d)
{
	struct ga_file f = {0};
	struct dynbuf secret;
	size_t pos = 0;
	unsigned long lineno = 0;
	int r = 0;
	if (len > GA_FILE_MAX) {
		diag_set(d, "%s: larger than the PAM module reads (%d bytes)", name, GA_FILE_MAX);
		return ERR_TOO_LARGE;
	}
	if (memchr(text, 0, len)) {
		diag_set(d, "%s: holds a NUL byte", name);
		return ERR_FORMAT;
	}
	dynbuf_init(&secret, GA_SECRET_MAX);
	while (pos < len && r == 0) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		const char *args;
		long v[2];
		pos += n + 1;
		lineno++;
		if (lineno == 1) {
			r = base32_decode(&secret, line, n);
			if (r == 0 && (secret.len == 0 || secret.len > GA_SECRET_MAX))
				r = ERR_FORMAT;
			if (r < 0)
				diag_set(d, "%s:1: not a base32 secret", name);
			continue;
		}
		if (n >= 2 && line[0] == '"' && line[1] == ' ') {
			line += 2;
			n -= 2;
			size_t a, al;
			if (option_is(line, n, "TOTP_AUTH", &args, &al) && !al) {
				f.totp = true;
			} else if (option_is(line, n, "DISALLOW_REUSE", &args, &al)) {
				f.disallow_reuse = true; /* its time stamps: the module's state */
			} else if (option_is(line, n, "WINDOW_SIZE", &args, &al) &&
				   numbers(args, al, 1, false, 21, v) && v[0] >= 1) {
				f.window = (unsigned)v[0];
			} else if (option_is(line, n, "STEP_SIZE", &args, &al) &&
				   numbers(args, al, 1, false, 60, v) && v[0] >= 1) {
				f.step = (unsigned)v[0];
			} else if (option_is(line, n, "RATE_LIMIT", &args, &al) &&
				   numbers(args, al, 2, true, 100000, v) && v[0] >= 1 &&
				   v[1] >= 1) {
				f.rate_n = (unsigned)v[0];
				f.rate_m = (unsigned)v[1];
			} else if (option_is(line, n, "HOTP_COUNTER", &args, &al) &&
				   numbers(args, al, 1, false, LONG_MAX, v)) {
				f.hotp = true;
				f.hotp_counter = (uint64_t)v[0];
			} else if ((a = span(line, n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_")) > 0 &&
				   memchr(line, '_', a) && (a == n || line[a] == ' ') &&
				   !known_option(line, a)) {
				f.unknown_options++; /* a newer module's */
			} else {
				diag_set(d, "%s:%lu: an option line the PAM module does not know",
					 name, lineno);
				r = ERR_FORMAT;
			}
			continue;
		}
		long code;
		if (n == 8 && span(line, n, "0123456789") == 8 && f.n_scratch < GA_SCRATCH_MAX) {
			char digits[9];
			memcpy(digits, line, 8);
			digits[8] = 0;
			if (number_parse(digits, 10000000, 99999999, &code) == 0) {
				f.scratch[f.n_scratch++] = (uint32_t)code;
				continue;
			}
		}
		if (n == 0 && pos >= len)
			break; /* the final newline */
		diag_set(d, "%s:%lu: neither an option nor an 8-digit scratch code%s", name, lineno,
			 f.n_scratch >= GA_SCRATCH_MAX ? " (or more than 10 of them)" : "");
		r = ERR_FORMAT;
	}
	if (r == 0 && lineno == 0) {
		diag_set(d, "%s: empty", name);
		r = ERR_FORMAT;
	}
	if (r == 0) {
		memcpy(f.secret, secret.data, secret.len);
		f.secret_len = secret.len;
		*ret = f;
	}
	dynbuf_free(&secret);
	return r;
}

int ga_file_write(const struct ga_file *f, struct dynbuf *out)
{
	int r = base32_encode(out, f->secret, f->secret_len);
	if (r == 0)
		r = dynbuf_append_byte(out, '\n');
	if (r == 0 && f->rate_n)
		r = dynbuf_printf(out, "\" RATE_LIMIT %u %u\n", f->rate_n, f->rate_m);
	if (r == 0 && f->window)
		r = dynbuf_printf(out, "\" WINDOW_SIZE %u\n", f->window);
	if (r == 0 && f->step)
		r = dynbuf_printf(out, "\" STEP_SIZE %u\n", f->step);
	if (r == 0 && f->disallow_reuse)
		r = dynbuf_append_str(out, "\" DISALLOW_REUSE\n");
	if (r == 0 && f->totp)
		r = dynbuf_append_str(out, "\" TOTP_AUTH\n");
	for (size_t i = 0; r == 0 && i < f->n_scratch; i++)
		r = dynbuf_printf(out, "%08u\n", f->scratch[i]);
	return r;
}
