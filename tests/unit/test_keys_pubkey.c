/* public key lines, blobs, fingerprints and randomart against OpenSSH's vectors and
 * ssh-keygen's recorded output */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/error.h"
#include "keys/fingerprint.h"
#include "keys/pubkey.h"

static const char *const vector_keys[] = {
	"ecdsa_1",         "ecdsa_1-cert",     "ecdsa_2",
	"ecdsa_sk1",       "ecdsa_sk1-cert",   "ecdsa_sk2",
	"ed25519_1",       "ed25519_1-cert",   "ed25519_2",
	"ed25519_sk1",     "ed25519_sk1-cert", "ed25519_sk2",
	"rsa_1",           "rsa_1-cert",       "rsa_1_sha1",
	"rsa_1_sha1-cert", "rsa_1_sha512",     "rsa_1_sha512-cert",
	"rsa_2",
};

/* name: a vector of openssh/sshkey, or a path under the test data with a '/' */
static struct pubkey *parse_pub_file(const char *name, char **ret_comment)
{
	char rel[256];
	if (strchr(name, '/'))
		snprintf(rel, sizeof(rel), "%s.pub", name);
	else
		snprintf(rel, sizeof(rel), "openssh/sshkey/%s.pub", name);
	char *line = read_test_line(rel);
	struct pubkey *key;
	size_t end;
	int r = pubkey_parse_text(line, strlen(line), &key, &end);
	if (r < 0)
		fail_msg("%s: %s", name, error_to_string(r));
	while (line[end] == ' ')
		end++;
	*ret_comment = strdup(line + end);
	free(line);
	return key;
}

static void test_fingerprints_match_vectors(void **state)
{
	for (size_t i = 0; i < sizeof(vector_keys) / sizeof(vector_keys[0]); i++) {
		char *comment, rel[256];
		struct pubkey *key = parse_pub_file(vector_keys[i], &comment);
		snprintf(rel, sizeof(rel), "openssh/sshkey/%s.fp", vector_keys[i]);
		struct dynbuf fpfile;
		/* X-cert.fp exists only for some certificates; they equal X.fp */
		if (try_read_test_file(rel, &fpfile) == 0) {
			struct dynbuf fp;
			dynbuf_init(&fp, 256);
			assert_int_equal(fingerprint_format(key, FINGERPRINT_SHA256, &fp), 0);
			size_t n = strcspn((char *)fpfile.data, "\n");
			assert_int_equal(fp.len, n);
			assert_memory_equal(fp.data, fpfile.data, n);
			dynbuf_free(&fp);
		}
		dynbuf_free(&fpfile);
		pubkey_free(key);
		free(comment);
	}
}

/* a key whose randomart saturates cells at '^' (14 visits), recorded from ssh-keygen */
#define SATURATED_KEY "expected/saturated"

static void check_listing(enum fingerprint_hash hash, const char *suffix)
{
	size_t n = sizeof(vector_keys) / sizeof(vector_keys[0]);
	for (size_t i = 0; i <= n; i++) {
		const char *name = i < n ? vector_keys[i] : SATURATED_KEY;
		char *comment, rel[256];
		struct pubkey *key = parse_pub_file(name, &comment);
		struct dynbuf want, got;
		if (i < n)
			snprintf(rel, sizeof(rel), "expected/%s.%s", name, suffix);
		else
			snprintf(rel, sizeof(rel), "%s.%s", name, suffix);
		read_test_file(rel, &want);
		dynbuf_init(&got, 4096);
		assert_int_equal(
			fingerprint_listing(key, hash, comment, strlen(comment), true, &got), 0);
		if (got.len != want.len || memcmp(got.data, want.data, got.len) != 0)
			fail_msg("%s differs from ssh-keygen:\n%s\n---\n%s", name, got.data,
				 want.data);
		dynbuf_free(&got);
		dynbuf_free(&want);
		pubkey_free(key);
		free(comment);
	}
}

static void test_listing_sha256_matches_ssh_keygen(void **state)
{
	check_listing(FINGERPRINT_SHA256, "lv");
}

static void test_listing_md5_matches_ssh_keygen(void **state)
{
	check_listing(FINGERPRINT_MD5, "lv-md5");
}

static void test_cert_fingerprints_as_its_key(void **state)
{
	char *c1, *c2;
	struct pubkey *key = parse_pub_file("ed25519_1", &c1);
	struct pubkey *cert = parse_pub_file("ed25519_1-cert", &c2);
	assert_true(cert->type->cert);
	assert_true(pubkey_same_key(key, cert));
	assert_false(pubkey_equal(key, cert));
	pubkey_free(key);
	pubkey_free(cert);
	free(c1);
	free(c2);
}

static void test_bad_lines(void **state)
{
	static const struct {
		const char *line;
		int error;
	} cases[] = {
		{"", ERR_NOT_A_KEY},
		{"ssh-ed25519", ERR_NOT_A_KEY},
		{"ssh-foo AAAA", ERR_KEY_TYPE_UNKNOWN},
		{"2048 65537 1234567 comment", ERR_SSH1_KEY},
		{"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPWDSnKp3ixCSYp1jyKcOKp0s0aEmmlyDnSPl8GJJOY",
		 ERR_BASE64},
		{"ssh-ed25519 AAAATgAAAAdz", ERR_TRUNCATED},
		/* ed25519 blob labelled as rsa */
		{"ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIPWDSnKp3ixCSYp1jyKcOKp0s0aEmmlyDnSPl8GJJOYC",
		 ERR_KEY_TYPE_MISMATCH},
		/* trailing byte after the key */
		{"ssh-ed25519 "
		 "AAAAC3NzaC1lZDI1NTE5AAAAIPWDSnKp3ixCSYp1jyKcOKp0s0aEmmlyDnSPl8GJJOYCAA==",
		 ERR_TRAILING},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pubkey *key = NULL;
		int r = pubkey_parse_text(cases[i].line, strlen(cases[i].line), &key, NULL);
		if (r != cases[i].error)
			fail_msg("case %zu: got %d (%s), want %d", i, r, error_to_string(r),
				 cases[i].error);
		assert_null(key);
	}
}

static void test_format_round_trip(void **state)
{
	char *comment;
	struct pubkey *key = parse_pub_file("rsa_2", &comment);
	struct dynbuf out;
	dynbuf_init(&out, 4096);
	assert_int_equal(pubkey_format_line(key, comment, &out), 0);
	char *line = read_test_line("openssh/sshkey/rsa_2.pub");
	assert_string_equal((char *)out.data, line);
	assert_int_equal(key->bits, 2048);
	free(line);
	dynbuf_free(&out);
	pubkey_free(key);
	free(comment);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fingerprints_match_vectors),
		cmocka_unit_test(test_listing_sha256_matches_ssh_keygen),
		cmocka_unit_test(test_listing_md5_matches_ssh_keygen),
		cmocka_unit_test(test_cert_fingerprints_as_its_key),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_format_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
