/* Fuzz target: an OpenSSH KRL as revoke --krl reads the file already there, then extends. */
#include <stddef.h>
#include <stdint.h>

#include "keys/krl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct krl k;
	if (krl_parse(data, size, &k) < 0)
		return 0;
	struct dynbuf out;
	dynbuf_init(&out, KRL_FILE_MAX * 2);
	static const uint8_t hash[1][32] = {{1, 2, 3}};
	krl_write(&k, NULL, 0, hash, 1, NULL, 0, &out);
	dynbuf_free(&out);
	krl_clear(&k);
	return 0;
}
