#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file_io.h"

const char *test_path(const char *relpath)
{
	static char path[4096];
	snprintf(path, sizeof(path), "%s/%s", TEST_DATA_DIR, relpath);
	return path;
}

int try_read_test_file(const char *relpath, struct dynbuf *b)
{
	dynbuf_init(b, 256 * 1024 * 1024);
	return read_file(test_path(relpath), 0, b);
}

void read_test_file(const char *relpath, struct dynbuf *b)
{
	int r = try_read_test_file(relpath, b);
	if (r < 0)
		fail_msg("cannot read %s: %d", relpath, r);
}

char *read_test_line(const char *relpath)
{
	struct dynbuf b;
	read_test_file(relpath, &b);
	size_t n = strcspn((const char *)b.data, "\n");
	char *s = strndup((const char *)b.data, n);
	dynbuf_free(&b);
	return s;
}
