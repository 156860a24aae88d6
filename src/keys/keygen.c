#include "keys/keygen.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <string.h>

#include "base/error.h"
#include "base/random.h"

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

/* An ECDSA key pair on a NIST curve: the private scalar d uniform in [1, n-1], drawn from
 * the kernel by rejection (FIPS 186-5 A.2.2: bits of n's length, retried while d is 0 or
 * at least n), then Q = dG. */
static EVP_PKEY *ecdsa_generate(const char *curve, int nid)
{
	EVP_PKEY *pkey = NULL;
	EC_GROUP *group = EC_GROUP_new_by_curve_name(nid);
	EC_POINT *q = group ? EC_POINT_new(group) : NULL;
	BN_CTX *bn_ctx = BN_CTX_new();
	BIGNUM *d = BN_secure_new();
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	uint8_t bytes[66], pub[1 + 2 * 66];
	if (!q || !bn_ctx || !d || !bld)
		goto out;
	const BIGNUM *order = EC_GROUP_get0_order(group);
	int bits = BN_num_bits(order);
	size_t len = (size_t)(bits + 7) / 8;
	for (int tries = 0;; tries++) {
		/* the chance of a retry is below 2^-31 for every curve here */
		if (tries == 64 || random_bytes(bytes, len) < 0)
			goto out;
		if (bits % 8)
			bytes[0] &= (uint8_t)(0xff >> (8 - bits % 8));
		if (!BN_bin2bn(bytes, (int)len, d))
			goto out;
		if (!BN_is_zero(d) && BN_cmp(d, order) < 0)
			break;
	}
	size_t pub_len;
	if (!EC_POINT_mul(group, q, d, NULL, NULL, bn_ctx) ||
	    !(pub_len = EC_POINT_point2oct(group, q, POINT_CONVERSION_UNCOMPRESSED, pub,
					   sizeof(pub), bn_ctx)) ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, pub_len) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) ||
	    !(ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) <= 0)
		pkey = NULL;
out:
	OPENSSL_cleanse(bytes, sizeof(bytes));
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	BN_CTX_free(bn_ctx);
	EC_POINT_free(q);
	EC_GROUP_free(group);
	return pkey;
}

int keygen_generate(const char *type, unsigned bits, const char *comment, struct privkey **ret)
{
	EVP_PKEY *pkey = NULL;
	bits = keygen_effective_bits(type, bits);
	if (!strcmp(type, "ed25519")) {
		/* an Ed25519 private key is 32 random bytes (RFC 8032 5.1.5) */
		uint8_t seed[32];
		int r = random_bytes(seed, sizeof(seed));
		if (r < 0)
			return r;
		pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof(seed));
		OPENSSL_cleanse(seed, sizeof(seed));
	} else if (!strcmp(type, "rsa")) {
		if (bits < KEYGEN_RSA_MIN_BITS || bits > KEYGEN_RSA_MAX_BITS)
			return ERR_KEY_SIZE;
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	} else if (!strcmp(type, "ecdsa")) {
		if (bits == 256)
			pkey = ecdsa_generate("P-256", NID_X9_62_prime256v1);
		else if (bits == 384)
			pkey = ecdsa_generate("P-384", NID_secp384r1);
		else if (bits == 521)
			pkey = ecdsa_generate("P-521", NID_secp521r1);
		else
			return ERR_BITS;
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
