/* Fuzz target: authorized_keys files; also checks that the parse keeps every byte, and the
 * edits' invariants: a file made exact to its own keys, then again, is unchanged the second
 * time; a key added beside itself doubles its lines. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "files/authorized_keys.h"
#include "files/authorized_keys_edit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct authorized_keys *ak;
	if (authorized_keys_parse((const char *)data, size, &ak) < 0)
		return 0;
	size_t off = 0;
	for (size_t i = 0; i < ak->n_entries; i++) {
		const struct authorized_keys_entry *e = &ak->entries[i];
		if (e->raw != (const char *)data + off)
			abort();
		off += e->raw_len + e->has_newline;
		if (e->kind == KEY_LINE_KEY &&
		    (!e->key || e->comment.off + e->comment.len > e->raw_len))
			abort();
	}
	if (off != size)
		abort();
	struct dynbuf once, twice;
	struct pubkey **removed = NULL;
	size_t n_removed = 0, unreadable = 0, lines = 0;
	bool changed = false;
	dynbuf_init(&once, 2 * size + 1024);
	dynbuf_init(&twice, 2 * size + 1024);
	if (authorized_keys_make_exact((const char *)data, size, ak, &once, &changed, &removed,
				       &n_removed, &unreadable) == 0) {
		/* every key of the file is wanted: none removed */
		if (n_removed)
			abort();
		pubkey_list_free(removed, n_removed);
		removed = NULL;
		if (authorized_keys_make_exact(once.len ? (const char *)once.data : "", once.len,
					       ak, &twice, &changed, &removed, &n_removed,
					       &unreadable) == 0 &&
		    (changed || twice.len != once.len ||
		     (once.len && memcmp(twice.data, once.data, once.len))))
			abort();
		pubkey_list_free(removed, n_removed);
	}
	const struct pubkey *first = NULL;
	size_t n_first = 0;
	for (size_t i = 0; i < ak->n_entries; i++)
		if (ak->entries[i].kind == KEY_LINE_KEY && !first)
			first = ak->entries[i].key;
	for (size_t i = 0; first && i < ak->n_entries; i++)
		n_first += ak->entries[i].kind == KEY_LINE_KEY &&
			   pubkey_same_key(ak->entries[i].key, first);
	dynbuf_reset(&once);
	if (first &&
	    authorized_keys_add_beside((const char *)data, size, first, first, NULL, &once,
				       &lines) == 0 &&
	    lines != n_first)
		abort();
	dynbuf_free(&once);
	dynbuf_free(&twice);
	authorized_keys_free(ak);
	return 0;
}
