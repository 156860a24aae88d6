#include "keys/bcrypt_pbkdf.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <string.h>

#include "base/dynbuf.h"
#include "keys/blowfish.h"

#define BCRYPT_WORDS    8
#define BCRYPT_HASHSIZE (BCRYPT_WORDS * 4)

/* One application of the bcrypt PRF to the SHA-512 of the passphrase and of the salt. */
static void bcrypt_hash(const uint8_t *sha2pass, const uint8_t *sha2salt, uint8_t *out)
{
	static const uint8_t magic[BCRYPT_HASHSIZE] = "OxychromaticBlowfishSwatDynamite";
	struct blowfish_state state;
	uint32_t cdata[BCRYPT_WORDS];
	uint32_t salt_words[16], pass_words[16];

	blowfish_words_from_bytes(sha2salt, 16, salt_words);
	blowfish_words_from_bytes(sha2pass, 16, pass_words);
	blowfish_init_state(&state);
	blowfish_expand_state_w16(&state, salt_words, pass_words);
	for (int i = 0; i < 64; i++) {
		blowfish_expand0_state_w16(&state, salt_words);
		blowfish_expand0_state_w16(&state, pass_words);
	}

	size_t j = 0;
	for (int i = 0; i < BCRYPT_WORDS; i++)
		cdata[i] = blowfish_stream_to_word(magic, sizeof(magic), &j);
	for (int i = 0; i < 64; i++)
		blowfish_encrypt_blocks(&state, cdata, BCRYPT_WORDS / 2);

	/* the words leave in little-endian order: part of the published algorithm */
	for (int i = 0; i < BCRYPT_WORDS; i++) {
		out[4 * i + 3] = (uint8_t)(cdata[i] >> 24);
		out[4 * i + 2] = (uint8_t)(cdata[i] >> 16);
		out[4 * i + 1] = (uint8_t)(cdata[i] >> 8);
		out[4 * i + 0] = (uint8_t)cdata[i];
	}
	secure_wipe(cdata, sizeof(cdata));
	secure_wipe(salt_words, sizeof(salt_words));
	secure_wipe(pass_words, sizeof(pass_words));
	secure_wipe(&state, sizeof(state));
}

int bcrypt_pbkdf(const char *pass, size_t passlen, const uint8_t *salt, size_t saltlen,
		 uint8_t *key, size_t keylen, unsigned rounds)
{
	uint8_t sha2pass[SHA512_DIGEST_LENGTH];
	uint8_t sha2salt[SHA512_DIGEST_LENGTH];
	uint8_t out[BCRYPT_HASHSIZE];
	uint8_t tmpout[BCRYPT_HASHSIZE];
	uint8_t countsalt[4];
	size_t origkeylen = keylen;
	int r = 0;

	if (rounds < 1 || passlen == 0 || saltlen == 0 || keylen == 0 ||
	    keylen > sizeof(out) * sizeof(out) || saltlen > 1 << 20)
		return -EINVAL;
	size_t stride = (keylen + sizeof(out) - 1) / sizeof(out);
	size_t amt = (keylen + stride - 1) / stride;

	SHA512((const uint8_t *)pass, passlen, sha2pass);

	for (uint32_t count = 1; keylen > 0; count++) {
		countsalt[0] = (uint8_t)(count >> 24);
		countsalt[1] = (uint8_t)(count >> 16);
		countsalt[2] = (uint8_t)(count >> 8);
		countsalt[3] = (uint8_t)count;

		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha512(), NULL) ||
		    !EVP_DigestUpdate(ctx, salt, saltlen) ||
		    !EVP_DigestUpdate(ctx, countsalt, sizeof(countsalt)) ||
		    !EVP_DigestFinal_ex(ctx, sha2salt, NULL)) {
			EVP_MD_CTX_free(ctx);
			r = -ENOMEM;
			goto out;
		}
		EVP_MD_CTX_free(ctx);
		bcrypt_hash(sha2pass, sha2salt, tmpout);
		memcpy(out, tmpout, sizeof(out));

		for (unsigned i = 1; i < rounds; i++) {
			SHA512(tmpout, sizeof(tmpout), sha2salt);
			bcrypt_hash(sha2pass, sha2salt, tmpout);
			for (size_t j = 0; j < sizeof(out); j++)
				out[j] ^= tmpout[j];
		}

		/* unlike PBKDF2, output bytes are interleaved across the whole key */
		if (amt > keylen)
			amt = keylen;
		size_t i;
		for (i = 0; i < amt; i++) {
			size_t dest = i * stride + (count - 1);
			if (dest >= origkeylen)
				break;
			key[dest] = out[i];
		}
		keylen -= i;
	}
out:
	secure_wipe(sha2pass, sizeof(sha2pass));
	secure_wipe(sha2salt, sizeof(sha2salt));
	secure_wipe(out, sizeof(out));
	secure_wipe(tmpout, sizeof(tmpout));
	return r;
}
