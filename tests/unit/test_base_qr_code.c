/* QR codes: the terminal's half blocks read back give the code's modules (with its quiet
 * zone), and the PNG decodes, with zbarimg (Debian's zbar-tools) when installed, to the
 * text it was made from; the SVG draws one square per dark module. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/file_io.h"
#include "base/qr_code.h"
#include "test_support.h"

extern char **environ;

static const char uri[] = "otpauth://totp/alice@web1?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
			  "&issuer=web1%20ssh";

static void test_terminal(void **state)
{
	struct qr_code q;
	struct dynbuf b;
	(void)state;
	assert_int_equal(qr_code_make(uri, &q), 0);
	assert_true(q.width >= 21 && (q.width - 17) % 4 == 0);
	dynbuf_init(&b, 1 << 20);
	assert_int_equal(qr_code_terminal(&q, &b), 0);
	/* each line: width + 2 margins of blocks, each the light of two module rows */
	long m = QR_CODE_TERMINAL_MARGIN, side = (long)q.width + 2 * m, y = -m;
	const char *p = (const char *)b.data;
	while (*p) {
		for (long x = -m; x < side - m; x++) {
			bool top, bottom;
			if (*p == ' ') {
				top = bottom = false;
				p++;
			} else if (!strncmp(p, "\u2580", 3)) {
				top = true, bottom = false;
				p += 3;
			} else if (!strncmp(p, "\u2584", 3)) {
				top = false, bottom = true;
				p += 3;
			} else if (!strncmp(p, "\u2588", 3)) {
				top = bottom = true;
				p += 3;
			} else {
				fail_msg("not a block at line %ld", y);
			}
			assert_int_equal(top, !qr_code_dark(&q, x, y));
			if (y + 1 < side - m)
				assert_int_equal(bottom, !qr_code_dark(&q, x, y + 1));
		}
		assert_int_equal(*p, '\n');
		p++;
		y += 2;
	}
	assert_true(y >= side - m);
	dynbuf_free(&b);
	qr_code_free(&q);
}

static void test_png_and_svg(void **state)
{
	struct qr_code q;
	struct dynbuf b;
	(void)state;
	assert_int_equal(qr_code_make(uri, &q), 0);
	dynbuf_init(&b, 1 << 24);
	assert_int_equal(qr_code_svg(&q, &b), 0);
	size_t dark = 0, squares = 0;
	for (size_t i = 0; i < (size_t)q.width * q.width; i++)
		dark += q.dark[i];
	for (const char *p = (const char *)b.data; (p = strstr(p, "h1v1h-1z")); p++)
		squares++;
	assert_int_equal(squares, dark);
	dynbuf_reset(&b);
	assert_int_equal(qr_code_png(&q, 4, &b), 0);
	assert_memory_equal(b.data, "\x89PNG\r\n\x1a\n", 8);
	if (access("/usr/bin/zbarimg", X_OK) == 0) {
		char dir[] = "/tmp/sshkeyctl-qr-XXXXXX", path[64], got[512] = "";
		assert_non_null(mkdtemp(dir));
		snprintf(path, sizeof(path), "%s/code.png", dir);
		assert_int_equal(write_file_atomic(path, b.data, b.len, 0600, 0), 0);
		int out[2];
		assert_int_equal(pipe(out), 0);
		posix_spawn_file_actions_t fa;
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
		/* zbarimg's words about D-Bus, which it does not need */
		posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
		const char *argv[] = {"zbarimg", "--raw", "-q", path, NULL};
		pid_t pid;
		assert_int_equal(posix_spawn(&pid, "/usr/bin/zbarimg", &fa, NULL,
					     (char *const *)argv, environ),
				 0);
		posix_spawn_file_actions_destroy(&fa);
		close(out[1]);
		ssize_t n = read(out[0], got, sizeof(got) - 1);
		close(out[0]);
		waitpid(pid, NULL, 0);
		assert_true(n > 0);
		got[strcspn(got, "\n")] = 0;
		assert_string_equal(got, uri);
		unlink(path);
		rmdir(dir);
	}
	dynbuf_free(&b);
	qr_code_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_terminal),
		cmocka_unit_test(test_png_and_svg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
