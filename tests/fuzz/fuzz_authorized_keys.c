/* Fuzz target: authorized_keys files; also checks that the parse keeps every byte. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "files/authorized_keys.h"

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
	authorized_keys_free(ak);
	return 0;
}
