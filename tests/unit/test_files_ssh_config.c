/* The ssh_config scan that decides whether one `ssh -G` answers for every host: anything
 * that can tell hosts apart makes it host-dependent; Include arguments are listed. */
#include "test_support.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "files/ssh_config.h"

static bool dependent(const char *text)
{
	struct ssh_config_scan s;
	assert_int_equal(ssh_config_scan(text, strlen(text), &s), 0);
	bool d = s.host_dependent;
	ssh_config_scan_clear(&s);
	return d;
}

static void test_host_dependence(void **state)
{
	(void)state;
	/* Debian's /etc/ssh/ssh_config: global settings only */
	assert_false(dependent("Include /etc/ssh/ssh_config.d/*.conf\nHost *\n    SendEnv LANG "
			       "LC_*\n    HashKnownHosts yes\n"));
	assert_false(dependent("Port 2222\nUser deploy\n# Host web1\n\nMatch all\n"));
	assert_false(dependent("host=*\nCanonicalizeHostname no\n"));
	assert_true(dependent("Host web1\n  Port 2222\n"));
	assert_true(dependent("Host * !bastion\n"));
	assert_true(dependent("HOST \"*\" web\n"));
	assert_true(dependent("Match host *.example\n"));
	assert_true(dependent("Match all exec true\n"));
	assert_true(dependent("match final\n"));
	assert_true(dependent("CanonicalizeHostname yes\n"));
	assert_true(dependent("IdentityFile ~/.ssh/%h.key\n"));
	assert_true(dependent("UserKnownHostsFile=~/.ssh/known_hosts_%n\n"));
	assert_false(dependent("Host\n")); /* no pattern: matches nothing, depends on nothing */
}

static void test_includes_and_algorithms(void **state)
{
	(void)state;
	const char *text = "Include ~/.ssh/conf.d/*.conf \"with space.conf\"\n"
			   "include=other\nKexAlgorithms -diffie-hellman-group14-sha256\n";
	struct ssh_config_scan s;
	assert_int_equal(ssh_config_scan(text, strlen(text), &s), 0);
	assert_false(s.host_dependent);
	assert_true(s.sets_algorithms);
	assert_int_equal(s.n_includes, 3);
	assert_string_equal(s.includes[0], "~/.ssh/conf.d/*.conf");
	assert_string_equal(s.includes[1], "with space.conf");
	assert_string_equal(s.includes[2], "other");
	ssh_config_scan_clear(&s);
	assert_int_equal(ssh_config_scan("Ciphers aes128-ctr", 18, &s), 0);
	assert_true(s.sets_algorithms);
	ssh_config_scan_clear(&s);
	assert_int_equal(ssh_config_scan("IdentityFile ~/.ssh/id", 22, &s), 0);
	assert_false(s.sets_algorithms);
	ssh_config_scan_clear(&s);
}

static char *added(const char *text, const char *alias, int *ret)
{
	static const struct ssh_config_setting settings[] = {{"HostName", "10.0.0.5"},
							     {"IdentityFile", "/home/a b/.ssh/id"}};
	struct dynbuf out;
	dynbuf_init(&out, 1 << 20);
	*ret = ssh_config_add_host(text, strlen(text), alias, settings, 2, &out);
	dynbuf_append(&out, "", 1);
	char *s = strdup((const char *)out.data);
	dynbuf_free(&out);
	return s;
}

static void test_add_host(void **state)
{
	(void)state;
	int r;
	char *s = added("User me\n# Host web\nHost *\n  Port 22\n", "web", &r);
	assert_int_equal(r, 0);
	assert_string_equal(s, "User me\n# Host web\nHost web\n\tHostName 10.0.0.5\n"
			       "\tIdentityFile \"/home/a b/.ssh/id\"\n\nHost *\n  Port 22\n");
	free(s);
	s = added("User me", "web", &r); /* no block, no final newline */
	assert_int_equal(r, 0);
	assert_string_equal(s, "User me\n\nHost web\n\tHostName 10.0.0.5\n"
			       "\tIdentityFile \"/home/a b/.ssh/id\"\n");
	free(s);
	s = added("", "web", &r);
	assert_int_equal(r, 0);
	assert_string_equal(
		s, "Host web\n\tHostName 10.0.0.5\n\tIdentityFile \"/home/a b/.ssh/id\"\n");
	free(s);
	free(added("Match all\nHost db \"web\"\n", "web", &r));
	assert_int_equal(r, -EEXIST);
	free(added("host=web\n", "web", &r));
	assert_int_equal(r, -EEXIST);
	free(added("", "web*", &r));
	assert_int_equal(r, -EINVAL);
	free(added("", "a\nHost b", &r));
	assert_int_equal(r, -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_dependence),
		cmocka_unit_test(test_includes_and_algorithms),
		cmocka_unit_test(test_add_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
