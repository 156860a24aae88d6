#include "files/known_hosts.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/error.h"
#include "base/random.h"
#include "base/text_lines.h"
#include "files/key_text.h"

#define HASH_MAGIC "|1|"
#define HASH_LEN   20 /* SHA-1: both the salt and the HMAC */

/* "|1|base64(salt)|base64(hmac)", each decoding to 20 bytes */
static int check_hashed_name(const char *s, size_t len)
{
	size_t m = strlen(HASH_MAGIC);
	const char *sep = memchr(s + m, '|', len - m);
	if (!sep)
		return ERR_FORMAT;
	struct dynbuf b;
	dynbuf_init(&b, 64);
	int r = base64_decode(&b, s + m, (size_t)(sep - s) - m);
	if (r == 0 && b.len != HASH_LEN)
		r = ERR_FORMAT;
	dynbuf_reset(&b);
	if (r == 0)
		r = base64_decode(&b, sep + 1, len - (size_t)(sep + 1 - s));
	if (r == 0 && b.len != HASH_LEN)
		r = ERR_FORMAT;
	dynbuf_free(&b);
	return r < 0 ? ERR_FORMAT : 0;
}

static int parse_marker(const char *s, size_t len, enum known_hosts_marker *ret)
{
	if (len == strlen("@cert-authority") && memcmp(s, "@cert-authority", len) == 0)
		*ret = KNOWN_HOSTS_MARKER_CERT_AUTHORITY;
	else if (len == strlen("@revoked") && memcmp(s, "@revoked", len) == 0)
		*ret = KNOWN_HOSTS_MARKER_REVOKED;
	else
		return ERR_MARKER_UNKNOWN;
	return 0;
}

int known_hosts_parse_line(const char *line, size_t len, struct known_hosts_entry *e)
{
	struct key_text_line t;
	memset(e, 0, sizeof(*e));
	e->raw = line;
	e->raw_len = len;
	int r = key_text_line_start(line, len, KNOWN_HOSTS_LINE_MAX, &t);
	e->crlf = t.crlf;
	if (r == 0 && t.kind != KEY_LINE_KEY) {
		e->kind = t.kind;
		return 0;
	}
	size_t pos = t.pos, end;
	if (r == 0 && line[pos] == '@') {
		for (end = pos; end < t.len && !is_blank_char(line[end]); end++)
			;
		r = parse_marker(line + pos, end - pos, &e->marker);
		pos = key_text_skip_blanks(&t, end);
	}
	if (r == 0) {
		for (end = pos; end < t.len && !is_blank_char(line[end]); end++)
			;
		e->hosts.off = pos;
		e->hosts.len = end - pos;
		if (e->hosts.len == 0)
			r = ERR_NO_HOSTS;
	}
	if (r == 0 && e->hosts.len >= strlen(HASH_MAGIC) &&
	    memcmp(line + pos, HASH_MAGIC, strlen(HASH_MAGIC)) == 0) {
		e->hashed = true;
		r = check_hashed_name(line + pos, e->hosts.len);
	}
	if (r == 0)
		r = key_text_parse_key(&t, key_text_skip_blanks(&t, end), &e->key, &e->comment);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		e->kind = KEY_LINE_INVALID;
		e->error = r;
		return 0;
	}
	e->kind = KEY_LINE_KEY;
	return 0;
}

void known_hosts_entry_clear(struct known_hosts_entry *e)
{
	pubkey_free(e->key);
	e->key = NULL;
}

static int parse_entry(const char *line, size_t len, unsigned long lineno, bool has_newline,
		       void *entry)
{
	struct known_hosts_entry *e = entry;
	int r = known_hosts_parse_line(line, len, e);
	e->lineno = lineno;
	e->has_newline = has_newline;
	return r;
}

static void clear_entry(void *entry)
{
	known_hosts_entry_clear(entry);
}

int known_hosts_parse(const char *data, size_t len, struct known_hosts **ret)
{
	if (len > KNOWN_HOSTS_FILE_MAX)
		return ERR_TOO_LARGE;
	struct known_hosts *kh = calloc(1, sizeof(*kh));
	if (!kh)
		return -ENOMEM;
	int r = key_text_parse_lines(data, len, sizeof(struct known_hosts_entry), parse_entry,
				     clear_entry, (void **)&kh->entries, &kh->n_entries);
	if (r < 0) {
		free(kh);
		return r;
	}
	*ret = kh;
	return 0;
}

void known_hosts_free(struct known_hosts *kh)
{
	if (!kh)
		return;
	for (size_t i = 0; i < kh->n_entries; i++)
		known_hosts_entry_clear(&kh->entries[i]);
	free(kh->entries);
	free(kh);
}

int known_hosts_name(const char *host, unsigned port, struct dynbuf *out)
{
	if (port == 0 || port == 22)
		return dynbuf_append_str(out, host);
	return dynbuf_printf(out, "[%s]:%u", host, port);
}

/* |1|salt|hmac: HMAC-SHA1 keyed with the salt over the name */
static bool hashed_name_matches(const char *s, size_t len, const char *name)
{
	size_t m = strlen(HASH_MAGIC);
	const char *sep = memchr(s + m, '|', len - m);
	struct dynbuf salt, mac;
	bool match = false;
	if (!sep)
		return false;
	dynbuf_init(&salt, 64);
	dynbuf_init(&mac, 64);
	if (base64_decode(&salt, s + m, (size_t)(sep - s) - m) == 0 &&
	    base64_decode(&mac, sep + 1, len - (size_t)(sep + 1 - s)) == 0 && mac.len == HASH_LEN) {
		uint8_t digest[EVP_MAX_MD_SIZE];
		unsigned dlen = 0;
		if (HMAC(EVP_sha1(), salt.data, (int)salt.len, (const uint8_t *)name, strlen(name),
			 digest, &dlen) &&
		    dlen == HASH_LEN)
			match = CRYPTO_memcmp(digest, mac.data, HASH_LEN) == 0;
	}
	dynbuf_free(&salt);
	dynbuf_free(&mac);
	return match;
}

/* OpenSSH's match_pattern: '*' and '?' wildcards, case folded; nothing else is special */
static bool glob_matches(const char *pat, size_t plen, const char *s)
{
	if (plen == 0)
		return *s == 0;
	if (*pat == '*') {
		for (const char *t = s;; t++) {
			if (glob_matches(pat + 1, plen - 1, t))
				return true;
			if (!*t)
				return false;
		}
	}
	if (!*s)
		return false;
	if (*pat != '?' && tolower((unsigned char)*pat) != tolower((unsigned char)*s))
		return false;
	return glob_matches(pat + 1, plen - 1, s + 1);
}

/* Do the entry's host patterns name this host (a matching negated pattern vetoes the line,
 * as match_pattern_list), or its hashed name? */
static bool patterns_name(const struct known_hosts_entry *e, const char *name)
{
	const char *p = e->raw + e->hosts.off, *end = p + e->hosts.len;
	if (e->hashed)
		return hashed_name_matches(p, e->hosts.len, name);
	bool matched = false;
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		size_t len = comma ? (size_t)(comma - p) : (size_t)(end - p);
		bool negated = len && *p == '!';
		if (glob_matches(p + negated, len - negated, name)) {
			if (negated)
				return false;
			matched = true;
		}
		p = comma ? comma + 1 : end;
	}
	return matched;
}

bool known_hosts_entry_names(const struct known_hosts_entry *e, const char *name)
{
	/* @cert-authority and @revoked lines are not a host's keys: ssh-keygen -R keeps them */
	if (e->kind != KEY_LINE_KEY || e->marker != KNOWN_HOSTS_MARKER_NONE)
		return false;
	return patterns_name(e, name);
}

int known_hosts_marks(const char *data, size_t len, const char *name, const struct pubkey *key,
		      unsigned long *ret_revoked, unsigned long *ret_cert_authority)
{
	struct line_iter it;
	const char *line;
	size_t n;
	unsigned long revoked = 0, cert_authority = 0;
	line_iter_init(&it, data, len);
	while (line_iter_next(&it, &line, &n, NULL)) {
		/* a marker is the line's first word: only those lines are parsed */
		size_t lead = 0;
		while (lead < n && is_blank_char(line[lead]))
			lead++;
		if (lead == n || line[lead] != '@' || n > KNOWN_HOSTS_LINE_MAX)
			continue;
		struct known_hosts_entry e;
		int r = known_hosts_parse_line(line, n, &e);
		if (r < 0)
			return r;
		if (e.kind == KEY_LINE_KEY && e.key && patterns_name(&e, name)) {
			if (!revoked && e.marker == KNOWN_HOSTS_MARKER_REVOKED &&
			    pubkey_same_key(e.key, key))
				revoked = it.lineno;
			if (!cert_authority && e.marker == KNOWN_HOSTS_MARKER_CERT_AUTHORITY)
				cert_authority = it.lineno;
		}
		known_hosts_entry_clear(&e);
	}
	*ret_revoked = revoked;
	*ret_cert_authority = cert_authority;
	return 0;
}

int known_hosts_remove(const char *data, size_t len, const char *name, struct dynbuf *out,
		       unsigned long **ret_lines, size_t *ret_n)
{
	struct known_hosts *kh;
	unsigned long *lines = NULL;
	size_t n = 0;
	int r = known_hosts_parse(data, len, &kh);
	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < kh->n_entries; i++) {
		const struct known_hosts_entry *e = &kh->entries[i];
		if (known_hosts_entry_names(e, name)) {
			unsigned long *grown = realloc(lines, (n + 1) * sizeof(*lines));
			if (!grown) {
				r = -ENOMEM;
				break;
			}
			lines = grown;
			lines[n++] = e->lineno;
			continue;
		}
		r = dynbuf_append(out, e->raw, e->raw_len);
		if (r == 0 && e->has_newline)
			r = dynbuf_append_byte(out, '\n');
	}
	known_hosts_free(kh);
	if (r < 0) {
		free(lines);
		return r;
	}
	*ret_lines = lines;
	*ret_n = n;
	return 0;
}

int known_hosts_hash_name(const char *name, struct dynbuf *out)
{
	uint8_t salt[HASH_LEN], mac[EVP_MAX_MD_SIZE];
	unsigned mac_len = 0;
	if (random_bytes(salt, sizeof(salt)) < 0 ||
	    !HMAC(EVP_sha1(), salt, sizeof(salt), (const uint8_t *)name, strlen(name), mac,
		  &mac_len))
		return ERR_CRYPTO;
	int r = dynbuf_append_str(out, HASH_MAGIC);
	if (r == 0)
		r = base64_encode(out, salt, sizeof(salt), 0);
	if (r == 0)
		r = dynbuf_append_byte(out, '|');
	if (r == 0)
		r = base64_encode(out, mac, mac_len, 0);
	return r;
}

bool known_hosts_lists_key(const char *data, size_t len, const char *name, const struct pubkey *key,
			   unsigned long *ret_line)
{
	struct known_hosts *kh = NULL;
	bool found = false;
	if (known_hosts_parse(data, len, &kh) < 0)
		return false;
	for (size_t i = 0; i < kh->n_entries && !found; i++) {
		const struct known_hosts_entry *e = &kh->entries[i];
		if (e->kind != KEY_LINE_KEY || !e->key || e->marker != KNOWN_HOSTS_MARKER_NONE ||
		    !pubkey_equal(e->key, key) || !known_hosts_entry_names(e, name))
			continue;
		found = true;
		*ret_line = e->lineno;
	}
	known_hosts_free(kh);
	return found;
}
