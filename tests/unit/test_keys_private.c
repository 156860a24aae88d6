/* private keys: every format and cipher ssh-keygen and OpenSSL write, our writer, keygen */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "keys/key_file.h"
#include "keys/keygen.h"
#include "keys/openssh_key_v1.h"
#include "keys/pem_key.h"

#define PW "mekmitasdigoat"

static const char *const vector_keys[] = {
	"ecdsa_1",   "ecdsa_1_pw",   "ecdsa_2",        "ecdsa_n",     "ecdsa_n_pw",
	"ecdsa_sk1", "ecdsa_sk1_pw", "ecdsa_sk2",      "ed25519_1",   "ed25519_1_pw",
	"ed25519_2", "ed25519_sk1",  "ed25519_sk1_pw", "ed25519_sk2", "rsa_1",
	"rsa_1_pw",  "rsa_2",        "rsa_n",          "rsa_n_pw",
};

static const char *const pem_keys[] = {
	"rsa_pkcs8",
	"rsa_pkcs8_pw",
	"ecdsa384_pkcs8",
	"ecdsa384_pkcs8_pw",
	"ecdsa521_sec1",
	"rsa_pkcs1_pw",
	"ecdsa256_pkcs8_pw_sshkeygen",
	"ed25519_pkcs8",
	"ed25519_pkcs8_pw",
};

/* The public key file next to a vector: X_pw and X_n share X's .pub; X_n is X_1's key. */
static void public_file_for(const char *dir, const char *name, char *out, size_t size)
{
	char base[128];
	snprintf(base, sizeof(base), "%s", name);
	char *p = strstr(base, "_pw");
	if (p && !strcmp(dir, "openssh/sshkey"))
		*p = 0;
	size_t n = strlen(base);
	if (n > 2 && !strcmp(base + n - 2, "_n"))
		memcpy(base + n - 2, "_1", 3);
	snprintf(out, size, "%s/%s.pub", dir, base);
}

static struct privkey *load(const char *dir, const char *name, const char *pass, int *ret_err)
{
	char rel[256];
	struct dynbuf b;
	struct privkey *key = NULL;
	snprintf(rel, sizeof(rel), "%s/%s", dir, name);
	read_test_file(rel, &b);
	*ret_err = private_key_read(b.data, b.len, pass, &key);
	dynbuf_free(&b);
	return key;
}

static void check_against_public_file(const char *dir, const char *name, const struct privkey *key)
{
	char rel[256];
	struct dynbuf pub;
	public_file_for(dir, name, rel, sizeof(rel));
	if (try_read_test_file(rel, &pub) < 0) {
		dynbuf_free(&pub);
		return;
	}
	struct dynbuf line;
	dynbuf_init(&line, 8192);
	assert_int_equal(pubkey_format_line(key->pub, NULL, &line), 0);
	/* the .pub may carry a comment after the key */
	if (memcmp(pub.data, line.data, line.len) != 0)
		fail_msg("%s: public key differs from %s", name, rel);
	dynbuf_free(&line);
	dynbuf_free(&pub);
}

static void read_all(const char *dir, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int r;
		bool pw = strstr(names[i], "_pw") != NULL;
		struct privkey *key = load(dir, names[i], pw ? PW : NULL, &r);
		if (r < 0)
			fail_msg("%s: %s", names[i], error_to_string(r));
		check_against_public_file(dir, names[i], key);
		privkey_free(key);
		if (pw) {
			assert_null(load(dir, names[i], NULL, &r));
			assert_int_equal(r, ERR_PASSPHRASE_NEEDED);
			assert_null(load(dir, names[i], "wrong", &r));
			assert_int_equal(r, ERR_PASSPHRASE_WRONG);
		}
	}
}

static void test_openssh_vectors(void **state)
{
	read_all("openssh/sshkey", vector_keys, sizeof(vector_keys) / sizeof(vector_keys[0]));
}

static void test_pem_keys(void **state)
{
	read_all("pem", pem_keys, sizeof(pem_keys) / sizeof(pem_keys[0]));
}

static void test_unknown_type_reported(void **state)
{
	int r;
	assert_null(load("openssh/sshkey", "mldsa44_ed25519_1", NULL, &r));
	assert_int_equal(r, ERR_KEY_TYPE_UNKNOWN);
}

static void test_public_without_passphrase(void **state)
{
	struct dynbuf b;
	struct pubkey *pub;
	char *comment;
	read_test_file("openssh/sshkey/ed25519_1_pw", &b);
	assert_true(private_key_is_encrypted(b.data, b.len));
	assert_int_equal(private_key_read_public(b.data, b.len, &pub, &comment), 0);
	assert_null(comment);
	assert_int_equal(pub->bits, 256);
	pubkey_free(pub);
	dynbuf_free(&b);
	read_test_file("openssh/sshkey/ed25519_1", &b);
	assert_false(private_key_is_encrypted(b.data, b.len));
	assert_int_equal(private_key_read_public(b.data, b.len, &pub, &comment), 0);
	assert_string_equal(comment, "ED25519 test key #1");
	free(comment);
	pubkey_free(pub);
	dynbuf_free(&b);
}

/* Whatever we read, we write back so that it reads again as the same key, encrypted or
 * not; an armour of 70-column lines as ssh-keygen's. */
static void test_write_round_trip(void **state)
{
	for (size_t i = 0; i < sizeof(vector_keys) / sizeof(vector_keys[0]); i++) {
		int r;
		bool pw = strstr(vector_keys[i], "_pw") != NULL;
		struct privkey *key = load("openssh/sshkey", vector_keys[i], pw ? PW : NULL, &r);
		assert_int_equal(r, 0);
		for (int encrypt = 0; encrypt < 2; encrypt++) {
			struct dynbuf out;
			struct privkey *again;
			dynbuf_init(&out, KEY_FILE_MAX);
			assert_int_equal(
				openssh_key_v1_write(key, encrypt ? "new pass" : NULL, 4, &out), 0);
			const char *second = strchr((char *)out.data, '\n') + 1;
			assert_true(strchr(second, '\n') - second <= 70);
			assert_int_equal(private_key_read(out.data, out.len,
							  encrypt ? "new pass" : NULL, &again),
					 0);
			assert_true(pubkey_equal(key->pub, again->pub));
			assert_int_equal(key->fields_len, again->fields_len);
			assert_memory_equal(key->fields, again->fields, key->fields_len);
			assert_string_equal(key->comment, again->comment);
			privkey_free(again);
			dynbuf_free(&out);
		}
		privkey_free(key);
	}
}

static void test_keygen_types(void **state)
{
	static const struct {
		const char *type;
		unsigned bits, want_bits;
		const char *name;
	} cases[] = {
		{"ed25519", 0, 256, "ssh-ed25519"},
		{"rsa", 0, 3072, "ssh-rsa"},
		{"rsa", 2048, 2048, "ssh-rsa"},
		{"ecdsa", 0, 256, "ecdsa-sha2-nistp256"},
		{"ecdsa", 384, 384, "ecdsa-sha2-nistp384"},
		{"ecdsa", 521, 521, "ecdsa-sha2-nistp521"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct privkey *key;
		assert_int_equal(keygen_generate(cases[i].type, cases[i].bits, "me@here", &key), 0);
		assert_string_equal(key->pub->type->name, cases[i].name);
		assert_int_equal(key->pub->bits, cases[i].want_bits);
		assert_string_equal(key->comment, "me@here");
		privkey_free(key);
	}
	struct privkey *key = NULL;
	assert_int_equal(keygen_generate("rsa", 1024, "", &key), ERR_KEY_SIZE);
	assert_int_equal(keygen_generate("rsa", 16385, "", &key), ERR_KEY_SIZE);
	assert_int_equal(keygen_generate("ecdsa", 512, "", &key), ERR_BITS);
	assert_null(key);
}

/* Every truncation and every single-byte corruption of a real key file is refused or
 * read, never a crash; tests run under ASan in CI. */
static void test_damaged_files(void **state)
{
	static const char *const names[] = {"openssh/sshkey/ed25519_1", "openssh/sshkey/rsa_1",
					    "pem/ecdsa521_sec1"};
	for (size_t k = 0; k < 3; k++) {
		struct dynbuf b;
		read_test_file(names[k], &b);
		for (size_t cut = 0; cut + 1 < b.len;
		     cut += 7) { /* the final newline is optional */
			struct privkey *key = NULL;
			int r = private_key_read(b.data, cut, NULL, &key);
			assert_true(r < 0);
			assert_null(key);
		}
		for (size_t i = 0; i < b.len; i += 3) {
			struct privkey *key = NULL;
			uint8_t saved = b.data[i];
			b.data[i] ^= 0x41;
			if (private_key_read(b.data, b.len, NULL, &key) == 0)
				privkey_free(key);
			b.data[i] = saved;
		}
		dynbuf_free(&b);
	}
}

static void test_garbage(void **state)
{
	static const char *const inputs[] = {
		"",
		"-----BEGIN OPENSSH PRIVATE KEY-----\n",
		"-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
		"-----BEGIN OPENSSH PRIVATE KEY-----\n!!!!\n-----END OPENSSH PRIVATE KEY-----\n",
		"-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n",
		"ssh-ed25519 AAAA",
	};
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		struct privkey *key = NULL;
		assert_true(private_key_read((const uint8_t *)inputs[i], strlen(inputs[i]), "x",
					     &key) < 0);
		assert_null(key);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openssh_vectors),
		cmocka_unit_test(test_pem_keys),
		cmocka_unit_test(test_unknown_type_reported),
		cmocka_unit_test(test_public_without_passphrase),
		cmocka_unit_test(test_write_round_trip),
		cmocka_unit_test(test_keygen_types),
		cmocka_unit_test(test_damaged_files),
		cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
