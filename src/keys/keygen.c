#include "keys/keygen.h"

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rsa.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "base/cpus.h"
#include "base/error.h"
#include "base/random.h"
#include "base/wire.h"
#include "keys/key_type.h"

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
 * at least n), then Q = dG, written straight into openssh-key-v1's private fields (no EVP
 * key: fetching its key manager would cost keygen a third of its CPU time). */
static int ecdsa_generate(int nid, const char *curve, const char *comment, struct privkey **ret)
{
	int r = ERR_CRYPTO;
	EC_GROUP *group = EC_GROUP_new_by_curve_name(nid);
	EC_POINT *q = group ? EC_POINT_new(group) : NULL;
	BN_CTX *bn_ctx = BN_CTX_new();
	BIGNUM *d = BN_secure_new();
	struct dynbuf fields;
	uint8_t bytes[66], pub[1 + 2 * 66];
	dynbuf_init(&fields, 4096);
	if (!q || !bn_ctx || !d)
		goto out;
	const BIGNUM *order = EC_GROUP_get0_order(group);
	int bits = BN_num_bits(order);
	size_t len = (size_t)(bits + 7) / 8;
	for (int tries = 0;; tries++) {
		/* the chance of a retry is below 2^-31 for every curve here */
		if (tries == 64)
			goto out;
		if ((r = random_bytes(bytes, len)) < 0)
			goto out;
		r = ERR_CRYPTO;
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
	    BN_bn2binpad(d, bytes, (int)len) != (int)len)
		goto out;
	const struct key_type *t = key_type_ecdsa_for_curve(curve, strlen(curve));
	if ((r = wire_put_cstring(&fields, t->name)) < 0 ||
	    (r = wire_put_cstring(&fields, curve)) < 0 ||
	    (r = wire_put_string(&fields, pub, pub_len)) < 0 ||
	    (r = wire_put_mpint(&fields, bytes, len)) < 0)
		goto out;
	r = privkey_from_fields(fields.data, fields.len, comment, ret);
out:
	OPENSSL_cleanse(bytes, sizeof(bytes));
	dynbuf_free(&fields); /* wipes */
	BN_clear_free(d);
	BN_CTX_free(bn_ctx);
	EC_POINT_free(q);
	EC_GROUP_free(group);
	/* as keygen_generate: no stale OpenSSL errors for later callers */
	if (r == ERR_CRYPTO)
		ERR_clear_error();
	return r;
}

/* RSA prime search: the same OpenSSL generator as ssh-keygen's (FIPS 186-4 probable primes
 * for e = 65537), but its run time is a lottery (one 4096-bit key takes 0.4 s, the next
 * 5 s). With more than one CPU, several searches run at once and the first key found is
 * kept; the others stop at their next progress callback. Each search is an independent
 * draw from OpenSSL's distribution, so keeping the fastest of N at most multiplies a key's
 * probability by N: at most log2(N) bits of a space of thousands. */
#define RSA_MAX_SEARCHES 4

struct rsa_race {
	unsigned bits;
	atomic_bool found;
	pthread_mutex_t lock;
	EVP_PKEY *winner;
};

static int rsa_race_progress(EVP_PKEY_CTX *ctx)
{
	struct rsa_race *race = EVP_PKEY_CTX_get_app_data(ctx);
	return !atomic_load(&race->found); /* 0 makes OpenSSL give up this search */
}

static void *rsa_search(void *arg)
{
	struct rsa_race *race = arg;
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)race->bits) <= 0)
		goto out;
	EVP_PKEY_CTX_set_app_data(ctx, race);
	EVP_PKEY_CTX_set_cb(ctx, rsa_race_progress);
	if (EVP_PKEY_generate(ctx, &pkey) <= 0)
		goto out;
	pthread_mutex_lock(&race->lock);
	if (!race->winner) {
		race->winner = pkey;
		pkey = NULL;
	}
	atomic_store(&race->found, true);
	pthread_mutex_unlock(&race->lock);
out:
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error(); /* the losers' "generation cancelled", or this thread's failure */
	return NULL;
}

static EVP_PKEY *rsa_generate(unsigned bits)
{
	struct rsa_race race = {.bits = bits};
	pthread_t helpers[RSA_MAX_SEARCHES - 1];
	unsigned searches = usable_cpus(), started = 0;
	if (searches > RSA_MAX_SEARCHES)
		searches = RSA_MAX_SEARCHES;
	atomic_init(&race.found, false);
	pthread_mutex_init(&race.lock, NULL);
	for (unsigned i = 1; i < searches; i++)
		if (pthread_create(&helpers[started], NULL, rsa_search, &race) == 0)
			started++;
	rsa_search(&race); /* this thread searches too; fewer helpers only means slower */
	for (unsigned i = 0; i < started; i++)
		pthread_join(helpers[i], NULL);
	pthread_mutex_destroy(&race.lock);
	return race.winner;
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
		pkey = rsa_generate(bits);
	} else if (!strcmp(type, "ecdsa")) {
		if (bits == 256)
			return ecdsa_generate(NID_X9_62_prime256v1, "nistp256", comment, ret);
		if (bits == 384)
			return ecdsa_generate(NID_secp384r1, "nistp384", comment, ret);
		if (bits == 521)
			return ecdsa_generate(NID_secp521r1, "nistp521", comment, ret);
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
