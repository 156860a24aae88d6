/* Fuzz target: public key lines ("type base64 comment") and raw key blobs. */
#include <stddef.h>
#include <stdint.h>

#include "base/dynbuf.h"
#include "keys/fingerprint.h"
#include "keys/pubkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(struct pubkey *key)
{
	struct dynbuf out;
	dynbuf_init(&out, 1 << 20);
	pubkey_format_line(key, "c", &out);
	fingerprint_listing(key, FINGERPRINT_SHA256, "c", 1, true, &out);
	fingerprint_listing(key, FINGERPRINT_MD5, NULL, 0, true, &out);
	dynbuf_free(&out);
	pubkey_free(key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pubkey *key;
	size_t end;
	if (pubkey_parse_text((const char *)data, size, &key, &end) == 0)
		exercise(key);
	if (pubkey_from_blob(data, size, &key) == 0)
		exercise(key);
	return 0;
}
