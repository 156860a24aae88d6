/* bcrypt_pbkdf against OpenBSD's published regression vectors */
#include "test_support.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "keys/bcrypt_pbkdf.h"

struct vector {
	const char *pass;
	size_t pass_len;
	const char *salt;
	size_t salt_len;
	unsigned rounds;
	const char *hex;
};

static const char lorem[] =
	"Lorem ipsum dolor sit amet, consectetur adipisicing elit, "
	"sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. "
	"Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris "
	"nisi ut aliquip ex ea commodo consequat. "
	"Duis aute irure dolor in reprehenderit in voluptate velit esse cillum "
	"dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non "
	"proident, sunt in culpa qui officia deserunt mollit anim id est laborum.";

static const struct vector vectors[] = {
	{"password", 8, "salt", 4, 4,
	 "5bbf0cc293587f1c3635555c27796598d47e579071bf427e9d8fbe842aba34d9"},
	{"password", 8, "\0", 1, 4, "c12b566235eee04c212598970a579a67"},
	{"\0", 1, "salt", 4, 4, "6051be18c2f4f82cbf0efee5471b4bb9"},
	{"password\0", 9, "salt\0", 5, 4,
	 "7410e44cf4fa07bfaac8a928b1727fac001375e7bf7384370f48efd121743050"},
	{"pass\0wor", 8, "sa\0l", 4, 4, "c2bffd9db38f6569efef4372f4de83c0"},
	{"pass\0word", 9, "sa\0lt", 5, 4, "4ba4ac3925c0e8d7f0cdb6bb1684a56f"},
	{"password", 8, "salt", 4, 8,
	 "e1367ec5151a33faac4cc1c144cd23fa15d5548493ecc99b9b5d9c0d3b27bec76227ea66088b849b20ab"
	 "7aa478010246e74bba51723fefa9f9474d6508845e8d"},
	{"password", 8, "salt", 4, 42, "833cf0dcf56db65608e8f0dc0ce882bd"},
	{lorem, sizeof(lorem) - 1, "salis\0", 6, 8, "10978b07253df57f71a162eb0e8ad30a"},
};

static void test_vectors(void **state)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];
		size_t n = strlen(v->hex) / 2;
		uint8_t want[128], got[128];
		for (size_t k = 0; k < n; k++) {
			unsigned byte;
			assert_int_equal(sscanf(v->hex + 2 * k, "%2x", &byte), 1);
			want[k] = (uint8_t)byte;
		}
		assert_int_equal(bcrypt_pbkdf(v->pass, v->pass_len, (const uint8_t *)v->salt,
					      v->salt_len, got, n, v->rounds),
				 0);
		assert_memory_equal(got, want, n);
	}
}

static void test_refusals(void **state)
{
	uint8_t key[32];
	assert_int_equal(bcrypt_pbkdf("p", 1, (const uint8_t *)"s", 1, key, sizeof(key), 0),
			 -EINVAL);
	assert_int_equal(bcrypt_pbkdf("", 0, (const uint8_t *)"s", 1, key, sizeof(key), 4),
			 -EINVAL);
	assert_int_equal(bcrypt_pbkdf("p", 1, (const uint8_t *)"", 0, key, sizeof(key), 4),
			 -EINVAL);
	assert_int_equal(bcrypt_pbkdf("p", 1, (const uint8_t *)"s", 1, key, 0, 4), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
