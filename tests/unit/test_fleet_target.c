/* target strings and -H files */
#include "test_support.h"

#include <errno.h>
#include <string.h>

#include "fleet/target.h"

static void check(const char *spec, const char *user, const char *host, unsigned port)
{
	struct target t;
	const char *reason;
	int r = target_parse(spec, &t, &reason);
	if (r < 0)
		fail_msg("%s: %s", spec, reason);
	if (user)
		assert_string_equal(t.user, user);
	else
		assert_null(t.user);
	assert_string_equal(t.host, host);
	assert_int_equal(t.port, port);
	assert_string_equal(t.spec, spec);
	target_clear(&t);
}

static void test_forms(void **state)
{
	check("web1", NULL, "web1", 0);
	check("alice@web1", "alice", "web1", 0);
	check("alice@web1.example.com:2222", "alice", "web1.example.com", 2222);
	check("ssh://deploy@10.0.0.5:22/", "deploy", "10.0.0.5", 22);
	check("ssh://10.0.0.5", NULL, "10.0.0.5", 0);
	check("[2001:db8::1]:2200", NULL, "2001:db8::1", 2200);
	check("root@[::1]", "root", "::1", 0);
	check("2001:db8::1", NULL, "2001:db8::1", 0);
	check("127.0.0.1:40022", NULL, "127.0.0.1", 40022);
}

static void test_refusals(void **state)
{
	static const char *const bad[] = {"",           "@host",  "user@",    "host:0",
					  "host:65536", "host:x", "a;b@host", "host name",
					  "[::1",       "[::1]x", "ho$st",    "u@h:22:"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct target t;
		const char *reason = NULL;
		if (target_parse(bad[i], &t, &reason) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
		assert_non_null(reason);
	}
}

static void test_list_file(void **state)
{
	struct target_list list = {0};
	unsigned long line = 0;
	const char *reason;
	const char *text =
		"# fleet\nweb1\n  alice@web2:2222  # comment\r\n\nweb1\nalice@web2:2222\n";
	assert_int_equal(target_list_add_file(&list, text, strlen(text), &line, &reason), 0);
	assert_int_equal(list.n, 2);
	assert_string_equal(list.items[1].spec, "alice@web2:2222");
	const char *bad = "web3\nweb4 web5\n";
	assert_int_equal(target_list_add_file(&list, bad, strlen(bad), &line, &reason), -EINVAL);
	assert_int_equal(line, 2);
	target_list_free(&list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_list_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
