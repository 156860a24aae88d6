/* Fuzz target: ssh-agent's answer to a request for its identities (another process's data,
 * read from the socket SSH_AUTH_SOCK names). */
#include <stddef.h>
#include <stdint.h>

#include "remote/agent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent_identities ids;
	if (agent_identities_parse(data, size, &ids) == 0)
		agent_identities_clear(&ids);
	return 0;
}
