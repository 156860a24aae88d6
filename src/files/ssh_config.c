#include "files/ssh_config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/error.h"
#include "base/text_lines.h"

#define INCLUDES_MAX 256

void ssh_config_scan_clear(struct ssh_config_scan *s)
{
	for (size_t i = 0; i < s->n_includes; i++)
		free(s->includes[i]);
	free(s->includes);
	memset(s, 0, sizeof(*s));
}

/* The next argument of a line: spaces, tabs and '=' separate; "double quotes" group. */
static bool next_word(const char **p, const char *end, const char **ret, size_t *ret_len)
{
	const char *s = *p;
	while (s < end && (*s == ' ' || *s == '\t' || *s == '='))
		s++;
	if (s >= end)
		return false;
	if (*s == '"') {
		const char *close = memchr(s + 1, '"', (size_t)(end - s - 1));
		const char *stop = close ? close : end;
		*ret = s + 1;
		*ret_len = (size_t)(stop - s - 1);
		*p = close ? close + 1 : end;
		return true;
	}
	const char *w = s;
	while (s < end && *s != ' ' && *s != '\t' && *s != '=')
		s++;
	*ret = w;
	*ret_len = (size_t)(s - w);
	*p = s;
	return true;
}

static bool word_is(const char *w, size_t n, const char *keyword)
{
	return n == strlen(keyword) && strncasecmp(w, keyword, n) == 0;
}

static int scan_line(const char *line, size_t len, struct ssh_config_scan *s)
{
	const char *p = line, *end = line + len, *w;
	size_t n;
	if (!next_word(&p, end, &w, &n) || !n || w[0] == '#')
		return 0;
	if (memchr(line, '%', len))
		s->host_dependent = true;
	if (word_is(w, n, "host")) {
		while (next_word(&p, end, &w, &n))
			if (!(n == 1 && w[0] == '*'))
				s->host_dependent = true;
	} else if (word_is(w, n, "match")) {
		bool all = next_word(&p, end, &w, &n) && word_is(w, n, "all");
		if (!all || next_word(&p, end, &w, &n))
			s->host_dependent = true;
	} else if (word_is(w, n, "canonicalizehostname")) {
		if (!next_word(&p, end, &w, &n) || !word_is(w, n, "no"))
			s->host_dependent = true;
	} else if (word_is(w, n, "kexalgorithms") || word_is(w, n, "hostkeyalgorithms") ||
		   word_is(w, n, "ciphers") || word_is(w, n, "macs") ||
		   word_is(w, n, "pubkeyacceptedalgorithms") ||
		   word_is(w, n, "pubkeyacceptedkeytypes")) {
		s->sets_algorithms = true;
	} else if (word_is(w, n, "include")) {
		while (next_word(&p, end, &w, &n)) {
			if (s->n_includes >= INCLUDES_MAX) {
				s->host_dependent = true; /* too many to follow: assume the worst */
				break;
			}
			char **grown = realloc(s->includes, (s->n_includes + 1) * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			s->includes = grown;
			if (!(grown[s->n_includes] = strndup(w, n)))
				return -ENOMEM;
			s->n_includes++;
		}
	}
	return 0;
}

int ssh_config_scan(const char *text, size_t len, struct ssh_config_scan *ret)
{
	struct ssh_config_scan s = {0};
	if (len > SSH_CONFIG_FILE_MAX)
		return ERR_TOO_LARGE;
	struct line_iter it;
	const char *line;
	size_t n;
	int r = 0;
	line_iter_init(&it, text, len);
	while (r == 0 && line_iter_next(&it, &line, &n, NULL))
		r = scan_line(line, n, &s);
	if (r < 0) {
		ssh_config_scan_clear(&s);
		return r;
	}
	*ret = s;
	return 0;
}

/* A value as ssh_config reads it: quoted when it holds a space or a tab. */
static bool value_writable(const char *v)
{
	return *v && !strpbrk(v, "\"\n\r");
}

static int append_value(struct dynbuf *out, const char *v)
{
	return strpbrk(v, " \t") ? dynbuf_printf(out, "\"%s\"", v) : dynbuf_append_str(out, v);
}

int ssh_config_add_host(const char *text, size_t len, const char *alias,
			const struct ssh_config_setting *settings, size_t n, struct dynbuf *out)
{
	if (!value_writable(alias) || strpbrk(alias, " \t#*?!,=") || len > SSH_CONFIG_FILE_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!value_writable(settings[i].value))
			return -EINVAL;
	/* where the first block starts, and whether a Host line names alias already */
	size_t insert_at = len;
	struct line_iter it;
	const char *line;
	size_t line_len;
	line_iter_init(&it, text, len);
	while (line_iter_next(&it, &line, &line_len, NULL)) {
		const char *p = line, *end = line + line_len, *w;
		size_t wn;
		if (!next_word(&p, end, &w, &wn) || !wn || w[0] == '#')
			continue;
		bool host = word_is(w, wn, "host");
		if ((host || word_is(w, wn, "match")) && insert_at == len)
			insert_at = (size_t)(line - text);
		while (host && next_word(&p, end, &w, &wn))
			if (wn == strlen(alias) && memcmp(w, alias, wn) == 0)
				return -EEXIST;
	}
	int r = dynbuf_append(out, text, insert_at);
	if (r == 0 && insert_at == len && len && text[len - 1] != '\n')
		r = dynbuf_append(out, "\n", 1);
	if (r == 0 && insert_at == len && len)
		r = dynbuf_append(out, "\n", 1); /* a blank line before the new entry */
	if (r == 0)
		r = dynbuf_printf(out, "Host %s\n", alias);
	for (size_t i = 0; r == 0 && i < n; i++) {
		r = dynbuf_printf(out, "\t%s ", settings[i].keyword);
		if (r == 0)
			r = append_value(out, settings[i].value);
		if (r == 0)
			r = dynbuf_append(out, "\n", 1);
	}
	if (r == 0 && insert_at < len)
		r = dynbuf_append(out, "\n", 1); /* a blank line before the block that follows */
	if (r == 0)
		r = dynbuf_append(out, text + insert_at, len - insert_at);
	return r;
}
