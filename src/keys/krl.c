#include "keys/krl.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/error.h"
#include "base/wire.h"

#define KRL_MAGIC          0x5353484b524c0a00ULL
#define KRL_FORMAT_VERSION 1
#define KRL_SECTIONS_MAX   100000

void krl_clear(struct krl *k)
{
	free(k->sections);
	memset(k, 0, sizeof(*k));
}

/* every entry of a blob section is a string; fingerprints exactly 32 bytes */
static int check_blob_section(const struct krl_section *s)
{
	struct wire_reader r;
	const uint8_t *p;
	size_t n;
	wire_reader_init(&r, s->data, s->len);
	while (!wire_at_end(&r)) {
		if (wire_get_string(&r, &p, &n) < 0)
			return ERR_FORMAT;
		if (s->type == KRL_SECTION_FINGERPRINT_SHA256 && n != 32)
			return ERR_FORMAT;
		if (s->type == KRL_SECTION_FINGERPRINT_SHA1 && n != 20)
			return ERR_FORMAT;
	}
	return 0;
}

int krl_parse(const uint8_t *data, size_t len, struct krl *ret)
{
	struct krl k = {0};
	struct wire_reader r;
	uint64_t magic, flags;
	uint32_t format;
	const uint8_t *reserved;
	size_t reserved_len;
	if (len > KRL_FILE_MAX)
		return ERR_TOO_LARGE;
	wire_reader_init(&r, data, len);
	if (wire_get_u64(&r, &magic) < 0 || magic != KRL_MAGIC || wire_get_u32(&r, &format) < 0 ||
	    format != KRL_FORMAT_VERSION || wire_get_u64(&r, &k.version) < 0 ||
	    wire_get_u64(&r, &k.generated) < 0 || wire_get_u64(&r, &flags) < 0 ||
	    wire_get_string(&r, &reserved, &reserved_len) < 0 ||
	    wire_get_string(&r, &k.comment, &k.comment_len) < 0)
		return ERR_FORMAT;
	int rc = 0;
	while (rc == 0 && !wire_at_end(&r)) {
		struct krl_section s;
		if (wire_get_u8(&r, &s.type) < 0 || wire_get_string(&r, &s.data, &s.len) < 0 ||
		    k.n_sections >= KRL_SECTIONS_MAX) { /* ERR_FORMAT: more sections than any KRL */
			rc = ERR_FORMAT;
			break;
		}
		/* signatures come last: nothing but another signature after one */
		if (k.signed_ && s.type != KRL_SECTION_SIGNATURE) {
			rc = ERR_FORMAT;
			break;
		}
		switch (s.type) {
		case KRL_SECTION_EXPLICIT_KEY:
		case KRL_SECTION_FINGERPRINT_SHA1:
		case KRL_SECTION_FINGERPRINT_SHA256:
			rc = check_blob_section(&s);
			break;
		case KRL_SECTION_CERTIFICATES:
			break;
		case KRL_SECTION_SIGNATURE: {
			/* the signer's key was the section; its signature follows, over
			 * everything before it */
			const uint8_t *sig;
			size_t sig_len;
			k.signed_ = true;
			rc = wire_get_string(&r, &sig, &sig_len) < 0 ? ERR_FORMAT : 0;
			break;
		}
		default:
			rc = ERR_FORMAT; /* ssh-keygen refuses unknown sections too */
		}
		if (rc < 0)
			break;
		struct krl_section *slot =
			array_append(&k.sections, &k.n_sections, sizeof(*slot), KRL_SECTIONS_MAX);
		if (!slot) {
			rc = -ENOMEM;
			break;
		}
		*slot = s;
	}
	if (rc < 0) {
		krl_clear(&k);
		return rc;
	}
	k.raw = data;
	k.raw_len = len;
	*ret = k;
	return 0;
}

static int sha256_of_blob(const uint8_t *blob, size_t len, uint8_t out[32])
{
	unsigned n = 0;
	return EVP_Digest(blob, len, out, &n, EVP_sha256(), NULL) == 1 && n == 32 ? 0 : ERR_CRYPTO;
}

/* Is entry (len bytes) in one of k's sections of type? */
static bool in_sections(const struct krl *k, uint8_t type, const uint8_t *entry, size_t len)
{
	for (size_t i = 0; k && i < k->n_sections; i++) {
		if (k->sections[i].type != type)
			continue;
		struct wire_reader r;
		const uint8_t *p;
		size_t n;
		wire_reader_init(&r, k->sections[i].data, k->sections[i].len);
		while (wire_get_string(&r, &p, &n) == 0)
			if (n == len && !memcmp(p, entry, len))
				return true;
	}
	return false;
}

bool krl_revokes(const struct krl *k, const struct pubkey *key)
{
	uint8_t hash[32];
	return in_sections(k, KRL_SECTION_EXPLICIT_KEY, key->plain_blob, key->plain_blob_len) ||
	       (sha256_of_blob(key->plain_blob, key->plain_blob_len, hash) == 0 &&
		in_sections(k, KRL_SECTION_FINGERPRINT_SHA256, hash, 32));
}

static int put_u64(struct dynbuf *b, uint64_t v)
{
	int r = wire_put_u32(b, (uint32_t)(v >> 32));
	return r < 0 ? r : wire_put_u32(b, (uint32_t)v);
}

/* OpenSSH's order for blobs (krl.c's tree): bytes compared over the shorter length, then
 * the shorter first */
struct entry {
	const uint8_t *data;
	size_t len;
};
static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->data, y->data, n);
	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* one section of type from entries: sorted, each once */
static int put_section(struct dynbuf *out, uint8_t type, struct entry *e, size_t n)
{
	if (n == 0)
		return 0;
	qsort(e, n, sizeof(*e), entry_cmp);
	struct dynbuf body;
	dynbuf_init(&body, KRL_FILE_MAX);
	int r = 0;
	for (size_t i = 0; r == 0 && i < n; i++)
		if (i == 0 || entry_cmp(&e[i - 1], &e[i]) != 0)
			r = wire_put_string(&body, e[i].data, e[i].len);
	if (r == 0)
		r = dynbuf_append_byte(out, type);
	if (r == 0)
		r = wire_put_string(out, body.data, body.len);
	dynbuf_free(&body);
	return r;
}

int krl_write(const struct krl *old, const struct pubkey *const *keys, size_t n_keys,
	      const uint8_t (*sha256)[32], size_t n_sha256, const char *comment, uint64_t now,
	      struct dynbuf *out)
{
	if (old && old->signed_)
		return -EPERM;
	struct entry *blobs = calloc(n_keys ? n_keys : 1, sizeof(*blobs));
	struct entry *hashes = calloc(n_sha256 ? n_sha256 : 1, sizeof(*hashes));
	size_t nb = 0, nh = 0;
	int r = blobs && hashes ? 0 : -ENOMEM;
	for (size_t i = 0; r == 0 && i < n_keys; i++)
		if (!krl_revokes(old, keys[i]))
			blobs[nb++] = (struct entry){keys[i]->plain_blob, keys[i]->plain_blob_len};
	for (size_t i = 0; r == 0 && i < n_sha256; i++)
		if (!in_sections(old, KRL_SECTION_FINGERPRINT_SHA256, sha256[i], 32))
			hashes[nh++] = (struct entry){sha256[i], 32};
	if (r == 0 && old && nb == 0 && nh == 0) {
		r = dynbuf_append(out, old->raw, old->raw_len);
		free(blobs);
		free(hashes);
		return r;
	}
	if (r == 0)
		r = put_u64(out, KRL_MAGIC);
	if (r == 0)
		r = wire_put_u32(out, KRL_FORMAT_VERSION);
	if (r == 0)
		r = put_u64(out, old ? old->version + 1 : 1);
	if (r == 0)
		r = put_u64(out, now);
	if (r == 0)
		r = put_u64(out, 0); /* flags */
	if (r == 0)
		r = wire_put_string(out, "", 0); /* reserved */
	if (r == 0)
		r = old && !comment ? wire_put_string(out, old->comment, old->comment_len)
				    : wire_put_cstring(out, comment ? comment : "");
	for (size_t i = 0; r == 0 && old && i < old->n_sections; i++) {
		r = dynbuf_append_byte(out, old->sections[i].type);
		if (r == 0)
			r = wire_put_string(out, old->sections[i].data, old->sections[i].len);
	}
	if (r == 0)
		r = put_section(out, KRL_SECTION_EXPLICIT_KEY, blobs, nb);
	if (r == 0)
		r = put_section(out, KRL_SECTION_FINGERPRINT_SHA256, hashes, nh);
	free(blobs);
	free(hashes);
	return r;
}
