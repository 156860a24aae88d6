/* capped reads and atomic replacement */
#include "test_support.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "base/error.h"
#include "base/file_io.h"

static char dir[] = "/tmp/sshkeyctl-test-XXXXXX";

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int count_entries(void)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void test_read_cap(void **state)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/cap", dir);
	assert_int_equal(write_file_atomic(path, "hello world", 11, 0644, 0), 0);
	struct dynbuf b;
	dynbuf_init(&b, 11);
	assert_int_equal(read_file(path, 0, &b), 0);
	assert_string_equal((char *)b.data, "hello world");
	dynbuf_free(&b);
	dynbuf_init(&b, 10);
	assert_int_equal(read_file(path, 0, &b), ERR_TOO_LARGE);
	dynbuf_free(&b);
	unlink(path);
}

static void test_atomic_write_mode_ignores_umask(void **state)
{
	char path[256];
	struct stat st;
	snprintf(path, sizeof(path), "%s/moded", dir);
	mode_t old = umask(0);
	assert_int_equal(write_file_atomic(path, "x", 1, 0600, 0), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	old = umask(077);
	assert_int_equal(write_file_atomic(path, "y", 1, 0644, 0), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	unlink(path);
	assert_int_equal(count_entries(), 0);
}

static void test_atomic_no_replace(void **state)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/keep", dir);
	assert_int_equal(write_file_atomic(path, "old", 3, 0600, ATOMIC_FILE_NO_REPLACE), 0);
	assert_int_equal(write_file_atomic(path, "new", 3, 0600, ATOMIC_FILE_NO_REPLACE), -EEXIST);
	struct dynbuf b;
	dynbuf_init(&b, 100);
	assert_int_equal(read_file(path, 0, &b), 0);
	assert_string_equal((char *)b.data, "old");
	dynbuf_free(&b);
	/* nothing left behind by the refused write */
	assert_int_equal(count_entries(), 1);
	unlink(path);
}

static void test_refuses_symlink(void **state)
{
	char path[256], target[256];
	snprintf(path, sizeof(path), "%s/link", dir);
	snprintf(target, sizeof(target), "%s/target", dir);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(write_file_atomic(path, "x", 1, 0600, 0), -ELOOP);
	assert_int_equal(access(target, F_OK), -1);
	struct dynbuf b;
	dynbuf_init(&b, 100);
	assert_int_equal(read_file(path, READ_FILE_NOFOLLOW, &b), -ELOOP);
	dynbuf_free(&b);
	unlink(path);
	assert_int_equal(count_entries(), 0);
}

static void test_failed_write_leaves_nothing(void **state)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/nodir/file", dir);
	assert_int_equal(write_file_atomic(path, "x", 1, 0600, 0), -ENOENT);
	assert_int_equal(count_entries(), 0);
	if (access("/dev/full", W_OK) == 0) {
		/* a full disk: the temporary file must disappear */
		struct atomic_file f;
		snprintf(path, sizeof(path), "%s/full", dir);
		assert_int_equal(atomic_file_begin(&f, path, 0600), 0);
		int fd = open("/dev/full", O_WRONLY);
		dup2(fd, f.fd);
		close(fd);
		assert_int_equal(atomic_file_write(&f, "data", 4), -ENOSPC);
		atomic_file_abort(&f);
		assert_int_equal(count_entries(), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_cap),
		cmocka_unit_test(test_atomic_write_mode_ignores_umask),
		cmocka_unit_test(test_atomic_no_replace),
		cmocka_unit_test(test_refuses_symlink),
		cmocka_unit_test(test_failed_write_leaves_nothing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
