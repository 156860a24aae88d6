#include "keys/privkey.h"

#include <errno.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

#define ED25519_PUBLIC_LEN 32
#define ED25519_SECRET_LEN 64
#define PRIVKEY_FIELDS_MAX (64 * 1024)

/* Skip n mpints, appending those flagged in keep (bit i) to pub in order. */
static int copy_mpints(struct wire_reader *rd, int n, unsigned keep, struct dynbuf *pub,
		       const uint8_t **ret_first, size_t *ret_first_len)
{
	for (int i = 0; i < n; i++) {
		const uint8_t *p;
		size_t len;
		int r = wire_get_mpint(rd, &p, &len);
		if (r < 0)
			return r;
		if (i == 0 && ret_first) {
			*ret_first = p;
			*ret_first_len = len;
		}
		if ((keep >> i & 1) && (r = wire_put_mpint(pub, p, len)) < 0)
			return r;
	}
	return 0;
}

/* Parse the private fields of type t and write the matching public blob fields to pub. */
static int read_private_fields(const struct key_type *t, struct wire_reader *rd, struct dynbuf *pub)
{
	const uint8_t *p, *q;
	size_t plen, qlen;
	int r;
	switch (t->algorithm) {
	case KEY_ALG_RSA: {
		/* n, e, d, iqmp, p, q; the public blob has e before n */
		struct wire_reader peek = *rd;
		const uint8_t *n, *e;
		size_t nlen, elen;
		if ((r = wire_get_mpint(&peek, &n, &nlen)) < 0 ||
		    (r = wire_get_mpint(&peek, &e, &elen)) < 0)
			return r;
		if ((r = wire_put_mpint(pub, e, elen)) < 0 ||
		    (r = wire_put_mpint(pub, n, nlen)) < 0)
			return r;
		return copy_mpints(rd, 6, 0, pub, NULL, NULL);
	}
	case KEY_ALG_DSA:
		/* p, q, g, y public; x private */
		return copy_mpints(rd, 5, 0xf, pub, NULL, NULL);
	case KEY_ALG_ECDSA:
	case KEY_ALG_SK_ECDSA: {
		bool same;
		if ((r = wire_get_string_equals(rd, t->curve, &same)) < 0)
			return r;
		if (!same)
			return ERR_FORMAT;
		if ((r = wire_get_string(rd, &q, &qlen)) < 0 ||
		    (r = wire_put_cstring(pub, t->curve)) < 0 ||
		    (r = wire_put_string(pub, q, qlen)) < 0)
			return r;
		if (t->algorithm == KEY_ALG_ECDSA)
			return wire_get_mpint(rd, NULL, NULL);
		break;
	}
	case KEY_ALG_ED25519:
	case KEY_ALG_SK_ED25519:
		if ((r = wire_get_string(rd, &p, &plen)) < 0)
			return r;
		if (plen != ED25519_PUBLIC_LEN)
			return ERR_FORMAT;
		if ((r = wire_put_string(pub, p, plen)) < 0)
			return r;
		if (t->algorithm == KEY_ALG_ED25519) {
			if ((r = wire_get_string(rd, &q, &qlen)) < 0)
				return r;
			/* the secret is seed || public key; a different public half is corruption
			 */
			if (qlen != ED25519_SECRET_LEN)
				return ERR_FORMAT;
			if (memcmp(q + 32, p, 32) != 0)
				return ERR_KEY_MISMATCH;
			return 0;
		}
		break;
	}
	/* security keys: application, flags, key handle, reserved */
	const uint8_t *app;
	size_t app_len;
	uint8_t flags;
	if ((r = wire_get_cstring(rd, (const char **)&app, &app_len)) < 0 ||
	    (r = wire_put_string(pub, app, app_len)) < 0 || (r = wire_get_u8(rd, &flags)) < 0 ||
	    (r = wire_get_string(rd, NULL, NULL)) < 0 || (r = wire_get_string(rd, NULL, NULL)) < 0)
		return r;
	return 0;
}

int privkey_read_fields(struct wire_reader *rd, struct privkey **ret)
{
	size_t start = rd->off;
	const char *name;
	size_t name_len;
	struct dynbuf pub;
	struct privkey *key = NULL;
	int r;

	dynbuf_init(&pub, PUBKEY_BLOB_MAX);
	if ((r = wire_get_cstring(rd, &name, &name_len)) < 0)
		goto out;
	const struct key_type *t = key_type_from_name(name, name_len);
	if (!t) {
		r = ERR_KEY_TYPE_UNKNOWN;
		goto out;
	}
	if (t->cert) {
		r = ERR_KEY_TYPE_UNSUPPORTED;
		goto out;
	}
	if ((r = wire_put_cstring(&pub, t->name)) < 0 || (r = read_private_fields(t, rd, &pub)) < 0)
		goto out;

	key = calloc(1, sizeof(*key));
	if (!key || !(key->comment = strdup(""))) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = pubkey_from_blob(pub.data, pub.len, &key->pub)) < 0)
		goto out;
	key->fields_len = rd->off - start;
	key->fields = malloc(key->fields_len);
	if (!key->fields) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(key->fields, rd->data + start, key->fields_len);
	*ret = key;
	key = NULL;
out:
	if (r < 0)
		rd->off = start;
	privkey_free(key);
	dynbuf_free(&pub);
	return r;
}

int privkey_cert_fields(const struct privkey *key, const struct pubkey *cert, struct dynbuf *out)
{
	/* the public items of each type's private fields, which the certificate holds */
	size_t public_items;
	switch (key->pub->type->algorithm) {
	case KEY_ALG_RSA:   /* n, e */
	case KEY_ALG_ECDSA: /* curve, Q */
		public_items = 2;
		break;
	case KEY_ALG_DSA: /* p, q, g, y */
		public_items = 4;
		break;
	case KEY_ALG_ED25519: /* its private half is stored with the public, as OpenSSH keeps it */
		public_items = 0;
		break;
	default:
		return ERR_KEY_TYPE_UNSUPPORTED;
	}
	if (!cert->type->cert || !pubkey_same_key(cert, key->pub))
		return ERR_KEY_MISMATCH;
	struct wire_reader rd;
	int r;
	wire_reader_init(&rd, key->fields, key->fields_len);
	if ((r = wire_get_string(&rd, NULL, NULL)) < 0) /* the plain type's name */
		return r;
	for (size_t i = 0; i < public_items; i++)
		if ((r = wire_get_string(&rd, NULL, NULL)) < 0)
			return r;
	if ((r = wire_put_cstring(out, cert->type->name)) < 0 ||
	    (r = wire_put_string(out, cert->blob, cert->blob_len)) < 0)
		return r;
	return dynbuf_append(out, key->fields + rd.off, key->fields_len - rd.off);
}

int privkey_set_comment(struct privkey *key, const char *comment)
{
	char *copy = strdup(comment ? comment : "");
	if (!copy)
		return -ENOMEM;
	free(key->comment);
	key->comment = copy;
	return 0;
}

void privkey_free(struct privkey *key)
{
	if (!key)
		return;
	pubkey_free(key->pub);
	secure_wipe(key->fields, key->fields_len);
	free(key->fields);
	free(key->comment);
	free(key);
}

/* Append an OpenSSL number parameter as an mpint. */
static int put_bn_param(struct dynbuf *b, EVP_PKEY *pkey, const char *param)
{
	BIGNUM *bn = NULL;
	if (!EVP_PKEY_get_bn_param(pkey, param, &bn))
		return ERR_CRYPTO;
	int len = BN_num_bytes(bn);
	uint8_t *bytes = malloc(len > 0 ? (size_t)len : 1);
	int r = -ENOMEM;
	if (bytes) {
		BN_bn2bin(bn, bytes);
		r = wire_put_mpint(b, bytes, (size_t)len);
		secure_wipe(bytes, (size_t)len);
		free(bytes);
	}
	BN_clear_free(bn);
	return r;
}

static int put_ed25519_fields(struct dynbuf *b, EVP_PKEY *pkey)
{
	uint8_t secret[ED25519_SECRET_LEN];
	size_t seed_len = 32, pub_len = 32;
	int r = ERR_CRYPTO;
	if (!EVP_PKEY_get_raw_private_key(pkey, secret, &seed_len) || seed_len != 32 ||
	    !EVP_PKEY_get_raw_public_key(pkey, secret + 32, &pub_len) || pub_len != 32)
		goto out;
	if ((r = wire_put_cstring(b, "ssh-ed25519")) < 0 ||
	    (r = wire_put_string(b, secret + 32, 32)) < 0)
		goto out;
	r = wire_put_string(b, secret, sizeof(secret));
out:
	secure_wipe(secret, sizeof(secret));
	return r;
}

static int put_ecdsa_fields(struct dynbuf *b, EVP_PKEY *pkey)
{
	static const struct {
		const char *openssl;
		const char *ssh;
	} curves[] = {{"prime256v1", "nistp256"}, {"P-256", "nistp256"},
		      {"secp384r1", "nistp384"},  {"P-384", "nistp384"},
		      {"secp521r1", "nistp521"},  {"P-521", "nistp521"}};
	char group[64];
	uint8_t point[256];
	size_t point_len;
	if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					    NULL))
		return ERR_CRYPTO;
	const char *curve = NULL;
	for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (strcmp(curves[i].openssl, group) == 0)
			curve = curves[i].ssh;
	if (!curve)
		return ERR_KEY_TYPE_UNSUPPORTED;
	/* SSH needs the uncompressed point form, whatever the source file used */
	EVP_PKEY_set_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
				       "uncompressed");
	if (!EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point),
					     &point_len))
		return ERR_CRYPTO;
	const struct key_type *t = key_type_ecdsa_for_curve(curve, strlen(curve));
	int r;
	if ((r = wire_put_cstring(b, t->name)) < 0 || (r = wire_put_cstring(b, curve)) < 0 ||
	    (r = wire_put_string(b, point, point_len)) < 0)
		return r;
	return put_bn_param(b, pkey, OSSL_PKEY_PARAM_PRIV_KEY);
}

int privkey_from_evp(EVP_PKEY *pkey, const char *comment, struct privkey **ret)
{
	struct dynbuf fields;
	int r;
	dynbuf_init(&fields, PRIVKEY_FIELDS_MAX);
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_ED25519:
		r = put_ed25519_fields(&fields, pkey);
		break;
	case EVP_PKEY_RSA: {
		static const char *const order[] = {
			OSSL_PKEY_PARAM_RSA_N,       OSSL_PKEY_PARAM_RSA_E,
			OSSL_PKEY_PARAM_RSA_D,       OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
			OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2};
		r = wire_put_cstring(&fields, "ssh-rsa");
		for (size_t i = 0; r == 0 && i < 6; i++)
			r = put_bn_param(&fields, pkey, order[i]);
		break;
	}
	case EVP_PKEY_EC:
		r = put_ecdsa_fields(&fields, pkey);
		break;
	case EVP_PKEY_DSA: {
		static const char *const order[] = {OSSL_PKEY_PARAM_FFC_P, OSSL_PKEY_PARAM_FFC_Q,
						    OSSL_PKEY_PARAM_FFC_G, OSSL_PKEY_PARAM_PUB_KEY,
						    OSSL_PKEY_PARAM_PRIV_KEY};
		r = wire_put_cstring(&fields, "ssh-dss");
		for (size_t i = 0; r == 0 && i < 5; i++)
			r = put_bn_param(&fields, pkey, order[i]);
		break;
	}
	default:
		r = ERR_KEY_TYPE_UNSUPPORTED;
	}
	if (r < 0)
		goto out;

	r = privkey_from_fields(fields.data, fields.len, comment, ret);
out:
	dynbuf_free(&fields);
	return r;
}

int privkey_from_fields(const uint8_t *fields, size_t len, const char *comment,
			struct privkey **ret)
{
	struct wire_reader rd;
	struct privkey *key;
	wire_reader_init(&rd, fields, len);
	int r = privkey_read_fields(&rd, &key);
	if (r < 0)
		return r;
	if (rd.off != len)
		r = ERR_TRAILING;
	if (r == 0)
		r = privkey_set_comment(key, comment);
	if (r < 0) {
		privkey_free(key);
		return r;
	}
	*ret = key;
	return 0;
}
