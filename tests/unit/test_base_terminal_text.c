/* base/terminal_text: text for a terminal, escaped as ssh-keygen escapes key comments. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/terminal_text.h"

static const char *escaped(const char *in, size_t len, bool final, size_t *ret_used)
{
	static char out[1024];
	size_t out_len;
	*ret_used = terminal_text_escape(in, len, final, out, &out_len);
	out[out_len] = 0;
	return out;
}

static void test_controls(void **state)
{
	size_t used;
	const char in[] = "a\033]0;t\007b\177c\tz\n\r";
	assert_string_equal(escaped(in, sizeof(in) - 1, true, &used),
			    "a\\033]0;t\\007b\\177c\tz\n\\015");
	assert_int_equal(used, sizeof(in) - 1);
	/* a NUL byte too */
	assert_string_equal(escaped("x\0y", 3, true, &used), "x\\000y");
}

static void test_utf8(void **state)
{
	size_t used;
	setenv("LC_ALL", "C.UTF-8", 1);
	if (!terminal_text_utf8())
		skip(); /* the locale was decided without UTF-8 */
	/* é kept; 0xff, an overlong slash and a lone surrogate escaped byte by byte */
	assert_string_equal(escaped("\303\251\377\300\257\355\240\200", 8, true, &used),
			    "\303\251\\377\\300\\257\\355\\240\\200");
	/* a character cut at the end waits for the rest, unless final */
	assert_string_equal(escaped("ab\303", 3, false, &used), "ab");
	assert_int_equal(used, 2);
	assert_string_equal(escaped("ab\303", 3, true, &used), "ab\\303");
	assert_int_equal(used, 3);
}

static void test_well_formed(void **state)
{
	assert_int_equal(utf8_well_formed("a", 1), 1);
	assert_int_equal(utf8_well_formed("\303\251", 2), 2);
	assert_int_equal(utf8_well_formed("\360\237\224\221", 4), 4);
	assert_int_equal(utf8_well_formed("\303", 1), 0);
	assert_int_equal(utf8_well_formed("\377", 1), 0);
	assert_int_equal(utf8_well_formed("\364\220\200\200", 4), 0); /* past U+10FFFF */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controls),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_well_formed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
