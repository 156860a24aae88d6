/* Fuzz target: ssh_config text (the user's own files and what they include, and -o
 * options), as the scan that decides whether one ssh -G serves every host reads it. */
#include <stddef.h>
#include <stdint.h>

#include "files/ssh_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ssh_config_scan s;
	if (ssh_config_scan((const char *)data, size, &s) == 0)
		ssh_config_scan_clear(&s);
	return 0;
}
