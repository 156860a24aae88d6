/* Fuzz target: private key files (openssh-key-v1 with every cipher, PEM, PKCS#8). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "keys/key_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct privkey *key = NULL;
	struct pubkey *pub = NULL;
	char *comment = NULL;
	if (private_key_read(data, size, NULL, &key) == 0)
		privkey_free(key);
	/* the passphrase of OpenSSH's test vectors, so decryption paths are reached */
	if (private_key_read(data, size, "mekmitasdigoat", &key) == 0)
		privkey_free(key);
	if (private_key_read_public(data, size, &pub, &comment) == 0) {
		pubkey_free(pub);
		free(comment);
	}
	(void)private_key_is_encrypted(data, size);
	return 0;
}
