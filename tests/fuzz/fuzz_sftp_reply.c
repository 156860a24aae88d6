/* Fuzz target: one SFTP message from the server (network data), as our SFTP client parses
 * every answer before it looks at it. */
#include <stddef.h>
#include <stdint.h>

#include "remote/sftp_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sftp_reply reply;
	if (sftp_reply_parse(data, size, &reply) == 0) {
		/* touch what the parser points at, so ASan checks the bounds */
		volatile uint8_t sink = 0;
		for (size_t i = 0; i < reply.message_len; i++)
			sink ^= (uint8_t)reply.message[i];
		for (size_t i = 0; i < reply.data_len; i++)
			sink ^= reply.data[i];
		for (size_t i = 0; i < reply.extensions_len; i++)
			sink ^= reply.extensions[i];
		(void)sink;
	}
	return 0;
}
