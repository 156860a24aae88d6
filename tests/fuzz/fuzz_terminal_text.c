/* Fuzz target: the terminal escaper every byte of stdout and stderr passes through
 * (base/terminal_text). Any input, cut anywhere: no control character but tab and newline
 * comes out, the output stays within its bound, and every input byte is consumed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/terminal_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = malloc(size * TERMINAL_TEXT_EXPANSION + 8);
	size_t cut = size ? data[0] % (size + 1) : 0, used = 0, out_len, total = 0;
	if (!out)
		return 0;
	/* in two pieces, as a stream filter sees it: a character cut between them waits */
	size_t first = terminal_text_escape((const char *)data, cut, false, out, &out_len);
	total += out_len;
	used = first;
	size_t second = terminal_text_escape((const char *)data + used, size - used, true,
					     out + total, &out_len);
	total += out_len;
	if (used + second != size || total > size * TERMINAL_TEXT_EXPANSION || cut - first > 3)
		abort();
	for (size_t i = 0; i < total; i++) {
		unsigned char c = (unsigned char)out[i];
		if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
			abort();
	}
	free(out);
	return 0;
}
