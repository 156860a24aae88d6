#include "keys/fingerprint.h"

#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/base64.h"
#include "base/error.h"

static const struct {
	const char *name;  /* -E argument */
	const char *label; /* printed prefix and randomart footer */
} hash_names[] = {
	[FINGERPRINT_SHA256] = {"sha256", "SHA256"},
	[FINGERPRINT_MD5] = {"md5", "MD5"},
	[FINGERPRINT_SHA1] = {"sha1", "SHA1"},
	[FINGERPRINT_SHA512] = {"sha512", "SHA512"},
};

int fingerprint_hash_from_name(const char *name, enum fingerprint_hash *ret)
{
	for (size_t i = 0; i < sizeof(hash_names) / sizeof(hash_names[0]); i++) {
		if (strcasecmp(name, hash_names[i].name) == 0) {
			*ret = (enum fingerprint_hash)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* The digests, fetched from the provider once: EVP_sha256() and friends look the
 * algorithm up (under a lock) on every use, a third of the time of a 100,000-key listing. */
static EVP_MD *fetched[4];
static pthread_once_t fetched_once = PTHREAD_ONCE_INIT;

static void fetch_digests(void)
{
	static const char *const names[] = {
		[FINGERPRINT_SHA256] = "SHA256",
		[FINGERPRINT_MD5] = "MD5",
		[FINGERPRINT_SHA1] = "SHA1",
		[FINGERPRINT_SHA512] = "SHA512",
	};
	for (size_t i = 0; i < 4; i++)
		fetched[i] = EVP_MD_fetch(NULL, names[i], NULL);
}

static const EVP_MD *hash_md(enum fingerprint_hash hash)
{
	pthread_once(&fetched_once, fetch_digests);
	if (fetched[hash])
		return fetched[hash];
	switch (hash) {
	case FINGERPRINT_MD5:
		return EVP_md5();
	case FINGERPRINT_SHA1:
		return EVP_sha1();
	case FINGERPRINT_SHA512:
		return EVP_sha512();
	default:
		return EVP_sha256();
	}
}

/* One digest context per thread, kept: EVP_Digest makes and frees one per call, a third
 * of the digest's cost on a key blob. Freed when the thread ends. */
static pthread_key_t context_key;
static pthread_once_t context_once = PTHREAD_ONCE_INIT;

static void free_context(void *ctx)
{
	EVP_MD_CTX_free(ctx);
}

static void make_context_key(void)
{
	if (pthread_key_create(&context_key, free_context) != 0)
		context_key = (pthread_key_t)-1;
}

static EVP_MD_CTX *thread_context(void)
{
	pthread_once(&context_once, make_context_key);
	if (context_key == (pthread_key_t)-1)
		return NULL;
	EVP_MD_CTX *ctx = pthread_getspecific(context_key);
	if (!ctx && (ctx = EVP_MD_CTX_new()) && pthread_setspecific(context_key, ctx) != 0) {
		EVP_MD_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

static int fingerprint_digest(const struct pubkey *key, enum fingerprint_hash hash, uint8_t *digest,
			      unsigned *ret_len)
{
	EVP_MD_CTX *ctx = thread_context();
	if (!ctx) {
		if (!EVP_Digest(key->plain_blob, key->plain_blob_len, digest, ret_len,
				hash_md(hash), NULL))
			return ERR_CRYPTO;
		return 0;
	}
	if (!EVP_DigestInit_ex2(ctx, hash_md(hash), NULL) ||
	    !EVP_DigestUpdate(ctx, key->plain_blob, key->plain_blob_len) ||
	    !EVP_DigestFinal_ex(ctx, digest, ret_len))
		return ERR_CRYPTO;
	return 0;
}

int fingerprint_format(const struct pubkey *key, enum fingerprint_hash hash, struct dynbuf *out)
{
	uint8_t digest[EVP_MAX_MD_SIZE];
	unsigned len;
	int r = fingerprint_digest(key, hash, digest, &len);
	if (r < 0)
		return r;
	if ((r = dynbuf_append_str(out, hash_names[hash].label)) < 0 ||
	    (r = dynbuf_append_byte(out, ':')) < 0)
		return r;
	if (hash != FINGERPRINT_MD5)
		return base64_encode_unpadded(out, digest, len);
	static const char hex[] = "0123456789abcdef";
	for (unsigned i = 0; i < len; i++) {
		char pair[3] = {hex[digest[i] >> 4], hex[digest[i] & 15], ':'};
		if ((r = dynbuf_append(out, pair, i + 1 < len ? 3 : 2)) < 0)
			return r;
	}
	return 0;
}

/* The "drunken bishop" of OpenSSH's sshkey.c (Loss, Limmer, von Gernler, 2009). */
#define FIELD_X 17
#define FIELD_Y 9

static int append_border(struct dynbuf *out, const char *title, size_t tlen)
{
	char line[FIELD_X + 3];
	size_t n = 0, i;
	line[n++] = '+';
	for (i = 0; i < (FIELD_X - tlen) / 2; i++)
		line[n++] = '-';
	for (size_t k = 0; k < tlen; k++)
		line[n++] = title[k];
	for (i += tlen; i < FIELD_X; i++)
		line[n++] = '-';
	line[n++] = '+';
	return dynbuf_append(out, line, n);
}

int fingerprint_randomart(const struct pubkey *key, enum fingerprint_hash hash, struct dynbuf *out)
{
	static const char symbols[] = " .o+=*BOX@%&#/^SE";
	const int top = (int)sizeof(symbols) - 2; /* 16: 'E' */
	uint8_t field[FIELD_X][FIELD_Y] = {{0}};
	uint8_t digest[EVP_MAX_MD_SIZE];
	unsigned dlen;
	int r = fingerprint_digest(key, hash, digest, &dlen);
	if (r < 0)
		return r;

	int x = FIELD_X / 2, y = FIELD_Y / 2;
	for (unsigned i = 0; i < dlen; i++) {
		unsigned input = digest[i];
		for (int b = 0; b < 4; b++) {
			x += (input & 1) ? 1 : -1;
			y += (input & 2) ? 1 : -1;
			x = x < 0 ? 0 : x > FIELD_X - 1 ? FIELD_X - 1 : x;
			y = y < 0 ? 0 : y > FIELD_Y - 1 ? FIELD_Y - 1 : y;
			if (field[x][y] < top - 2) /* saturates at 14, as OpenSSH */
				field[x][y]++;
			input >>= 2;
		}
	}
	field[FIELD_X / 2][FIELD_Y / 2] = (uint8_t)(top - 1);
	field[x][y] = (uint8_t)top;

	/* the title is cut exactly as ssh-keygen cuts it into its 17-byte buffer */
	char title[FIELD_X];
	int tn = snprintf(title, sizeof(title), "[%s %u]", key->type->short_name, key->bits);
	if (tn < 0 || tn > (int)sizeof(title))
		tn = snprintf(title, sizeof(title), "[%s]", key->type->short_name);
	size_t tlen = tn <= 0 ? 0 : strlen(title);
	if ((r = append_border(out, title, tlen)) < 0 || (r = dynbuf_append_byte(out, '\n')) < 0)
		return r;
	for (int row = 0; row < FIELD_Y; row++) {
		char line[FIELD_X + 3];
		line[0] = '|';
		for (int col = 0; col < FIELD_X; col++)
			line[col + 1] = symbols[field[col][row] > top ? top : field[col][row]];
		line[FIELD_X + 1] = '|';
		line[FIELD_X + 2] = '\n';
		if ((r = dynbuf_append(out, line, sizeof(line))) < 0)
			return r;
	}
	char footer[FIELD_X];
	snprintf(footer, sizeof(footer), "[%s]", hash_names[hash].label);
	return append_border(out, footer, strlen(footer));
}

int fingerprint_listing(const struct pubkey *key, enum fingerprint_hash hash, const char *comment,
			size_t comment_len, bool randomart, struct dynbuf *out)
{
	int r = dynbuf_append_uint(out, key->bits);
	if (r == 0)
		r = dynbuf_append_byte(out, ' ');
	if (r == 0)
		r = fingerprint_format(key, hash, out);
	if (r == 0)
		r = dynbuf_append_byte(out, ' ');
	if (r == 0 && comment && comment_len)
		r = dynbuf_append(out, comment, comment_len);
	else if (r == 0)
		r = dynbuf_append_str(out, "no comment");
	if (r == 0)
		r = dynbuf_append(out, " (", 2);
	if (r == 0)
		r = dynbuf_append_str(out, key->type->short_name);
	if (r == 0)
		r = dynbuf_append(out, ")\n", 2);
	if (r == 0 && randomart) {
		r = fingerprint_randomart(key, hash, out);
		if (r == 0)
			r = dynbuf_append_byte(out, '\n');
	}
	return r;
}

int fingerprint_sha256_text(const struct pubkey *key, char *buf, size_t len)
{
	struct dynbuf fp;
	dynbuf_init(&fp, FINGERPRINT_SHA256_TEXT_MAX);
	int r = fingerprint_format(key, FINGERPRINT_SHA256, &fp);
	if (r == 0 && fp.len >= len)
		r = -ENOSPC;
	if (r == 0)
		snprintf(buf, len, "%.*s", (int)fp.len, (const char *)fp.data);
	dynbuf_free(&fp);
	return r;
}
