/* Fuzz target: known_hosts files; also checks that the parse keeps every byte. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "files/known_hosts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct known_hosts *kh;
	if (known_hosts_parse((const char *)data, size, &kh) < 0)
		return 0;
	size_t off = 0;
	for (size_t i = 0; i < kh->n_entries; i++) {
		const struct known_hosts_entry *e = &kh->entries[i];
		if (e->raw != (const char *)data + off)
			abort();
		off += e->raw_len + e->has_newline;
		if (e->kind == KEY_LINE_KEY &&
		    (!e->key || e->hosts.len == 0 || e->hosts.off + e->hosts.len > e->raw_len))
			abort();
	}
	if (off != size)
		abort();
	known_hosts_free(kh);
	return 0;
}
