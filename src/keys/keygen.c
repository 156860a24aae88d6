#include "keys/keygen.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <string.h>

#include "base/error.h"

const char *keygen_canonical_type(const char *name)
{
	if (!strcmp(name, "ed25519") || !strcmp(name, "ssh-ed25519"))
		return "ed25519";
	if (!strcmp(name, "rsa") || !strcmp(name, "ssh-rsa"))
		return "rsa";
	if (!strcmp(name, "ecdsa") || !strncmp(name, "ecdsa-sha2-nistp", 16))
		return "ecdsa";
	return NULL;
}

unsigned keygen_effective_bits(const char *type, unsigned bits)
{
	if (!strcmp(type, "ed25519"))
		return 256;
	if (bits)
		return bits;
	return !strcmp(type, "rsa") ? KEYGEN_RSA_DEFAULT_BITS : KEYGEN_ECDSA_DEFAULT_BITS;
}

int keygen_generate(const char *type, unsigned bits, const char *comment, struct privkey **ret)
{
	EVP_PKEY *pkey = NULL;
	bits = keygen_effective_bits(type, bits);
	if (!strcmp(type, "ed25519")) {
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	} else if (!strcmp(type, "rsa")) {
		if (bits < KEYGEN_RSA_MIN_BITS || bits > KEYGEN_RSA_MAX_BITS)
			return ERR_KEY_SIZE;
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	} else if (!strcmp(type, "ecdsa")) {
		const char *curve = bits == 256   ? "P-256"
				    : bits == 384 ? "P-384"
				    : bits == 521 ? "P-521"
						  : NULL;
		if (!curve)
			return ERR_BITS;
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
	} else {
		return ERR_KEY_TYPE_UNSUPPORTED;
	}
	if (!pkey) {
		ERR_clear_error();
		return ERR_CRYPTO;
	}
	int r = privkey_from_evp(pkey, comment, ret);
	EVP_PKEY_free(pkey);
	return r;
}
