/* Fuzz target: scan --expect's file of the keys each account should have. */
#include <stddef.h>
#include <stdint.h>

#include "files/expect_keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct expect_keys *e = NULL;
	struct diag d = {{0}};
	if (expect_keys_parse((const char *)data, size, "fuzz", &e, &d) == 0) {
		for (size_t i = 0; i < e->n_groups; i++)
			expect_group_matches(&e->groups[i], "root@web1:22", "web1");
		expect_keys_free(e);
	}
	return 0;
}
