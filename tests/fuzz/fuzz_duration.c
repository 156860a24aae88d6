/* Fuzz target: time spans as OpenSSH writes them (agent add -t), and the times a user gives
 * (logs --since: a date, or a span before now). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/number.h"
#include "base/time_text.h"

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
	long long when = -1;
	/* a time parsed is never before 1970 (dates from 1970, spans of a century at most) */
	if (time_text_parse(text, 4000000000LL, &when) == 0 && when < 0)
		abort();
	free(text);
	return 0;
}
