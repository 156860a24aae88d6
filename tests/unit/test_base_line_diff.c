/* base/line_diff: diff -u's format, and a diff that, applied, gives the new text back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/line_diff.h"

static char *diff(const char *a, const char *b)
{
	struct dynbuf out;
	dynbuf_init(&out, 1 << 24);
	assert_int_equal(line_diff_unified(a, strlen(a), b, strlen(b), "old", "new", &out), 0);
	char *s = strndup(out.len ? (const char *)out.data : "", out.len);
	dynbuf_free(&out);
	return s;
}

static void expect(const char *a, const char *b, const char *want)
{
	char *got = diff(a, b);
	assert_string_equal(got, want);
	free(got);
}

static void test_formats(void **state)
{
	(void)state;
	expect("same\n", "same\n", "");
	expect("a\nb\nc\nd\ne\nf\ng\nh\n", "a\nb\nc\nd\nX\ne\nf\ng\nh\n",
	       "--- old\n+++ new\n@@ -2,6 +2,7 @@\n b\n c\n d\n+X\n e\n f\n g\n");
	expect("", "A\nB\n", "--- old\n+++ new\n@@ -0,0 +1,2 @@\n+A\n+B\n");
	expect("a", "a\nb\n",
	       "--- old\n+++ new\n@@ -1 +1,2 @@\n-a\n\\ No newline at end of file\n+a\n+b\n");
	expect("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n18\n19\n20\n",
	       "1\ntwo\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n18\nnineteen\n20\n",
	       "--- old\n+++ new\n@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n"
	       "@@ -16,5 +16,5 @@\n 16\n 17\n 18\n-19\n+nineteen\n 20\n");
}

/* Apply a diff of ours to old (hunks in order, context checked); the result in out. */
static void apply(const char *old, const char *patch, char *out)
{
	const char *lines[256];
	size_t n = 0;
	for (const char *p = old; *p && n < 256;) {
		lines[n++] = p;
		p += strcspn(p, "\n");
		if (*p)
			p++;
	}
	size_t next = 0; /* old lines copied so far */
	out[0] = 0;
	const char *p = strstr(patch, "@@");
	while (p && strncmp(p, "@@ -", 4) == 0) {
		unsigned long start = strtoul(p + 4, NULL, 10);
		size_t from = start ? start - 1 : 0;
		if (strstr(p, ",0 +") == strchr(p, ',') && strncmp(p, "@@ -0,0", 7) == 0)
			from = 0;
		for (; next < from; next++)
			strncat(out, lines[next], strcspn(lines[next], "\n") + 1);
		p = strchr(p, '\n') + 1;
		while (*p == ' ' || *p == '-' || *p == '+' || *p == '\\') {
			size_t len = strcspn(p + 1, "\n");
			bool no_newline = strncmp(p + 2 + len, "\\ No newline", 12) == 0;
			if (*p == ' ' || *p == '-') {
				assert_memory_equal(lines[next], p + 1, len);
				if (*p == ' ')
					strncat(out, p + 1, len + (no_newline ? 0 : 1));
				next++;
			} else if (*p == '+') {
				strncat(out, p + 1, len + (no_newline ? 0 : 1));
			}
			p += len + 2;
			if (!*(p - 1))
				break;
		}
	}
	for (; next < n; next++)
		strncat(out, lines[next], strcspn(lines[next], "\n") + 1);
}

static void test_random_round_trip(void **state)
{
	(void)state;
	srand(12345);
	for (int round = 0; round < 500; round++) {
		char a[512] = "", b[512] = "";
		size_t na = (size_t)rand() % 30;
		char words[30][4];
		for (size_t i = 0; i < na; i++)
			snprintf(words[i], sizeof(words[i]), "%c", 'a' + rand() % 6);
		/* b: a with a few lines dropped, added or changed */
		for (size_t i = 0; i < na; i++) {
			strcat(a, words[i]);
			strcat(a, "\n");
			int op = rand() % 8;
			if (op == 0)
				continue;
			if (op == 1)
				strcat(b, "x\n");
			strcat(b, op == 2 ? "y" : words[i]);
			strcat(b, "\n");
		}
		if (rand() % 4 == 0 && strlen(b))
			b[strlen(b) - 1] = 0; /* no final newline */
		char *patch = diff(a, b);
		char result[1024];
		apply(a, patch, result);
		assert_string_equal(result, b);
		free(patch);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_random_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
