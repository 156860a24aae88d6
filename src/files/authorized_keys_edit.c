#include "files/authorized_keys_edit.h"

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
