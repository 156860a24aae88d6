#include "keys/key_cipher.h"

#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <string.h>

#include "base/dynbuf.h"
#include "base/error.h"

static const struct key_cipher key_ciphers[] = {
	{"none", 0, 0, 8, 0},
	{"aes128-ctr", 16, 16, 16, 0},
	{"aes192-ctr", 24, 16, 16, 0},
	{"aes256-ctr", 32, 16, 16, 0},
	{"aes128-cbc", 16, 16, 16, 0},
	{"aes192-cbc", 24, 16, 16, 0},
	{"aes256-cbc", 32, 16, 16, 0},
	{"aes128-gcm@openssh.com", 16, 12, 16, 16},
	{"aes256-gcm@openssh.com", 32, 12, 16, 16},
	{"chacha20-poly1305@openssh.com", 64, 0, 8, 16},
	{"3des-cbc", 24, 8, 8, 0},
};

const struct key_cipher *key_cipher_by_name(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(key_ciphers) / sizeof(key_ciphers[0]); i++)
		if (strlen(key_ciphers[i].name) == len &&
		    memcmp(key_ciphers[i].name, name, len) == 0)
			return &key_ciphers[i];
	return NULL;
}

const struct key_cipher *key_cipher_default(void)
{
	return key_cipher_by_name("aes256-ctr", strlen("aes256-ctr"));
}

bool key_cipher_is_none(const struct key_cipher *c)
{
	return c->key_len == 0;
}

static const EVP_CIPHER *evp_cipher_for(const struct key_cipher *c)
{
	static const struct {
		const char *name;
		const EVP_CIPHER *(*get)(void);
	} map[] = {
		{"aes128-ctr", EVP_aes_128_ctr},
		{"aes192-ctr", EVP_aes_192_ctr},
		{"aes256-ctr", EVP_aes_256_ctr},
		{"aes128-cbc", EVP_aes_128_cbc},
		{"aes192-cbc", EVP_aes_192_cbc},
		{"aes256-cbc", EVP_aes_256_cbc},
		{"aes128-gcm@openssh.com", EVP_aes_128_gcm},
		{"aes256-gcm@openssh.com", EVP_aes_256_gcm},
		{"3des-cbc", EVP_des_ede3_cbc},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].name, c->name) == 0)
			return map[i].get();
	return NULL;
}

/* Raw ChaCha20 with OpenSSH's 64-bit block counter and 64-bit nonce: OpenSSL's 16-byte IV
 * is the state's words 12..15, which in that variant are counter (LE) then nonce. */
static int chacha20_djb(const uint8_t key[32], uint64_t counter, uint64_t nonce, const uint8_t *in,
			size_t len, uint8_t *out)
{
	uint8_t iv[16];
	for (int i = 0; i < 8; i++) {
		iv[i] = (uint8_t)(counter >> (8 * i));
		iv[8 + i] = (uint8_t)(nonce >> (56 - 8 * i)); /* sequence number, big-endian */
	}
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl, r = ERR_CRYPTO;
	if (ctx && EVP_EncryptInit_ex(ctx, EVP_chacha20(), NULL, key, iv) &&
	    EVP_EncryptUpdate(ctx, out, &outl, in, (int)len))
		r = 0;
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

static int poly1305_tag(const uint8_t key[32], const uint8_t *data, size_t len, uint8_t tag[16])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "POLY1305", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	size_t outl;
	int r = ERR_CRYPTO;
	if (ctx && EVP_MAC_init(ctx, key, 32, NULL) && EVP_MAC_update(ctx, data, len) &&
	    EVP_MAC_final(ctx, tag, &outl, 16) && outl == 16)
		r = 0;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return r;
}

/* OpenSSH's chachapoly_crypt with sequence number 0 and no length header, as it is used
 * for key files: the Poly1305 key is the first keystream block, the data uses counter 1. */
static int chachapoly_crypt(bool encrypt, const uint8_t *key, const uint8_t *in, size_t len,
			    uint8_t *out, uint8_t *tag)
{
	static const uint8_t zeros[64];
	uint8_t poly_key[64], expected[16];
	int r = chacha20_djb(key, 0, 0, zeros, sizeof(zeros), poly_key);
	if (r < 0)
		goto out;
	if (!encrypt) {
		if ((r = poly1305_tag(poly_key, in, len, expected)) < 0)
			goto out;
		if (CRYPTO_memcmp(expected, tag, 16) != 0) {
			r = ERR_PASSPHRASE_WRONG;
			goto out;
		}
	}
	if ((r = chacha20_djb(key, 1, 0, in, len, out)) < 0)
		goto out;
	if (encrypt)
		r = poly1305_tag(poly_key, out, len, tag);
out:
	secure_wipe(poly_key, sizeof(poly_key));
	return r;
}

int key_cipher_crypt(const struct key_cipher *c, bool encrypt, const uint8_t *key_iv,
		     const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
	if (key_cipher_is_none(c)) {
		memmove(out, in, len);
		return 0;
	}
	if (len % c->block_size != 0 || len > INT32_MAX)
		return ERR_FORMAT;
	if (strcmp(c->name, "chacha20-poly1305@openssh.com") == 0)
		return chachapoly_crypt(encrypt, key_iv, in, len, out, tag);

	const EVP_CIPHER *evp = evp_cipher_for(c);
	if (!evp)
		return ERR_CIPHER_UNKNOWN;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl = 0, finl = 0, r = ERR_CRYPTO;
	if (!ctx || !EVP_CipherInit_ex(ctx, evp, NULL, NULL, NULL, encrypt ? 1 : 0))
		goto out;
	if (c->tag_len && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, (int)c->iv_len, NULL))
		goto out;
	if (!EVP_CipherInit_ex(ctx, NULL, NULL, key_iv, key_iv + c->key_len, -1) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0))
		goto out;
	if (c->tag_len && !encrypt &&
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, (int)c->tag_len, tag))
		goto out;
	if (!EVP_CipherUpdate(ctx, out, &outl, in, (int)len))
		goto out;
	if (!EVP_CipherFinal_ex(ctx, out + outl, &finl)) {
		/* only an AEAD can fail here: the tag did not match */
		r = c->tag_len ? ERR_PASSPHRASE_WRONG : ERR_CRYPTO;
		goto out;
	}
	if (c->tag_len && encrypt &&
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, (int)c->tag_len, tag))
		goto out;
	r = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return r;
}
