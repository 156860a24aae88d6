/* Fuzz target: a command's output split into the login shell's preface and the helper's
 * answer (remote/frame), fed in pieces whose sizes come from the input's first byte. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "remote/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t step = (size_t)data[0] + 1;
	struct frame_reader fr;
	struct dynbuf out;
	dynbuf_init(&out, 1024 * 1024);
	frame_reader_init(&fr, "0123456789abcdef0123456789abcdef");
	for (size_t off = 1; off < size; off += step) {
		size_t n = size - off < step ? size - off : step;
		if (frame_reader_feed(&fr, (const char *)data + off, n, &out) < 0)
			break;
	}
	(void)strlen(frame_reader_preface(&fr));
	frame_reader_clear(&fr);
	dynbuf_free(&out);
	return 0;
}
