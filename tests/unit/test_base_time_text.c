/* Times as text: the report forms, and what a user may give (dates, times, spans before now);
 * dates that do not exist refused. */
#include <errno.h>
#include <string.h>

#include "base/time_text.h"
#include "test_support.h"

static void test_format(void **state)
{
	char buf[TIME_TEXT_MAX];
	(void)state;
	time_text_iso(1764561609, buf);
	assert_string_equal(buf, "2025-12-01T04:00:09Z");
	time_text_minutes(1764561609, buf);
	assert_string_equal(buf, "2025-12-01 04:00");
	time_text_iso(0, buf);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
}

static void test_parse(void **state)
{
	long long t = 0;
	(void)state;
	assert_int_equal(time_text_parse("2025-12-01", 0, &t), 0);
	assert_int_equal(t, 1764547200);
	assert_int_equal(time_text_parse("2025-12-01 04:00", 0, &t), 0);
	assert_int_equal(t, 1764561600);
	assert_int_equal(time_text_parse("2025-12-01T04:00:09Z", 0, &t), 0);
	assert_int_equal(t, 1764561609);
	assert_int_equal(time_text_parse("2024-02-29", 0, &t), 0);
	/* spans before now, as OpenSSH writes them */
	assert_int_equal(time_text_parse("2d", 1000000, &t), 0);
	assert_int_equal(t, 1000000 - 2 * 86400);
	assert_int_equal(time_text_parse("1h30m", 1000000, &t), 0);
	assert_int_equal(t, 1000000 - 5400);
	t = 42;
	static const char *const bad[] = {
		"",
		"2025-13-01",
		"2025-02-30",
		"2025-02-29",
		"2025-12-01x",
		"2025-12-01 4:00",
		"2025-12-01 24:00",
		"2025-12-01T04:00:09+01",
		"1969-12-31",
		"yesterday",
		"-2d",
		"2025-1-01",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(time_text_parse(bad[i], 1000000, &t), -EINVAL);
		assert_int_equal(t, 42); /* untouched */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
