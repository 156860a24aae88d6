/* Fuzz target: libssh's negotiation failure text, which quotes the server's algorithm lists
 * (the server chooses their bytes). */
#include <stddef.h>
#include <stdint.h>

#include "remote/negotiation.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct negotiation_failure f;
	char common[128];
	if (negotiation_failure_parse((const char *)data, size, &f) == 0)
		negotiation_common(f.server, "curve25519-sha256,aes128-ctr,ssh-ed25519", common,
				   sizeof(common));
	return 0;
}
