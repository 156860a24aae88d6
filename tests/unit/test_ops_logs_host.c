/* The header of a server's logs answer: what our helper writes is read, anything else is
 * refused; the length counts the token's line; a header not whole yet says so. */
#include <string.h>

#include "base/error.h"
#include "ops/logs_host.h"
#include "test_support.h"

#define TOKEN "0123456789abcdef0123456789abcdef"

static int parse(const char *text, struct logs_result *res, size_t *len)
{
	logs_result_clear(res);
	logs_result_init(res);
	return logs_header_parse(text, strlen(text), TOKEN, res, len);
}

static void test_header(void **state)
{
	struct logs_result res;
	size_t len = 99;
	(void)state;
	logs_result_init(&res);
	const char *good = "logs 1\nuid 0\nharden 20261130T210030Z-1-harden\nsource "
			   "/var/log/auth.log\nformat gzip\n" TOKEN "\n\x1f\x8b";
	assert_int_equal(parse(good, &res, &len), 0);
	assert_int_equal(len, strlen(good) - 2);
	assert_string_equal(res.source, "/var/log/auth.log");
	assert_string_equal(res.harden_dir, "20261130T210030Z-1-harden");
	assert_int_equal(res.uid, 0);
	assert_int_equal(parse("logs 1\nuid 1000\nsource unreadable /var/log/secure\nformat "
			       "plain\n" TOKEN "\n",
			       &res, &len),
			 0);
	assert_string_equal(res.source, "unreadable /var/log/secure");
	assert_int_equal(res.uid, 1000);
	/* not whole yet: 0, no length */
	assert_int_equal(parse("logs 1\nuid 0\nsource journal\n", &res, &len), 0);
	assert_int_equal(len, 0);
	static const char *const bad[] = {
		"logs 2\n",
		"Last login: today\nlogs 1\n",
		"logs 1\nuid -1\n",
		"logs 1\nharden ../../etc\n",
		"logs 1\nharden 20261130T210030Z-1-harden-x\n",
		"logs 1\nsource a b\n",
		"logs 1\nformat zstd\n",
		"logs 1\nsource journal\n" TOKEN "\n", /* no format */
		"logs 1\nwhat 1\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i], &res, &len), ERR_FORMAT);
	logs_result_clear(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
