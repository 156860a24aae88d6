#include "keys/pubkey.h"

#include <errno.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/base64.h"
#include "base/error.h"
#include "base/text_lines.h"
#include "base/wire.h"

#define ED25519_PUBLIC_LEN 32
#define RSA_MIN_BITS       1024 /* OpenSSH's SSH_RSA_MINIMUM_MODULUS_SIZE */
#define RSA_MAX_BITS       16384

static unsigned magnitude_bits(const uint8_t *p, size_t len)
{
	while (len > 0 && p[0] == 0) {
		p++;
		len--;
	}
	if (len == 0)
		return 0;
	unsigned bits = (unsigned)(len - 1) * 8;
	for (uint8_t top = p[0]; top; top >>= 1)
		bits++;
	return bits;
}

static int curve_nid(const char *curve)
{
	if (strcmp(curve, "nistp256") == 0)
		return NID_X9_62_prime256v1;
	if (strcmp(curve, "nistp384") == 0)
		return NID_secp384r1;
	return NID_secp521r1;
}

/* The point must be an uncompressed point on the curve and not the identity, as
 * OpenSSH's sshkey_ec_validate_public requires. */
static int ec_point_check(const char *curve, const uint8_t *q, size_t qlen)
{
	if (qlen == 0 || q[0] != 0x04)
		return ERR_FORMAT;
	EC_GROUP *group = EC_GROUP_new_by_curve_name(curve_nid(curve));
	if (!group)
		return ERR_CRYPTO;
	EC_POINT *point = EC_POINT_new(group);
	int r = ERR_FORMAT;
	if (point && EC_POINT_oct2point(group, point, q, qlen, NULL) == 1 &&
	    !EC_POINT_is_at_infinity(group, point))
		r = 0;
	EC_POINT_free(point);
	EC_GROUP_free(group);
	return r;
}

/* Parse the fields of a key of type t (after the name, and after the nonce of a
 * certificate) and report its size in bits. */
static int parse_key_fields(const struct key_type *t, struct wire_reader *rd, unsigned *ret_bits)
{
	const uint8_t *p, *q;
	size_t plen, qlen;
	int r;

	switch (t->algorithm) {
	case KEY_ALG_RSA:
		if ((r = wire_get_mpint(rd, &p, &plen)) < 0 ||
		    (r = wire_get_mpint(rd, &q, &qlen)) < 0)
			return r;
		*ret_bits = magnitude_bits(q, qlen);
		if (*ret_bits < RSA_MIN_BITS || *ret_bits > RSA_MAX_BITS || plen == 0)
			return ERR_KEY_SIZE;
		return 0;
	case KEY_ALG_DSA:
		if ((r = wire_get_mpint(rd, &p, &plen)) < 0)
			return r;
		for (int i = 0; i < 3; i++)
			if ((r = wire_get_mpint(rd, NULL, NULL)) < 0)
				return r;
		*ret_bits = magnitude_bits(p, plen);
		if (*ret_bits == 0 || *ret_bits > 10000)
			return ERR_KEY_SIZE;
		return 0;
	case KEY_ALG_ECDSA:
	case KEY_ALG_SK_ECDSA: {
		bool same;
		if ((r = wire_get_string_equals(rd, t->curve, &same)) < 0)
			return r;
		if (!same)
			return ERR_FORMAT;
		if ((r = wire_get_string(rd, &q, &qlen)) < 0)
			return r;
		if ((r = ec_point_check(t->curve, q, qlen)) < 0)
			return r;
		if (t->algorithm == KEY_ALG_SK_ECDSA && (r = wire_get_cstring(rd, NULL, NULL)) < 0)
			return r;
		*ret_bits = t->curve_bits;
		return 0;
	}
	case KEY_ALG_ED25519:
	case KEY_ALG_SK_ED25519:
		if ((r = wire_get_string(rd, &p, &plen)) < 0)
			return r;
		if (plen != ED25519_PUBLIC_LEN)
			return ERR_FORMAT;
		if (t->algorithm == KEY_ALG_SK_ED25519 &&
		    (r = wire_get_cstring(rd, NULL, NULL)) < 0)
			return r;
		*ret_bits = 256;
		return 0;
	}
	return ERR_KEY_TYPE_UNKNOWN;
}

static int parse_blob(const uint8_t *blob, size_t len, bool allow_cert, struct pubkey *key);

/* Certificate body after the key fields (PROTOCOL.certkeys). The signature key must itself
 * be a valid plain key. The signature is not verified here. */
static int parse_cert_tail(struct wire_reader *rd)
{
	uint64_t u64;
	uint32_t u32;
	const uint8_t *sk;
	size_t sklen;
	int r;
	if ((r = wire_get_u64(rd, &u64)) < 0 || (r = wire_get_u32(rd, &u32)) < 0)
		return r;
	if (u32 != 1 && u32 != 2)
		return ERR_FORMAT;
	if ((r = wire_get_cstring(rd, NULL, NULL)) < 0 ||
	    (r = wire_get_string(rd, NULL, NULL)) < 0 || (r = wire_get_u64(rd, &u64)) < 0 ||
	    (r = wire_get_u64(rd, &u64)) < 0 || (r = wire_get_string(rd, NULL, NULL)) < 0 ||
	    (r = wire_get_string(rd, NULL, NULL)) < 0 ||
	    (r = wire_get_string(rd, NULL, NULL)) < 0 ||
	    (r = wire_get_string(rd, &sk, &sklen)) < 0 || (r = wire_get_string(rd, NULL, NULL)) < 0)
		return r;
	struct pubkey signer = {0};
	r = parse_blob(sk, sklen, false, &signer);
	free(signer.plain_blob != signer.blob ? signer.plain_blob : NULL);
	return r;
}

/* Fills key->type, key->bits and key->plain_blob (allocated only for certificates). */
static int parse_blob(const uint8_t *blob, size_t len, bool allow_cert, struct pubkey *key)
{
	struct wire_reader rd;
	const char *name;
	size_t name_len;
	int r;

	if (len > PUBKEY_BLOB_MAX)
		return ERR_TOO_LARGE;
	wire_reader_init(&rd, blob, len);
	if ((r = wire_get_cstring(&rd, &name, &name_len)) < 0)
		return r;
	const struct key_type *t = key_type_from_name(name, name_len);
	if (!t)
		return ERR_KEY_TYPE_UNKNOWN;
	if (t->cert && !allow_cert)
		return ERR_FORMAT;
	if (t->cert && (r = wire_get_string(&rd, NULL, NULL)) < 0) /* nonce */
		return r;
	size_t fields_start = rd.off;
	if ((r = parse_key_fields(t, &rd, &key->bits)) < 0)
		return r;
	size_t fields_end = rd.off;
	if (t->cert && (r = parse_cert_tail(&rd)) < 0)
		return r;
	if (!wire_at_end(&rd))
		return ERR_TRAILING;

	key->type = t;
	key->plain_blob = NULL;
	key->plain_blob_len = 0;
	if (t->cert) {
		struct dynbuf plain;
		dynbuf_init(&plain, PUBKEY_BLOB_MAX);
		if ((r = wire_put_cstring(&plain, t->plain_name)) < 0 ||
		    (r = dynbuf_append(&plain, blob + fields_start, fields_end - fields_start)) <
			    0) {
			dynbuf_free(&plain);
			return r;
		}
		key->plain_blob = dynbuf_steal(&plain, &key->plain_blob_len);
	}
	return 0;
}

/* A key and room for its blob in one allocation (a listing makes one per line). */
static struct pubkey *pubkey_alloc(size_t blob_room)
{
	struct pubkey *key = malloc(sizeof(*key) + (blob_room ? blob_room : 1));
	if (!key)
		return NULL;
	*key = (struct pubkey){.blob = (uint8_t *)(key + 1)};
	return key;
}

/* Parse the blob key->blob[len] already holds; frees the key on failure. */
static int pubkey_finish(struct pubkey *key, size_t len, struct pubkey **ret)
{
	int r = parse_blob(key->blob, len, true, key);
	if (r < 0) {
		free(key);
		return r;
	}
	key->blob_len = len;
	if (!key->plain_blob) {
		key->plain_blob = key->blob;
		key->plain_blob_len = len;
	}
	*ret = key;
	return 0;
}

int pubkey_from_blob(const uint8_t *blob, size_t len, struct pubkey **ret)
{
	if (len > PUBKEY_BLOB_MAX)
		return ERR_TOO_LARGE;
	struct pubkey *key = pubkey_alloc(len);
	if (!key)
		return -ENOMEM;
	if (len)
		memcpy(key->blob, blob, len);
	return pubkey_finish(key, len, ret);
}

void pubkey_free(struct pubkey *key)
{
	if (!key)
		return;
	if (key->plain_blob != key->blob)
		free(key->plain_blob);
	free(key);
}

bool pubkey_equal(const struct pubkey *a, const struct pubkey *b)
{
	return a->blob_len == b->blob_len && memcmp(a->blob, b->blob, a->blob_len) == 0;
}

bool pubkey_same_key(const struct pubkey *a, const struct pubkey *b)
{
	return a->plain_blob_len == b->plain_blob_len &&
	       memcmp(a->plain_blob, b->plain_blob, a->plain_blob_len) == 0;
}

static bool all_digits(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int pubkey_parse_text(const char *text, size_t len, struct pubkey **ret, size_t *ret_end)
{
	size_t i = 0;
	while (i < len && is_blank_char(text[i]))
		i++;
	size_t type_start = i;
	while (i < len && !is_blank_char(text[i]))
		i++;
	size_t type_len = i - type_start;
	if (type_len == 0)
		return ERR_NOT_A_KEY;
	const struct key_type *t = key_type_from_name(text + type_start, type_len);
	if (!t)
		return all_digits(text + type_start, type_len) ? ERR_SSH1_KEY
							       : ERR_KEY_TYPE_UNKNOWN;
	while (i < len && is_blank_char(text[i]))
		i++;
	size_t b64_start = i;
	while (i < len && !is_blank_char(text[i]))
		i++;
	if (i == b64_start)
		return ERR_NOT_A_KEY;

	size_t room = base64_decoded_max(i - b64_start), blob_len;
	if (room > PUBKEY_BLOB_MAX)
		return ERR_BASE64;
	struct pubkey *key = pubkey_alloc(room);
	if (!key)
		return -ENOMEM;
	int r = base64_decode_to(key->blob, text + b64_start, i - b64_start, &blob_len);
	if (r < 0) {
		free(key);
		return r;
	}
	if ((r = pubkey_finish(key, blob_len, &key)) < 0)
		return r;
	if (key->type != t) {
		pubkey_free(key);
		return ERR_KEY_TYPE_MISMATCH;
	}
	*ret = key;
	if (ret_end)
		*ret_end = i;
	return 0;
}

int pubkey_format_line(const struct pubkey *key, const char *comment, struct dynbuf *out)
{
	int r = dynbuf_append_str(out, key->type->name);
	if (r == 0)
		r = dynbuf_append_byte(out, ' ');
	if (r == 0)
		r = base64_encode(out, key->blob, key->blob_len, 0);
	if (r == 0 && comment) {
		r = dynbuf_append_byte(out, ' ');
		if (r == 0)
			r = dynbuf_append_str(out, comment);
	}
	return r;
}

int pubkey_list_add_distinct(struct pubkey ***keys, size_t *n, const struct pubkey *key)
{
	for (size_t i = 0; i < *n; i++)
		if (pubkey_same_key((*keys)[i], key))
			return 0;
	struct pubkey *copy = NULL;
	int r = pubkey_from_blob(key->blob, key->blob_len, &copy);
	struct pubkey **slot = r == 0 ? array_append(keys, n, sizeof(*slot), SIZE_MAX) : NULL;
	if (r == 0 && !slot)
		r = -ENOMEM;
	if (r < 0) {
		pubkey_free(copy);
		return r;
	}
	*slot = copy;
	return 0;
}

void pubkey_list_free(struct pubkey **keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pubkey_free(keys[i]);
	free(keys);
}
