#include "keys/openssh_key_v1.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/error.h"
#include "base/random.h"
#include "base/wire.h"
#include "keys/bcrypt_pbkdf.h"
#include "keys/key_cipher.h"

#define AUTH_MAGIC "openssh-key-v1" /* followed by its NUL */
#define SALT_LEN   16
#define FILE_MAX   (1024 * 1024)
#define ARMOR_WRAP 70

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
/* a fuzzer must not spend a tenth of a second in the KDF on every input: it runs one round
 * (the derived key is then wrong, which the fuzzed inputs' keys are anyway) */
static const uint32_t parse_max_rounds = 64;
#define KDF_ROUNDS(rounds) 1
#else
static const uint32_t parse_max_rounds = OPENSSH_KEY_V1_MAX_ROUNDS;
#define KDF_ROUNDS(rounds) (rounds)
#endif

bool openssh_key_v1_detect(const uint8_t *text, size_t len)
{
	size_t n = strlen(OPENSSH_KEY_V1_BEGIN);
	return len >= n && memcmp(text, OPENSSH_KEY_V1_BEGIN, n) == 0;
}

/* Strip the armour and decode the base64 between BEGIN and END. */
static int dearmor(const uint8_t *text, size_t len, struct dynbuf *out)
{
	if (!openssh_key_v1_detect(text, len))
		return ERR_FORMAT;
	if (len > FILE_MAX)
		return ERR_TOO_LARGE;
	const char *p = (const char *)text + strlen(OPENSSH_KEY_V1_BEGIN);
	const char *end = (const char *)text + len;
	const char *mark = NULL;
	size_t elen = strlen(OPENSSH_KEY_V1_END);
	for (const char *s = p; (size_t)(end - s) >= elen; s++) {
		if (*s == '-' && memcmp(s, OPENSSH_KEY_V1_END, elen) == 0) {
			mark = s;
			break;
		}
	}
	if (!mark)
		return ERR_TRUNCATED;
	for (const char *s = mark + elen; s < end; s++)
		if (*s != '\n' && *s != '\r' && *s != ' ' && *s != '\t')
			return ERR_TRAILING;
	if (memchr(p, 0, (size_t)(mark - p)))
		return ERR_NUL_BYTE;
	return base64_decode_armored(out, p, (size_t)(mark - p));
}

struct header {
	const struct key_cipher *cipher;
	bool kdf_bcrypt;
	const uint8_t *salt;
	size_t salt_len;
	uint32_t rounds;
	const uint8_t *pub_blob;
	size_t pub_blob_len;
	const uint8_t *secret;
	size_t secret_len; /* ciphertext, without the tag */
	const uint8_t *tag;
};

static int parse_header(const uint8_t *data, size_t len, struct header *h)
{
	struct wire_reader rd;
	const uint8_t *magic;
	const char *name;
	size_t name_len;
	const uint8_t *kdfopts;
	size_t kdfopts_len;
	uint32_t nkeys;
	int r;

	wire_reader_init(&rd, data, len);
	if ((r = wire_get_bytes(&rd, sizeof(AUTH_MAGIC), &magic)) < 0)
		return r;
	if (memcmp(magic, AUTH_MAGIC, sizeof(AUTH_MAGIC)) != 0)
		return ERR_FORMAT;
	if ((r = wire_get_cstring(&rd, &name, &name_len)) < 0)
		return r;
	h->cipher = key_cipher_by_name(name, name_len);
	if (!h->cipher)
		return ERR_CIPHER_UNKNOWN;
	if ((r = wire_get_cstring(&rd, &name, &name_len)) < 0)
		return r;
	if (name_len == 6 && memcmp(name, "bcrypt", 6) == 0)
		h->kdf_bcrypt = true;
	else if (name_len == 4 && memcmp(name, "none", 4) == 0)
		h->kdf_bcrypt = false;
	else
		return ERR_KDF_UNKNOWN;
	if ((r = wire_get_string(&rd, &kdfopts, &kdfopts_len)) < 0)
		return r;
	/* a cipher needs a KDF and the KDF needs a cipher */
	if (h->kdf_bcrypt == key_cipher_is_none(h->cipher))
		return ERR_FORMAT;
	h->salt = NULL;
	h->salt_len = 0;
	h->rounds = 0;
	if (h->kdf_bcrypt) {
		struct wire_reader opts;
		wire_reader_init(&opts, kdfopts, kdfopts_len);
		if ((r = wire_get_string(&opts, &h->salt, &h->salt_len)) < 0 ||
		    (r = wire_get_u32(&opts, &h->rounds)) < 0)
			return r;
		if (!wire_at_end(&opts) || h->salt_len == 0 || h->rounds == 0)
			return ERR_FORMAT;
		if (h->rounds > parse_max_rounds)
			return ERR_FORMAT;
	} else if (kdfopts_len != 0) {
		return ERR_FORMAT;
	}
	if ((r = wire_get_u32(&rd, &nkeys)) < 0)
		return r;
	if (nkeys != 1)
		return nkeys == 0 ? ERR_FORMAT : ERR_MULTIPLE_KEYS;
	if ((r = wire_get_string(&rd, &h->pub_blob, &h->pub_blob_len)) < 0 ||
	    (r = wire_get_string(&rd, &h->secret, &h->secret_len)) < 0)
		return r;
	if (h->secret_len % h->cipher->block_size != 0)
		return ERR_FORMAT;
	if ((r = wire_get_bytes(&rd, h->cipher->tag_len, &h->tag)) < 0)
		return r;
	if (!wire_at_end(&rd))
		return ERR_TRAILING;
	return 0;
}

int openssh_key_v1_read_public(const uint8_t *text, size_t len, struct pubkey **ret,
			       struct openssh_key_v1_info *ret_info)
{
	struct dynbuf raw;
	struct header h;
	dynbuf_init(&raw, FILE_MAX);
	int r = dearmor(text, len, &raw);
	if (r == 0)
		r = parse_header(raw.data, raw.len, &h);
	if (r == 0)
		r = pubkey_from_blob(h.pub_blob, h.pub_blob_len, ret);
	if (r == 0 && ret_info) {
		ret_info->encrypted = !key_cipher_is_none(h.cipher);
		snprintf(ret_info->cipher, sizeof(ret_info->cipher), "%s", h.cipher->name);
		ret_info->rounds = h.rounds;
	}
	dynbuf_free(&raw);
	return r;
}

/* Derive key || iv from the passphrase. */
static int derive_key(const struct header *h, const char *passphrase, uint8_t *key_iv)
{
	size_t n = h->cipher->key_len + h->cipher->iv_len;
	if (bcrypt_pbkdf(passphrase, strlen(passphrase), h->salt, h->salt_len, key_iv, n,
			 KDF_ROUNDS(h->rounds)) < 0)
		return ERR_CRYPTO;
	return 0;
}

/* The plaintext section: two equal check words, the key, its comment, padding 1, 2, 3... */
static int parse_plaintext(const uint8_t *plain, size_t len, const struct header *h,
			   struct privkey **ret)
{
	struct wire_reader rd;
	uint32_t check1, check2;
	const char *comment;
	size_t comment_len;
	struct privkey *key = NULL;
	int r;

	wire_reader_init(&rd, plain, len);
	if ((r = wire_get_u32(&rd, &check1)) < 0 || (r = wire_get_u32(&rd, &check2)) < 0)
		return r;
	if (check1 != check2)
		return key_cipher_is_none(h->cipher) ? ERR_FORMAT : ERR_PASSPHRASE_WRONG;
	if ((r = privkey_read_fields(&rd, &key)) < 0)
		return r;
	if ((r = wire_get_cstring(&rd, &comment, &comment_len)) < 0)
		goto out;
	for (uint8_t expect = 1; !wire_at_end(&rd); expect++) {
		uint8_t pad;
		wire_get_u8(&rd, &pad);
		if (pad != expect) {
			r = ERR_FORMAT;
			goto out;
		}
	}
	if (h->pub_blob_len != key->pub->blob_len ||
	    memcmp(h->pub_blob, key->pub->blob, h->pub_blob_len) != 0) {
		r = ERR_KEY_MISMATCH;
		goto out;
	}
	char *c = strndup(comment, comment_len);
	if (!c) {
		r = -ENOMEM;
		goto out;
	}
	free(key->comment);
	key->comment = c;
	*ret = key;
	key = NULL;
out:
	privkey_free(key);
	return r;
}

int openssh_key_v1_read(const uint8_t *text, size_t len, const char *passphrase,
			struct privkey **ret)
{
	struct dynbuf raw, plain;
	struct header h;
	uint8_t key_iv[128];
	int r;

	dynbuf_init(&raw, FILE_MAX);
	dynbuf_init(&plain, FILE_MAX);
	if ((r = dearmor(text, len, &raw)) < 0 || (r = parse_header(raw.data, raw.len, &h)) < 0)
		goto out;
	if (h.kdf_bcrypt && (!passphrase || !*passphrase)) {
		r = ERR_PASSPHRASE_NEEDED;
		goto out;
	}
	uint8_t *dst;
	if ((r = dynbuf_reserve_tail(&plain, h.secret_len, &dst)) < 0)
		goto out;
	if (h.kdf_bcrypt && (r = derive_key(&h, passphrase, key_iv)) < 0)
		goto out;
	if ((r = key_cipher_crypt(h.cipher, false, key_iv, h.secret, h.secret_len, dst,
				  (uint8_t *)h.tag)) < 0)
		goto out;
	r = parse_plaintext(plain.data, plain.len, &h, ret);
out:
	secure_wipe(key_iv, sizeof(key_iv));
	dynbuf_free(&plain);
	dynbuf_free(&raw);
	return r;
}

int openssh_key_v1_write(const struct privkey *key, const char *passphrase, unsigned rounds,
			 struct dynbuf *out)
{
	bool encrypt = passphrase && *passphrase;
	const struct key_cipher *cipher =
		encrypt ? key_cipher_default() : key_cipher_by_name("none", 4);
	uint8_t salt[SALT_LEN], key_iv[128], tag[16];
	uint32_t check;
	struct dynbuf blob, plain, kdfopts;
	int r;

	dynbuf_init(&blob, FILE_MAX);
	dynbuf_init(&plain, FILE_MAX);
	dynbuf_init(&kdfopts, 256);
	if (encrypt && (rounds == 0 || rounds > OPENSSH_KEY_V1_MAX_ROUNDS)) {
		r = -EINVAL;
		goto out;
	}
	if ((r = random_bytes(&check, sizeof(check))) < 0 ||
	    (encrypt && (r = random_bytes(salt, sizeof(salt))) < 0))
		goto out;
	if (encrypt && ((r = wire_put_string(&kdfopts, salt, sizeof(salt))) < 0 ||
			(r = wire_put_u32(&kdfopts, rounds)) < 0))
		goto out;

	/* the private section */
	if ((r = wire_put_u32(&plain, check)) < 0 || (r = wire_put_u32(&plain, check)) < 0 ||
	    (r = dynbuf_append(&plain, key->fields, key->fields_len)) < 0 ||
	    (r = wire_put_cstring(&plain, key->comment)) < 0)
		goto out;
	for (uint8_t pad = 1; plain.len % cipher->block_size != 0; pad++)
		if ((r = dynbuf_append_byte(&plain, pad)) < 0)
			goto out;

	if ((r = dynbuf_append(&blob, AUTH_MAGIC, sizeof(AUTH_MAGIC))) < 0 ||
	    (r = wire_put_cstring(&blob, cipher->name)) < 0 ||
	    (r = wire_put_cstring(&blob, encrypt ? "bcrypt" : "none")) < 0 ||
	    (r = wire_put_string(&blob, kdfopts.data, kdfopts.len)) < 0 ||
	    (r = wire_put_u32(&blob, 1)) < 0 ||
	    (r = wire_put_string(&blob, key->pub->blob, key->pub->blob_len)) < 0 ||
	    (r = wire_put_u32(&blob, (uint32_t)plain.len)) < 0)
		goto out;
	uint8_t *dst;
	if ((r = dynbuf_reserve_tail(&blob, plain.len, &dst)) < 0)
		goto out;
	if (encrypt) {
		struct header h = {
			.cipher = cipher, .salt = salt, .salt_len = sizeof(salt), .rounds = rounds};
		if ((r = derive_key(&h, passphrase, key_iv)) < 0)
			goto out;
	}
	if ((r = key_cipher_crypt(cipher, true, key_iv, plain.data, plain.len, dst, tag)) < 0)
		goto out;
	if (cipher->tag_len && (r = dynbuf_append(&blob, tag, cipher->tag_len)) < 0)
		goto out;

	if ((r = dynbuf_append_str(out, OPENSSH_KEY_V1_BEGIN "\n")) < 0 ||
	    (r = base64_encode(out, blob.data, blob.len, ARMOR_WRAP)) < 0 ||
	    (r = dynbuf_append_str(out, "\n" OPENSSH_KEY_V1_END "\n")) < 0)
		goto out;
out:
	secure_wipe(key_iv, sizeof(key_iv));
	secure_wipe(&check, sizeof(check));
	dynbuf_free(&blob);
	dynbuf_free(&plain);
	dynbuf_free(&kdfopts);
	return r;
}
