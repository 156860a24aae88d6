/* ~/.google_authenticator: files the module's own tool wrote (kept in tests/data, and made
 * fresh when the tool is installed) read and written back byte for byte; the module's state
 * (DISALLOW_REUSE stamps, RATE_LIMIT's) read; anything else refused with its line. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/file_io.h"
#include "base/base32.h"
#include "files/google_authenticator.h"
#include "files/otpauth.h"
#include "test_support.h"

extern char **environ;

static void round_trip(const struct dynbuf *text, const char *name)
{
	struct ga_file f;
	struct diag d = {{0}};
	struct dynbuf out;
	int r = ga_file_parse((const char *)text->data, text->len, name, &f, &d);
	if (r < 0)
		fail_msg("%s: %s", name, d.text);
	assert_true(f.totp);
	dynbuf_init(&out, GA_FILE_MAX);
	assert_int_equal(ga_file_write(&f, &out), 0);
	assert_int_equal(out.len, text->len);
	assert_memory_equal(out.data, text->data, text->len);
	dynbuf_free(&out);
}

static void test_tool_files(void **state)
{
	static const char *const files[] = {"google_authenticator/tool_t_d_r3_R30_w3",
					    "google_authenticator/tool_t_D_u_W_S60_e10",
					    "google_authenticator/tool_t_d_S60_w5_r3_R30_e2"};
	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct dynbuf b;
		dynbuf_init(&b, GA_FILE_MAX + 1);
		read_test_file(files[i], &b);
		round_trip(&b, files[i]);
		dynbuf_free(&b);
	}
	struct dynbuf b;
	struct ga_file f;
	struct diag d = {{0}};
	dynbuf_init(&b, GA_FILE_MAX + 1);
	read_test_file("google_authenticator/tool_t_d_S60_w5_r3_R30_e2", &b);
	assert_int_equal(ga_file_parse((const char *)b.data, b.len, "x", &f, &d), 0);
	assert_int_equal(f.step, 60);
	assert_int_equal(f.window, 5);
	assert_int_equal(f.rate_n, 3);
	assert_int_equal(f.rate_m, 30);
	assert_true(f.disallow_reuse);
	assert_int_equal(f.n_scratch, 2);
	assert_int_equal(f.secret_len, 16);
	dynbuf_free(&b);
}

/* fresh files from the tool, when it is here */
static void test_tool_fresh(void **state)
{
	(void)state;
	if (access("/usr/bin/google-authenticator", X_OK) < 0) {
		skip();
		return;
	}
	char dir[] = "/tmp/sshkeyctl-ga-XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ga", dir);
	for (int i = 0; i < 5; i++) {
		const char *argv[] = {"google-authenticator",
				      "-t",
				      "-d",
				      "-f",
				      "-r",
				      "3",
				      "-R",
				      "30",
				      "-w",
				      "3",
				      "-q",
				      "-s",
				      path,
				      NULL};
		pid_t pid;
		int st;
		unlink(path);
		assert_int_equal(posix_spawn(&pid, "/usr/bin/google-authenticator", NULL, NULL,
					     (char *const *)argv, environ),
				 0);
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_int_equal(st, 0);
		struct dynbuf b;
		dynbuf_init(&b, GA_FILE_MAX + 1);
		assert_int_equal(read_file(path, 0, &b), 0);
		round_trip(&b, path);
		dynbuf_free(&b);
	}
	unlink(path);
	rmdir(dir);
}

static int parse(const char *text, struct ga_file *f, struct diag *d)
{
	memset(d, 0, sizeof(*d));
	return ga_file_parse(text, strlen(text), "F", f, d);
}

static void test_state_and_errors(void **state)
{
	struct ga_file f;
	struct diag d;
	(void)state;
	/* the module's state after logins */
	assert_int_equal(parse("JBSWY3DPEHPK3PXP\n\" RATE_LIMIT 3 30 1764561609 1764561612\n\" "
			       "DISALLOW_REUSE 58818720 58818721\n\" TOTP_AUTH\n\" NEW_OPTION 1\n"
			       "12345678\n",
			       &f, &d),
			 0);
	assert_int_equal(f.rate_n, 3);
	assert_true(f.disallow_reuse);
	assert_int_equal(f.unknown_options, 1);
	assert_int_equal(f.n_scratch, 1);
	assert_int_equal(f.scratch[0], 12345678);
	static const struct {
		const char *text, *why;
	} bad[] = {
		{"", "F: empty"},
		{"jbswy3dpehpk3pxp\n", "F:1: not a base32 secret"},
		{"JBSWY3DPEHPK3PXP\n\" WINDOW_SIZE x\n", "F:2: an option line"},
		{"JBSWY3DPEHPK3PXP\n\" TOTP_AUTH\n1234567\n", "F:3: neither"},
		{"JBSWY3DPEHPK3PXP\n\" TOTP_AUTH\n01234567\n", "F:3: neither"},
		{"JBSWY3DPEHPK3PXP\n\" lower_case\n", "F:2: an option line"},
		{"JBSWY3DPEHPK3PXP\n\nTOTP\n", "F:2: neither"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i].text, &f, &d), ERR_FORMAT);
		if (strncmp(d.text, bad[i].why, strlen(bad[i].why)))
			fail_msg("%s: %s", bad[i].text, d.text);
	}
	char big[GA_FILE_MAX + 32];
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(parse(big, &f, &d), ERR_TOO_LARGE);
	char many[400] = "JBSWY3DPEHPK3PXP\n";
	for (int i = 0; i < 11; i++)
		strcat(many, "12345678\n");
	assert_int_equal(parse(many, &f, &d), ERR_FORMAT);
	assert_int_equal(ga_file_parse("JB\0SW", 5, "F", &f, &d), ERR_FORMAT);
}

/* the URI google-authenticator -l alice@web1 -i "web1 ssh" printed (its chart URL's chl,
 * decoded once) for the secret HLJRHQODSALFTPI3OV5DL6763Q */
static void test_otpauth_uri(void **state)
{
	struct dynbuf secret, uri;
	(void)state;
	dynbuf_init(&secret, 64);
	dynbuf_init(&uri, 1024);
	assert_int_equal(base32_decode(&secret, "HLJRHQODSALFTPI3OV5DL6763Q", 26), 0);
	assert_int_equal(otpauth_uri("alice@web1", "web1 ssh", secret.data, secret.len, 30, &uri),
			 0);
	assert_string_equal(
		(const char *)uri.data,
		"otpauth://totp/alice@web1?secret=HLJRHQODSALFTPI3OV5DL6763Q&issuer=web1%20ssh");
	dynbuf_reset(&uri);
	assert_int_equal(otpauth_uri("b\xc3\xa9"
				     "a/x?&y",
				     "a&b=c", secret.data, secret.len, 60, &uri),
			 0);
	assert_string_equal(
		(const char *)uri.data,
		"otpauth://totp/b%C3%A9a%2Fx%3F%26y?secret=HLJRHQODSALFTPI3OV5DL6763Q&issuer="
		"a%26b%3Dc&period=60");
	dynbuf_free(&secret);
	dynbuf_free(&uri);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tool_files),
		cmocka_unit_test(test_tool_fresh),
		cmocka_unit_test(test_state_and_errors),
		cmocka_unit_test(test_otpauth_uri),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
