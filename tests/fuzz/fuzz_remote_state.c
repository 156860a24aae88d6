/* Fuzz target: the answer of the authorized_keys read helper, which comes from the server
 * (network data), and the StrictModes check run on what it describes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ops/strict_modes.h"
#include "remote/authorized_keys_remote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct authorized_keys_state st = {0};
	dynbuf_init(&st.content, 1 << 24);
	if (authorized_keys_state_parse((const char *)data, size, &st) == 0) {
		struct strict_modes_rules rules = {.debian_groups = true};
		struct strict_modes_finding *f;
		size_t n;
		/* the same bytes as an answer about groups, then the check that uses it */
		authorized_keys_groups_parse((const char *)data, size, &st);
		if (strict_modes_check(&st, &rules, &f, &n) == 0)
			free(f);
	}
	authorized_keys_state_clear(&st);
	return 0;
}
