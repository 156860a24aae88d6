#include "files/authorized_keys_edit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "files/authorized_keys.h"

/* Mark the keys ak lists; ret_crlf: the file's lines end in CRLF. */
static void mark_present(const struct authorized_keys *ak, struct authorized_key_to_add *keys,
			 size_t n_keys, bool *ret_crlf)
{
	bool crlf = false;
	for (size_t k = 0; k < n_keys; k++)
		keys[k].present = false;
	for (size_t i = 0; i < ak->n_entries; i++) {
		const struct authorized_keys_entry *e = &ak->entries[i];
		crlf = crlf || (e->crlf && e->has_newline);
		if (e->kind != KEY_LINE_KEY)
			continue;
		for (size_t k = 0; k < n_keys; k++) {
			if (!keys[k].present && pubkey_same_key(e->key, keys[k].key)) {
				keys[k].present = true;
				keys[k].present_line = e->lineno;
			}
		}
	}
	*ret_crlf = crlf;
}

int authorized_keys_find(const char *data, size_t len, struct authorized_key_to_add *keys,
			 size_t n_keys)
{
	struct authorized_keys *ak;
	bool crlf;
	int r = authorized_keys_parse(data, len, &ak);
	if (r < 0)
		return r;
	mark_present(ak, keys, n_keys, &crlf);
	authorized_keys_free(ak);
	return 0;
}

int authorized_keys_add(const char *old, size_t old_len, struct authorized_key_to_add *keys,
			size_t n_keys, struct dynbuf *out, bool *ret_changed)
{
	struct authorized_keys *ak;
	bool crlf, changed = false;
	int r = authorized_keys_parse(old, old_len, &ak);
	if (r < 0)
		return r;
	mark_present(ak, keys, n_keys, &crlf);
	const char *eol = crlf ? "\r\n" : "\n";
	if ((r = dynbuf_append(out, old, old_len)) < 0)
		goto out;
	for (size_t k = 0; k < n_keys; k++) {
		/* the same key twice in one request is added once */
		bool duplicate = false;
		for (size_t j = 0; j < k; j++)
			duplicate = duplicate ||
				    (!keys[j].present && pubkey_same_key(keys[j].key, keys[k].key));
		if (keys[k].present || keys[k].elsewhere || duplicate)
			continue;
		if (out->len > 0 && out->data[out->len - 1] != '\n' &&
		    (r = dynbuf_append_str(out, eol)) < 0)
			goto out;
		if ((r = pubkey_format_line(keys[k].key, keys[k].comment, out)) < 0 ||
		    (r = dynbuf_append_str(out, eol)) < 0)
			goto out;
		changed = true;
	}
	*ret_changed = changed;
out:
	authorized_keys_free(ak);
	return r;
}

/* Every line of old to out as it was, except key lines for which change() writes something
 * else (returning 1: the line was changed; 0: keep it; negative: error). */
static int rewrite_lines(const char *old, size_t old_len,
			 int (*change)(const struct authorized_keys_entry *e, struct dynbuf *out,
				       void *arg),
			 void *arg, struct dynbuf *out)
{
	struct authorized_keys *ak;
	int r = authorized_keys_parse(old, old_len, &ak);
	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < ak->n_entries; i++) {
		const struct authorized_keys_entry *e = &ak->entries[i];
		int c = e->kind == KEY_LINE_KEY ? change(e, out, arg) : 0;
		if (c < 0)
			r = c;
		else if (c == 0)
			/* the line as it was, its own ending included (CRLF, or none at the
			 * end) */
			r = dynbuf_append(out, e->raw, e->raw_len + (e->has_newline ? 1 : 0));
	}
	authorized_keys_free(ak);
	return r;
}

struct removal {
	const struct pubkey *const *keys;
	size_t n_keys;
	unsigned long long found;
	size_t lines;
};

static int remove_line(const struct authorized_keys_entry *e, struct dynbuf *out, void *arg)
{
	struct removal *rm = arg;
	bool drop = false;
	(void)out;
	for (size_t k = 0; k < rm->n_keys; k++)
		if (pubkey_same_key(e->key, rm->keys[k])) {
			drop = true;
			if (k < 64)
				rm->found |= 1ULL << k;
		}
	rm->lines += drop;
	return drop;
}

int authorized_keys_remove(const char *old, size_t old_len, const struct pubkey *const *keys,
			   size_t n_keys, struct dynbuf *out, unsigned long long *ret_removed,
			   size_t *ret_lines)
{
	struct removal rm = {keys, n_keys, 0, 0};
	int r = rewrite_lines(old, old_len, remove_line, &rm, out);
	if (r == 0 && ret_removed)
		*ret_removed = rm.found;
	if (r == 0 && ret_lines)
		*ret_lines = rm.lines;
	return r;
}

int authorized_keys_strip_bom(const char *old, size_t old_len, struct dynbuf *out)
{
	if (old_len < 3 || memcmp(old, "\xef\xbb\xbf", 3) != 0)
		return ERR_FORMAT;
	return dynbuf_append(out, old + 3, old_len - 3);
}

int authorized_keys_join_split_line(const char *text, size_t len, unsigned long line,
				    const struct pubkey *key, struct dynbuf *out)
{
	size_t start = 0;
	for (unsigned long n = 1; n < line && start < len; n++) {
		const char *nl = memchr(text + start, '\n', len - start);
		if (!nl)
			return ERR_CHANGED_UNDER_US;
		start = (size_t)(nl - text) + 1;
	}
	const char *nl = memchr(text + start, '\n', len - start);
	if (!nl)
		return ERR_CHANGED_UNDER_US;
	size_t first_end = (size_t)(nl - text);
	size_t cut = first_end;
	while (cut > start && (text[cut - 1] == ' ' || text[cut - 1] == '\r'))
		cut--;
	size_t second = first_end + 1;
	while (second < len && text[second] == ' ')
		second++;
	const char *nl2 = memchr(text + second, '\n', len - second);
	size_t second_end = nl2 ? (size_t)(nl2 - text) : len;
	/* the joined line must be the key before anything is written */
	struct dynbuf joined;
	dynbuf_init(&joined, AUTHORIZED_KEYS_LINE_MAX);
	struct authorized_keys_entry e = {0};
	int r = dynbuf_append(&joined, text + start, cut - start);
	if (r == 0)
		r = dynbuf_append(&joined, text + second, second_end - second);
	if (r == 0)
		r = authorized_keys_parse_line((const char *)joined.data, joined.len, &e);
	if (r == 0 && (e.kind != KEY_LINE_KEY || !pubkey_equal(e.key, key)))
		r = ERR_CHANGED_UNDER_US;
	authorized_keys_entry_clear(&e);
	dynbuf_free(&joined);
	if (r == 0)
		r = dynbuf_append(out, text, cut);
	if (r == 0)
		r = dynbuf_append(out, text + second, len - second);
	return r;
}

struct replacement {
	const struct pubkey *old_key, *new_key;
	const char *new_comment;
	bool keep_old; /* the new line goes after the old one, which stays */
	size_t lines;
};

static int replace_line(const struct authorized_keys_entry *e, struct dynbuf *out, void *arg)
{
	struct replacement *rp = arg;
	if (!pubkey_same_key(e->key, rp->old_key))
		return 0;
	rp->lines++;
	int r = 0;
	/* the old line as it was (its CR, if any, is in raw), then a newline of its own when
	 * it was the last line without one */
	if (rp->keep_old &&
	    ((r = dynbuf_append(out, e->raw, e->raw_len + (e->has_newline ? 1 : 0))) < 0 ||
	     (!e->has_newline && (r = dynbuf_append_byte(out, '\n')) < 0)))
		return r;
	/* the options as written, then the new key, then the comment */
	if (e->options.len &&
	    ((r = dynbuf_append(out, e->raw + e->options.off, e->options.len)) < 0 ||
	     (r = dynbuf_append_byte(out, ' ')) < 0))
		return r;
	char *comment = NULL;
	if (!rp->new_comment && e->comment.len &&
	    !(comment = strndup(e->raw + e->comment.off, e->comment.len)))
		return -ENOMEM;
	r = pubkey_format_line(rp->new_key, rp->new_comment ? rp->new_comment : comment, out);
	free(comment);
	if (r == 0 && e->crlf)
		r = dynbuf_append_byte(out, '\r');
	if (r == 0 && (e->has_newline || rp->keep_old))
		r = dynbuf_append_byte(out, '\n');
	return r < 0 ? r : 1;
}

static int replace_lines(const char *old, size_t old_len, struct replacement *rp,
			 struct dynbuf *out, size_t *ret_lines)
{
	int r = rewrite_lines(old, old_len, replace_line, rp, out);
	if (r == 0 && ret_lines)
		*ret_lines = rp->lines;
	return r;
}

int authorized_keys_replace(const char *old, size_t old_len, const struct pubkey *old_key,
			    const struct pubkey *new_key, const char *new_comment,
			    struct dynbuf *out, size_t *ret_lines)
{
	struct replacement rp = {
		.old_key = old_key, .new_key = new_key, .new_comment = new_comment};
	return replace_lines(old, old_len, &rp, out, ret_lines);
}

int authorized_keys_add_beside(const char *old, size_t old_len, const struct pubkey *old_key,
			       const struct pubkey *new_key, const char *new_comment,
			       struct dynbuf *out, size_t *ret_lines)
{
	struct replacement rp = {.old_key = old_key,
				 .new_key = new_key,
				 .new_comment = new_comment,
				 .keep_old = true};
	return replace_lines(old, old_len, &rp, out, ret_lines);
}

/* the entry's text without its CR */
static size_t text_len(const struct authorized_keys_entry *e)
{
	return e->raw_len - (e->crlf ? 1 : 0);
}

int authorized_keys_make_exact(const char *old, size_t old_len, const struct authorized_keys *want,
			       struct dynbuf *out, bool *ret_changed, struct pubkey ***ret_removed,
			       size_t *ret_n_removed, size_t *ret_unreadable)
{
	struct authorized_keys *ak = NULL;
	struct pubkey **removed = NULL;
	size_t n_removed = 0, unreadable = 0;
	bool changed = false, crlf = false;
	bool *found = calloc(want->n_entries ? want->n_entries : 1, sizeof(*found));
	int r = found ? authorized_keys_parse(old, old_len, &ak) : -ENOMEM;
	for (size_t i = 0; r == 0 && i < ak->n_entries; i++) {
		const struct authorized_keys_entry *e = &ak->entries[i];
		crlf = crlf || (e->crlf && e->has_newline);
		if (e->kind == KEY_LINE_BLANK || e->kind == KEY_LINE_COMMENT) {
			r = dynbuf_append(out, e->raw, e->raw_len + (e->has_newline ? 1 : 0));
			continue;
		}
		changed = changed || e->kind == KEY_LINE_INVALID;
		unreadable += e->kind == KEY_LINE_INVALID;
		if (e->kind == KEY_LINE_INVALID)
			continue;
		size_t w = 0;
		while (w < want->n_entries && (want->entries[w].kind != KEY_LINE_KEY ||
					       !pubkey_same_key(want->entries[w].key, e->key)))
			w++;
		if (w == want->n_entries || found[w]) {
			/* not wanted, or wanted once and here again */
			changed = true;
			if (w == want->n_entries)
				r = pubkey_list_add_distinct(&removed, &n_removed, e->key);
			continue;
		}
		found[w] = true;
		const struct authorized_keys_entry *line = &want->entries[w];
		if (text_len(e) == text_len(line) && !memcmp(e->raw, line->raw, text_len(e))) {
			r = dynbuf_append(out, e->raw, e->raw_len + (e->has_newline ? 1 : 0));
			continue;
		}
		changed = true;
		if ((r = dynbuf_append(out, line->raw, text_len(line))) == 0 && e->crlf)
			r = dynbuf_append_byte(out, '\r');
		if (r == 0 && e->has_newline)
			r = dynbuf_append_byte(out, '\n');
	}
	for (size_t w = 0; r == 0 && w < want->n_entries; w++) {
		const struct authorized_keys_entry *line = &want->entries[w];
		if (line->kind != KEY_LINE_KEY || found[w])
			continue;
		bool twice = false; /* the same key listed twice: its first line */
		for (size_t v = 0; v < w; v++)
			twice = twice || (want->entries[v].kind == KEY_LINE_KEY &&
					  pubkey_same_key(want->entries[v].key, line->key));
		if (twice)
			continue;
		changed = true;
		if (out->len && out->data[out->len - 1] != '\n')
			r = dynbuf_append_str(out, crlf ? "\r\n" : "\n");
		if (r == 0)
			r = dynbuf_append(out, line->raw, text_len(line));
		if (r == 0)
			r = dynbuf_append_str(out, crlf ? "\r\n" : "\n");
	}
	authorized_keys_free(ak);
	free(found);
	if (r < 0) {
		pubkey_list_free(removed, n_removed);
		return r;
	}
	*ret_changed = changed;
	*ret_removed = removed;
	*ret_n_removed = n_removed;
	*ret_unreadable = unreadable;
	return 0;
}
