/* TOTP and its parts against their standards and an independent implementation: base32 with
 * RFC 4648's vectors (and what a strict decoder refuses), HOTP with RFC 4226's, TOTP with
 * RFC 6238's (SHA-1, SHA-256, SHA-512, 8 digits), then random secrets and times against
 * oathtool (Debian's oath-toolkit) when it is installed. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/base32.h"
#include "base/error.h"
#include "base/random.h"
#include "base/totp.h"
#include "test_support.h"

extern char **environ;

static void test_base32(void **state)
{
	static const char *const vectors[][3] = {
		{"", "", ""},
		{"f", "MY", "MY======"},
		{"fo", "MZXQ", "MZXQ===="},
		{"foo", "MZXW6", "MZXW6==="},
		{"foob", "MZXW6YQ", "MZXW6YQ="},
		{"fooba", "MZXW6YTB", "MZXW6YTB"},
		{"foobar", "MZXW6YTBOI", "MZXW6YTBOI======"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		struct dynbuf b;
		dynbuf_init(&b, 1024);
		assert_int_equal(
			base32_encode(&b, (const uint8_t *)vectors[i][0], strlen(vectors[i][0])),
			0);
		assert_int_equal(b.len, strlen(vectors[i][1]));
		assert_memory_equal(b.data, vectors[i][1], b.len);
		for (int padded = 1; padded <= 2; padded++) {
			dynbuf_reset(&b);
			assert_int_equal(
				base32_decode(&b, vectors[i][padded], strlen(vectors[i][padded])),
				0);
			assert_int_equal(b.len, strlen(vectors[i][0]));
			if (b.len)
				assert_memory_equal(b.data, vectors[i][0], b.len);
		}
		dynbuf_free(&b);
	}
	/* lower case, a symbol outside the alphabet, a length no encoding has, padding in the
	 * middle or too much of it, bits left over that are not zero */
	static const char *const bad[] = {"my",       "M1",        "M",  "MZX", "MZXW6Y",
					  "M=Y=====", "MY=======", "MZ", "MY=", "MZXW6YTBOJ"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct dynbuf b;
		dynbuf_init(&b, 1024);
		assert_int_equal(base32_decode(&b, bad[i], strlen(bad[i])), ERR_FORMAT);
		dynbuf_free(&b);
	}
}

static void test_hotp_rfc4226(void **state)
{
	static const uint32_t codes[] = {755224, 287082, 359152, 969429, 338314,
					 254676, 287922, 162583, 399871, 520489};
	const uint8_t *secret = (const uint8_t *)"12345678901234567890";
	(void)state;
	for (uint64_t c = 0; c < 10; c++) {
		uint32_t code;
		assert_int_equal(hotp_code(TOTP_SHA1, secret, 20, c, 6, &code), 0);
		assert_int_equal(code, codes[c]);
	}
	uint32_t code;
	assert_int_equal(hotp_code(TOTP_SHA1, secret, 20, 0, 5, &code), -EINVAL);
	assert_int_equal(hotp_code(TOTP_SHA1, secret, 0, 0, 6, &code), -EINVAL);
}

static void test_totp_rfc6238(void **state)
{
	static const struct {
		long long t;
		uint32_t sha1, sha256, sha512;
	} v[] = {
		{59, 94287082, 46119246, 90693936},
		{1111111109, 7081804, 68084774, 25091201},
		{1111111111, 14050471, 67062674, 99943326},
		{1234567890, 89005924, 91819424, 93441116},
		{2000000000, 69279037, 90698825, 38618901},
		{20000000000LL, 65353130, 77737706, 47863826},
	};
	const uint8_t *s1 = (const uint8_t *)"12345678901234567890";
	const uint8_t *s256 = (const uint8_t *)"12345678901234567890123456789012";
	const uint8_t *s512 =
		(const uint8_t *)"1234567890123456789012345678901234567890123456789012"
				 "345678901234";
	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint32_t c;
		assert_int_equal(totp_code(TOTP_SHA1, s1, 20, v[i].t, 30, 8, &c), 0);
		assert_int_equal(c, v[i].sha1);
		assert_int_equal(totp_code(TOTP_SHA256, s256, 32, v[i].t, 30, 8, &c), 0);
		assert_int_equal(c, v[i].sha256);
		assert_int_equal(totp_code(TOTP_SHA512, s512, 64, v[i].t, 30, 8, &c), 0);
		assert_int_equal(c, v[i].sha512);
	}
}

/* oathtool's code for secret (base32) at t: its own argv, no shell */
static long oathtool(const char *secret, long long t)
{
	char when[32], out[64] = "";
	int pipefd[2];
	snprintf(when, sizeof(when), "@%lld", t);
	const char *argv[] = {"oathtool", "--totp", "-b", "-N", when, secret, NULL};
	if (pipe(pipefd) < 0)
		return -1;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, pipefd[0]);
	pid_t pid;
	int r = posix_spawnp(&pid, "oathtool", &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	ssize_t n = r == 0 ? read(pipefd[0], out, sizeof(out) - 1) : -1;
	close(pipefd[0]);
	if (r == 0)
		waitpid(pid, NULL, 0);
	return n > 0 ? strtol(out, NULL, 10) : -1;
}

static void test_against_oathtool(void **state)
{
	(void)state;
	if (access("/usr/bin/oathtool", X_OK) < 0) {
		skip();
		return;
	}
	for (int i = 0; i < 20; i++) {
		uint8_t secret[TOTP_SECRET_BYTES];
		uint32_t t32, c;
		struct dynbuf b;
		assert_int_equal(random_bytes(secret, sizeof(secret)), 0);
		assert_int_equal(random_bytes(&t32, sizeof(t32)), 0);
		dynbuf_init(&b, 1024);
		assert_int_equal(base32_encode(&b, secret, sizeof(secret)), 0);
		assert_int_equal(dynbuf_append_byte(&b, 0), 0);
		assert_int_equal(totp_code(TOTP_SHA1, secret, sizeof(secret), t32, 30, 6, &c), 0);
		assert_int_equal(oathtool((const char *)b.data, t32), (long)c);
		dynbuf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base32),
		cmocka_unit_test(test_hotp_rfc4226),
		cmocka_unit_test(test_totp_rfc6238),
		cmocka_unit_test(test_against_oathtool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
