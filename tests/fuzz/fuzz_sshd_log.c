/* Fuzz target: sshd's log lines, one per input line; an address taken is always one word of
 * an address's characters, a port at most 65535. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "files/sshd_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct sshd_log_event e;
		if (sshd_log_parse_line(p, len, 1796083200LL, &e) == 0) {
			if (e.port > 65535 ||
			    strlen(e.address) != strspn(e.address,
							"0123456789abcdefghijklmnopqrstuvwxyz"
							"ABCDEFGHIJKLMNOPQRSTUVWXYZ.:-_%"))
				abort();
			if ((unsigned)e.kind >= SSHD_EVENTS)
				abort();
		}
		p += len + 1;
	}
	return 0;
}
