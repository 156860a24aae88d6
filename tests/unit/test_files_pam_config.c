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

/* edit(text) with the view of the result; the result NUL-terminated in out */
static void edit_and_view(const char *text, const struct loader *l, bool enforce,
			  struct dynbuf *out, struct pam_auth_view *v)
{
	struct diag d = {{0}};
	dynbuf_reset(out);
	assert_int_equal(pam_config_totp_edit(text, strlen(text), "sshd", enforce, out, &d), 0);
	assert_int_equal(dynbuf_append_byte(out, 0), 0);
	out->len--;
	assert_int_equal(view_of((const char *)out->data, l, v, &d), 0);
}

static void test_totp_edit(void **state)
{
	static const char header[] = "# sshkeyctl mfa: after the key, a TOTP code "
				     "(pam_google_authenticator), not the password\n";
	struct loader deb = {"debian12", NULL, NULL}, rhel = {"rhel9", NULL, NULL};
	const struct loader *loaders[] = {&deb, &rhel};
	const char *files[] = {"pam/debian12/sshd", "pam/rhel9/sshd"};
	const char *steps[] = {"@include common-auth\n", "auth       substack     password-auth\n"};
	struct pam_auth_view v;
	struct dynbuf orig, once, twice, back;
	(void)state;
	dynbuf_init(&once, 1 << 20);
	dynbuf_init(&twice, 1 << 20);
	dynbuf_init(&back, 1 << 20);
	for (size_t i = 0; i < 2; i++) {
		read_test_file(files[i], &orig);
		assert_int_equal(dynbuf_append_byte(&orig, 0), 0);
		orig.len--;
		const char *o = (const char *)orig.data;
		/* rollout: the code (nullok) then pam_permit, the password gone */
		edit_and_view(o, loaders[i], false, &once, &v);
		assert_false(v.asks_password);
		assert_true(v.asks_totp && v.totp_nullok);
		char want[512];
		snprintf(want, sizeof(want),
			 "# sshkeyctl: %s%sauth required pam_google_authenticator.so nullok\n"
			 "auth required pam_permit.so\n",
			 steps[i], header);
		assert_non_null(strstr((const char *)once.data, want));
		assert_int_equal(once.len, orig.len + strlen(want) - strlen(steps[i]));
		/* again: the same (no second block) */
		edit_and_view((const char *)once.data, loaders[i], false, &twice, &v);
		assert_int_equal(twice.len, once.len);
		assert_memory_equal(twice.data, once.data, once.len);
		/* enforce: no nullok, no pam_permit, still one block */
		edit_and_view((const char *)once.data, loaders[i], true, &twice, &v);
		assert_true(v.asks_totp && !v.totp_nullok && !v.asks_password);
		assert_null(strstr((const char *)twice.data, "pam_permit"));
		/* undone: byte for byte the original, from either */
		bool changed = false;
		dynbuf_reset(&back);
		assert_int_equal(pam_config_totp_unedit((const char *)twice.data, twice.len, &back,
							&changed),
				 0);
		assert_true(changed);
		assert_int_equal(back.len, orig.len);
		assert_memory_equal(back.data, orig.data, orig.len);
		dynbuf_reset(&back);
		assert_int_equal(pam_config_totp_unedit(o, orig.len, &back, &changed), 0);
		assert_false(changed);
		assert_memory_equal(back.data, orig.data, orig.len);
		dynbuf_free(&orig);
	}
	/* nowhere to put it: refused, naming the file */
	struct diag d = {{0}};
	dynbuf_reset(&once);
	assert_int_equal(
		pam_config_totp_edit("auth required pam_unix.so\n", 26, "sshd", false, &once, &d),
		ERR_FORMAT);
	assert_non_null(strstr(d.text, "sshd: no \"@include common-auth\""));
	static const char continued[] = "@include common-auth \\\n  x\n";
	assert_int_equal(
		pam_config_totp_edit(continued, strlen(continued), "sshd", false, &once, &d),
		ERR_FORMAT);
	/* someone's line that starts with the marker (not before our header): kept as it is */
	static const char theirs[] = "# sshkeyctl: a note of theirs\n@include common-auth\n";
	dynbuf_reset(&once);
	assert_int_equal(pam_config_totp_edit(theirs, strlen(theirs), "sshd", false, &once, &d), 0);
	assert_int_equal(dynbuf_append_byte(&once, 0), 0);
	assert_non_null(strstr((const char *)once.data, "# sshkeyctl: a note of theirs\n"));
	once.len--;
	dynbuf_reset(&back);
	bool undone = false;
	assert_int_equal(pam_config_totp_unedit((const char *)once.data, once.len, &back, &undone),
			 0);
	assert_true(undone);
	assert_int_equal(back.len, strlen(theirs));
	assert_memory_equal(back.data, theirs, strlen(theirs));
	/* no newline at the end: kept so */
	static const char last[] = "@include common-auth\nsession required pam_limits.so";
	dynbuf_reset(&once);
	assert_int_equal(pam_config_totp_edit(last, strlen(last), "sshd", true, &once, &d), 0);
	bool changed = false;
	dynbuf_reset(&back);
	assert_int_equal(pam_config_totp_unedit((const char *)once.data, once.len, &back, &changed),
			 0);
	assert_int_equal(back.len, strlen(last));
	assert_memory_equal(back.data, last, strlen(last));
	dynbuf_free(&once);
	dynbuf_free(&twice);
	dynbuf_free(&back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distributions),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_totp_edit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
