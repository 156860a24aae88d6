/* Fuzz target: target strings and -H files. */
#include <stddef.h>
#include <stdint.h>

#include "fleet/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct target_list list = {0};
	unsigned long line;
	const char *reason;
	target_list_add_file(&list, (const char *)data, size, &line, &reason);
	target_list_free(&list);
	return 0;
}
