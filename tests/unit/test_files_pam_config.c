/* PAM service files: Debian 12's sshd stack (copied from the machine) and RHEL 9's layout
 * (authselect's), what asks the password and what asks a TOTP code, includes followed
 * (@include, include, substack; a missing one skipped as PAM skips it); continuation lines,
 * comments; errors with file:line; includes that are paths or nest without end refused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files/pam_config.h"
#include "test_support.h"

/* included files from tests/data/pam/DIR, or the extra text given for one name */
struct loader {
	const char *dir;
	const char *extra_name, *extra_text;
};

static int load(const char *name, char **ret_text, size_t *ret_len, void *arg)
{
	const struct loader *l = arg;
	if (l->extra_name && !strcmp(name, l->extra_name)) {
		*ret_text = strdup(l->extra_text);
		*ret_len = strlen(l->extra_text);
		return *ret_text ? 0 : -ENOMEM;
	}
	char rel[256];
	struct dynbuf b;
	snprintf(rel, sizeof(rel), "pam/%s/%s", l->dir, name);
	if (try_read_test_file(rel, &b) < 0) {
		dynbuf_free(&b);
		return -ENOENT;
	}
	*ret_len = b.len;
	*ret_text = strndup(b.len ? (const char *)b.data : "", b.len);
	dynbuf_free(&b);
	return 0;
}

static int view_of(const char *text, const struct loader *l, struct pam_auth_view *v,
		   struct diag *d)
{
	struct pam_config c;
	memset(d, 0, sizeof(*d));
	int r = pam_config_parse(text, strlen(text), "sshd", &c, d);
	if (r == 0) {
		r = pam_auth_view(&c, "sshd", load, (void *)l, v, d);
		pam_config_clear(&c);
	}
	return r;
}

static void test_distributions(void **state)
{
	struct pam_auth_view v;
	struct diag d;
	struct dynbuf b;
	struct loader deb = {"debian12", NULL, NULL}, rhel = {"rhel9", NULL, NULL};
	(void)state;
	read_test_file("pam/debian12/sshd", &b);
	assert_int_equal(dynbuf_append_byte(&b, 0), 0);
	assert_int_equal(view_of((const char *)b.data, &deb, &v, &d), 0);
	assert_true(v.asks_password);
	assert_false(v.asks_totp);
	assert_string_equal(v.password_at, "common-auth:17");
	dynbuf_free(&b);
	read_test_file("pam/rhel9/sshd", &b);
	assert_int_equal(dynbuf_append_byte(&b, 0), 0);
	assert_int_equal(view_of((const char *)b.data, &rhel, &v, &d), 0);
	assert_true(v.asks_password);
	assert_string_equal(v.password_at, "password-auth:10");
	dynbuf_free(&b);
	/* the code after the key, the password's include gone */
	assert_int_equal(
		view_of("# @include common-auth\nauth required pam_google_authenticator.so "
			"nullok\naccount required pam_nologin.so\n@include common-account\n",
			&deb, &v, &d),
		0);
	assert_false(v.asks_password);
	assert_true(v.asks_totp);
	assert_true(v.totp_nullok);
	assert_string_equal(v.totp_at, "sshd:2");
	/* a continued line, a path to the module, a dash rule */
	assert_int_equal(view_of("auth [success=1 \\\n default=ignore] "
				 "/lib/x86_64-linux-gnu/security/pam_google_authenticator.so \\\n"
				 "  secret=/etc/x\n-auth optional pam_unix.so\n",
				 &deb, &v, &d),
			 0);
	assert_true(v.asks_totp && !v.totp_nullok && v.asks_password);
	assert_string_equal(v.totp_at, "sshd:1");
	assert_string_equal(v.password_at, "sshd:4");
}

static void test_errors(void **state)
{
	struct pam_auth_view v;
	struct diag d;
	struct loader loop = {"none", "loop", "auth include loop\n"};
	(void)state;
	static const struct {
		const char *text, *why;
	} bad[] = {
		{"auth required\n", "sshd:1: not a PAM rule"},
		{"# ok\nauthx required pam_unix.so\n", "sshd:2: not a PAM rule"},
		{"auth [success=1 pam_unix.so\n", "sshd:1: not a PAM rule"},
		{"@include\n", "sshd:1: not a PAM rule"},
		{"auth include /etc/shadow\n", "sshd:1: an include that is a path"},
		{"auth include loop\n", "loop:1: includes nested deeper than 8"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(view_of(bad[i].text, &loop, &v, &d), ERR_FORMAT);
		if (strncmp(d.text, bad[i].why, strlen(bad[i].why)))
			fail_msg("%s: %s", bad[i].text, d.text);
	}
	/* a missing include is skipped, as PAM does */
	assert_int_equal(view_of("auth include nothing-here\n", &loop, &v, &d), 0);
	assert_false(v.asks_password);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distributions),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
