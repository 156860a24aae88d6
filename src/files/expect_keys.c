#include "files/expect_keys.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/text_lines.h"
#include "files/authorized_keys.h"

#define EXPECT_KEYS_MAX     1000000
#define EXPECT_PATTERNS_MAX 10000
#define EXPECT_ACCOUNT_MAX  64

void expect_keys_free(struct expect_keys *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n_groups; i++) {
		for (size_t j = 0; j < e->groups[i].n_patterns; j++)
			free(e->groups[i].patterns[j]);
		free(e->groups[i].patterns);
	}
	free(e->groups);
	for (size_t i = 0; i < e->n_keys; i++) {
		free(e->keys[i].account);
		pubkey_free(e->keys[i].key);
		free(e->keys[i].comment);
	}
	free(e->keys);
	free(e);
}

bool expect_group_matches(const struct expect_group *g, const char *target, const char *host)
{
	for (size_t i = 0; i < g->n_patterns; i++)
		if (fnmatch(g->patterns[i], target, 0) == 0 ||
		    (host && fnmatch(g->patterns[i], host, 0) == 0))
			return true;
	return false;
}

/* "[pattern pattern ...]" */
static int parse_group(struct expect_keys *e, const char *line, size_t len)
{
	struct expect_group *g = array_append(&e->groups, &e->n_groups, sizeof(*g), SIZE_MAX);
	if (!g)
		return -ENOMEM;
	size_t i = 1, end = len - 1; /* inside the brackets */
	while (i < end) {
		while (i < end && is_blank_char(line[i]))
			i++;
		size_t start = i;
		while (i < end && !is_blank_char(line[i]))
			i++;
		if (i == start)
			break;
		char **slot = array_append(&g->patterns, &g->n_patterns, sizeof(*slot),
					   EXPECT_PATTERNS_MAX);
		if (!slot || !(*slot = strndup(line + start, i - start)))
			return -ENOMEM;
	}
	return g->n_patterns ? 0 : ERR_FORMAT;
}

/* "ACCOUNT: authorized_keys line" */
static int parse_key(struct expect_keys *e, const char *line, size_t len, unsigned long lineno,
		     const char **ret_why)
{
	const char *colon = memchr(line, ':', len);
	*ret_why = "expected \"ACCOUNT: key line\" or \"[host patterns]\"";
	if (!colon || colon == line || (size_t)(colon - line) > EXPECT_ACCOUNT_MAX ||
	    memchr(line, ' ', (size_t)(colon - line)) || memchr(line, '\t', (size_t)(colon - line)))
		return ERR_FORMAT;
	if (e->n_groups == 0) {
		*ret_why = "a key before any [host patterns] line";
		return ERR_FORMAT;
	}
	struct authorized_keys_entry entry = {0};
	const char *rest = colon + 1;
	size_t rest_len = len - (size_t)(rest - line);
	int r = authorized_keys_parse_line(rest, rest_len, &entry);
	if (r == 0 && entry.kind != KEY_LINE_KEY) {
		*ret_why = entry.kind == KEY_LINE_INVALID ? error_to_string(entry.error)
							  : "no key after the account";
		r = ERR_FORMAT;
	}
	struct expect_key *k =
		r == 0 ? array_append(&e->keys, &e->n_keys, sizeof(*k), EXPECT_KEYS_MAX) : NULL;
	if (r == 0 && !k)
		r = -ENOMEM;
	if (r == 0) {
		k->group = e->n_groups - 1;
		k->line = lineno;
		k->key = entry.key;
		entry.key = NULL;
		k->account = strndup(line, (size_t)(colon - line));
		if (entry.comment.len)
			k->comment = strndup(rest + entry.comment.off, entry.comment.len);
		if (!k->account || (entry.comment.len && !k->comment))
			r = -ENOMEM;
	}
	authorized_keys_entry_clear(&entry);
	return r;
}

int expect_keys_parse(const char *text, size_t len, const char *name, struct expect_keys **ret,
		      struct diag *d)
{
	struct expect_keys *e = calloc(1, sizeof(*e));
	struct line_iter it;
	const char *line;
	size_t n;
	int r = e ? 0 : -ENOMEM;
	if (r == 0 && len > EXPECT_KEYS_FILE_MAX) {
		diag_set(d, "%s: larger than %d bytes", name, EXPECT_KEYS_FILE_MAX);
		r = ERR_TOO_LARGE;
	}
	line_iter_init(&it, text, r == 0 ? len : 0);
	while (r == 0 && line_iter_next(&it, &line, &n, NULL)) {
		n = line_strip_cr(line, n);
		while (n && is_blank_char(*line))
			line++, n--;
		while (n && is_blank_char(line[n - 1]))
			n--;
		if (n == 0 || line[0] == '#')
			continue;
		const char *why = "a [host patterns] line needs a pattern";
		if (memchr(line, 0, n)) {
			why = "a NUL byte";
			r = ERR_FORMAT;
		} else if (line[0] == '[') {
			r = line[n - 1] == ']' && n > 2 ? parse_group(e, line, n) : ERR_FORMAT;
		} else {
			r = parse_key(e, line, n, it.lineno, &why);
		}
		if (r == ERR_FORMAT)
			diag_set(d, "%s:%lu: %s", name, it.lineno, why);
	}
	if (r < 0) {
		expect_keys_free(e);
		return r;
	}
	*ret = e;
	return 0;
}
