/* Fuzz target: the first bytes a server sends, looked at for an SSH identification line
 * (doctor connects to ports that may speak anything), and an identification line read for
 * the server's kind and version (remote/server_kind). */
#include <stddef.h>
#include <stdint.h>

#include "remote/server_kind.h"
#include "remote/tcp_probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tcp_probe_result res = {0};
	tcp_probe_banner_parse((const char *)data, size, &res);
	struct server_kind kind;
	server_kind_from_banner((const char *)data, size, &kind);
	(void)server_has_include(&kind);
	return 0;
}
