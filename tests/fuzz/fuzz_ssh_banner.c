/* Fuzz target: the first bytes a server sends, looked at for an SSH identification line
 * (doctor connects to ports that may speak anything). */
#include <stddef.h>
#include <stdint.h>

#include "remote/tcp_probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tcp_probe_result res = {0};
	tcp_probe_banner_parse((const char *)data, size, &res);
	return 0;
}
