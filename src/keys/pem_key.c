#include "keys/pem_key.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <string.h>

#include "base/error.h"

#define PEM_MAX (1024 * 1024)

static const char *const pem_labels[] = {
	"-----BEGIN RSA PRIVATE KEY-----",       "-----BEGIN EC PRIVATE KEY-----",
	"-----BEGIN DSA PRIVATE KEY-----",       "-----BEGIN PRIVATE KEY-----",
	"-----BEGIN ENCRYPTED PRIVATE KEY-----",
};

static bool contains(const uint8_t *text, size_t len, const char *needle)
{
	return memmem(text, len, needle, strlen(needle)) != NULL;
}

bool pem_key_detect(const uint8_t *text, size_t len)
{
	/* one pass over the text for the labels' common start, each label compared where it
	 * is found (a 100,000-line public key file is searched once, not once per label) */
	static const char begin[] = "-----BEGIN ";
	const uint8_t *p = text, *end = text + len;
	while ((p = memmem(p, (size_t)(end - p), begin, sizeof(begin) - 1))) {
		for (size_t i = 0; i < sizeof(pem_labels) / sizeof(pem_labels[0]); i++) {
			size_t n = strlen(pem_labels[i]);
			if ((size_t)(end - p) >= n && memcmp(p, pem_labels[i], n) == 0)
				return true;
		}
		p += sizeof(begin) - 1;
	}
	return false;
}

bool pem_key_is_encrypted(const uint8_t *text, size_t len)
{
	return contains(text, len, "-----BEGIN ENCRYPTED PRIVATE KEY-----") ||
	       contains(text, len, "Proc-Type: 4,ENCRYPTED");
}

struct pass_data {
	const char *passphrase;
	bool asked;
};

static int pass_callback(char *buf, int size, int rwflag, void *u)
{
	struct pass_data *pd = u;
	pd->asked = true;
	if (!pd->passphrase)
		return -1;
	size_t n = strlen(pd->passphrase);
	if (n > (size_t)size)
		return -1;
	memcpy(buf, pd->passphrase, n);
	return (int)n;
}

int pem_key_read(const uint8_t *text, size_t len, const char *passphrase, struct privkey **ret)
{
	if (len > PEM_MAX)
		return ERR_TOO_LARGE;
	bool encrypted = pem_key_is_encrypted(text, len);
	if (encrypted && (!passphrase || !*passphrase))
		return ERR_PASSPHRASE_NEEDED;
	BIO *bio = BIO_new_mem_buf(text, (int)len);
	if (!bio)
		return -ENOMEM;
	struct pass_data pd = {encrypted ? passphrase : NULL, false};
	EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, pass_callback, &pd);
	BIO_free(bio);
	int r;
	if (!pkey) {
		r = encrypted ? ERR_PASSPHRASE_WRONG : ERR_FORMAT;
		ERR_clear_error();
		return r;
	}
	r = privkey_from_evp(pkey, "", ret);
	EVP_PKEY_free(pkey);
	return r;
}
