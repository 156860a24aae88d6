/* Fuzz target: doctor's SELinux helper answer, which quotes paths and contexts from the
 * server. */
#include <stddef.h>
#include <stdint.h>

#include "ops/doctor_checks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct selinux_labels l;
	selinux_labels_parse((const char *)data, size, &l);
	return 0;
}
