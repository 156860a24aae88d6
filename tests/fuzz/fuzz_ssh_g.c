/* Fuzz target: `ssh -G` output, as doctor reads it (ssh prints values taken from the user's
 * configuration files and from the host name given on the command line). */
#include <stddef.h>
#include <stdint.h>

#include "remote/openssh_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct openssh_client_config c;
	if (openssh_client_config_parse((const char *)data, size, &c) == 0) {
		openssh_algorithm_listed(c.pubkey_accepted_algorithms, "ssh-ed25519");
		openssh_client_config_clear(&c);
	}
	return 0;
}
