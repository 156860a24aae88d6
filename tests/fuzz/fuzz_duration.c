/* Fuzz target: time spans as OpenSSH writes them (agent add -t). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/number.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	unsigned long seconds;
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0; /* the option's argument: a C string */
	if (duration_parse(text, UINT32_MAX, &seconds) == 0 && seconds > UINT32_MAX)
		abort();
	free(text);
	return 0;
}
