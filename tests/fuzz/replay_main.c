/* Replays a fuzz target's corpus without libFuzzer: every file named, or every file in
 * every directory named, goes through LLVMFuzzerTestOneInput once. Used by the normal
 * test run (any compiler), so the corpus guards against regressions everywhere. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/file_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	struct dynbuf b;
	dynbuf_init(&b, 16 * 1024 * 1024);
	int r = read_file(path, 0, &b);
	if (r < 0) {
		fprintf(stderr, "%s: cannot read\n", path);
		dynbuf_free(&b);
		return 1;
	}
	/* an exact-size heap copy, so ASan sees any over-read */
	uint8_t *copy = malloc(b.len ? b.len : 1);
	if (b.len)
		memcpy(copy, b.data, b.len);
	LLVMFuzzerTestOneInput(copy, b.len);
	free(copy);
	dynbuf_free(&b);
	return 0;
}

int main(int argc, char **argv)
{
	int failed = 0, count = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "%s: missing\n", argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			failed += replay_file(argv[i]);
			count++;
			continue;
		}
		DIR *d = opendir(argv[i]);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			failed += replay_file(path);
			count++;
		}
		if (d)
			closedir(d);
	}
	printf("replayed %d inputs\n", count);
	return failed ? 1 : 0;
}
