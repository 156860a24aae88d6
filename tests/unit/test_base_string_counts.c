/* Counters by text key: counts, first and last times, the cap (overflow counted, nothing
 * kept beyond it), merging, and the sorted view. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/string_counts.h"
#include "test_support.h"

static void test_counts(void **state)
{
	struct string_counts c, d;
	string_counts_init(&c, 3);
	string_counts_init(&d, 100);
	assert_int_equal(string_counts_add(&c, "a", 1, 0, 2, 50), 0);
	assert_int_equal(string_counts_add(&c, "a", 1, 1, 1, 10), 0);
	assert_int_equal(string_counts_add(&c, "b", 1, 0, 5, 0), 0);
	assert_int_equal(string_counts_add(&c, "c", 1, 0, 1, 0), 0);
	/* a fourth key: over the cap, counted, not kept */
	assert_int_equal(string_counts_add(&c, "d", 1, 0, 1, 0), 0);
	assert_int_equal(c.n_keys, 3);
	assert_int_equal(c.overflow, 1);
	struct string_count *e = string_counts_get(&c, "a", 1);
	assert_non_null(e);
	assert_int_equal(e->n[0], 2);
	assert_int_equal(e->n[1], 1);
	assert_int_equal(e->first, 10);
	assert_int_equal(e->last, 50);
	/* many keys: the table grows, every key found again */
	char key[32];
	for (int i = 0; i < 90; i++) {
		int n = snprintf(key, sizeof(key), "10.0.0.%d", i);
		assert_int_equal(string_counts_add(&d, key, (size_t)n, 0, (uint64_t)i, i), 0);
	}
	assert_int_equal(string_counts_merge(&d, &c), 0);
	assert_int_equal(d.n_keys, 93);
	assert_int_equal(d.overflow, 1);
	struct string_count *rows;
	size_t n;
	assert_int_equal(string_counts_sorted(&d, 0, &rows, &n), 0);
	assert_int_equal(n, 93);
	assert_string_equal(rows[0].key, "10.0.0.89");
	assert_string_equal(rows[n - 1].key, "10.0.0.0");
	free(rows);
	/* a key longer than any field: counted in overflow */
	char big[STRING_COUNTS_KEY_MAX + 2];
	memset(big, 'k', sizeof(big));
	assert_int_equal(string_counts_add(&d, big, sizeof(big), 0, 1, 0), 0);
	assert_int_equal(d.overflow, 2);
	string_counts_clear(&c);
	string_counts_clear(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
