/* dynbuf, wire encoding and base64 */
#include "test_support.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "base/base64.h"
#include "base/posix_cksum.h"
#include "base/text_lines.h"
#include "base/error.h"
#include "base/number.h"
#include "base/percent_expand.h"
#include "base/wire.h"

static void test_dynbuf_cap(void **state)
{
	struct dynbuf b;
	dynbuf_init(&b, 10);
	assert_int_equal(dynbuf_append_str(&b, "0123456789"), 0);
	assert_int_equal(b.len, 10);
	assert_string_equal((char *)b.data, "0123456789");
	assert_int_equal(dynbuf_append_byte(&b, 'x'), ERR_TOO_LARGE);
	assert_int_equal(b.len, 10);
	dynbuf_truncate(&b, 3);
	assert_string_equal((char *)b.data, "012");
	assert_int_equal(dynbuf_printf(&b, "%d-%s", 42, "ab"), 0);
	assert_string_equal((char *)b.data, "01242-ab");
	assert_int_equal(dynbuf_printf(&b, "%s", "too long"), ERR_TOO_LARGE);
	dynbuf_free(&b);
	dynbuf_free(NULL);
}

static void test_dynbuf_large_printf(void **state)
{
	struct dynbuf b;
	char big[1000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	dynbuf_init(&b, 4096);
	assert_int_equal(dynbuf_printf(&b, "<%s>", big), 0);
	assert_int_equal(b.len, 1001);
	assert_int_equal(b.data[1000], '>');
	dynbuf_free(&b);
}

static void test_wire_reader_bounds(void **state)
{
	static const uint8_t data[] = {0, 0, 0, 3, 'a', 'b', 'c', 0, 0, 0, 9, 'x'};
	struct wire_reader r;
	const uint8_t *p;
	size_t len;
	wire_reader_init(&r, data, sizeof(data));
	assert_int_equal(wire_get_string(&r, &p, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(p, "abc", 3);
	/* announces 9 bytes, has 1: refused, position unchanged */
	size_t off = r.off;
	assert_int_equal(wire_get_string(&r, &p, &len), ERR_TRUNCATED);
	assert_int_equal(r.off, off);
	uint32_t v;
	assert_int_equal(wire_get_u32(&r, &v), 0);
	assert_int_equal(v, 9);
	assert_int_equal(wire_get_u32(&r, &v), ERR_TRUNCATED);
	uint8_t b;
	assert_int_equal(wire_get_u8(&r, &b), 0);
	assert_true(wire_at_end(&r));
	assert_int_equal(wire_get_u8(&r, &b), ERR_TRUNCATED);
}

static void test_wire_cstring_rejects_nul(void **state)
{
	static const uint8_t data[] = {0, 0, 0, 3, 'a', 0, 'c'};
	struct wire_reader r;
	wire_reader_init(&r, data, sizeof(data));
	assert_int_equal(wire_get_cstring(&r, NULL, NULL), ERR_FORMAT);
	assert_int_equal(r.off, 0);
}

static void test_wire_mpint(void **state)
{
	struct dynbuf b;
	struct wire_reader r;
	const uint8_t *p;
	size_t len;
	static const uint8_t high[] = {0x00, 0x00, 0x80, 0x01};
	static const uint8_t low[] = {0x7f};
	dynbuf_init(&b, 64);
	assert_int_equal(wire_put_mpint(&b, high, sizeof(high)), 0);
	/* leading zeros stripped, one sign byte added */
	static const uint8_t want_high[] = {0, 0, 0, 3, 0x00, 0x80, 0x01};
	assert_int_equal(b.len, sizeof(want_high));
	assert_memory_equal(b.data, want_high, sizeof(want_high));
	assert_int_equal(wire_put_mpint(&b, low, 1), 0);
	assert_int_equal(wire_put_mpint(&b, NULL, 0), 0);
	wire_reader_init(&r, b.data, b.len);
	assert_int_equal(wire_get_mpint(&r, &p, &len), 0);
	assert_int_equal(len, 2);
	assert_int_equal(p[0], 0x80);
	assert_int_equal(wire_get_mpint(&r, &p, &len), 0);
	assert_int_equal(len, 1);
	assert_int_equal(wire_get_mpint(&r, &p, &len), 0);
	assert_int_equal(len, 0);
	dynbuf_free(&b);

	/* negative and non-minimal encodings are refused */
	static const uint8_t negative[] = {0, 0, 0, 1, 0x80};
	static const uint8_t padded[] = {0, 0, 0, 2, 0x00, 0x01};
	wire_reader_init(&r, negative, sizeof(negative));
	assert_int_equal(wire_get_mpint(&r, &p, &len), ERR_FORMAT);
	wire_reader_init(&r, padded, sizeof(padded));
	assert_int_equal(wire_get_mpint(&r, &p, &len), ERR_FORMAT);
}

static void test_base64_round_trip(void **state)
{
	/* RFC 4648 section 10 vectors */
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const enc[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
					  "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	for (size_t i = 0; i < 7; i++) {
		struct dynbuf b, d;
		dynbuf_init(&b, 64);
		dynbuf_init(&d, 64);
		assert_int_equal(base64_encode(&b, (const uint8_t *)plain[i], strlen(plain[i]), 0),
				 0);
		assert_int_equal(b.len, strlen(enc[i]));
		if (b.len)
			assert_memory_equal(b.data, enc[i], b.len);
		assert_int_equal(base64_decode(&d, enc[i], strlen(enc[i])), 0);
		assert_int_equal(d.len, strlen(plain[i]));
		if (d.len)
			assert_memory_equal(d.data, plain[i], d.len);
		dynbuf_free(&b);
		dynbuf_free(&d);
	}
}

static void test_base64_rejects(void **state)
{
	static const char *const bad[] = {
		"Zg", "Zg=", "Z===", "Zh==", "Zm9v!", "Zg==Zg==", "Zm 9v", "=Zg="};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct dynbuf d;
		dynbuf_init(&d, 64);
		assert_int_equal(base64_decode(&d, bad[i], strlen(bad[i])), ERR_BASE64);
		assert_int_equal(d.len, 0);
		dynbuf_free(&d);
	}
}

static void test_base64_wrap_and_armor(void **state)
{
	uint8_t data[100];
	for (int i = 0; i < 100; i++)
		data[i] = (uint8_t)i;
	struct dynbuf b, d;
	dynbuf_init(&b, 1024);
	dynbuf_init(&d, 1024);
	assert_int_equal(base64_encode(&b, data, sizeof(data), 70), 0);
	const char *nl = strchr((char *)b.data, '\n');
	assert_non_null(nl);
	assert_int_equal(nl - (char *)b.data, 70);
	assert_int_not_equal(b.data[b.len - 1], '\n');
	assert_int_equal(base64_decode(&d, (char *)b.data, b.len), ERR_BASE64);
	assert_int_equal(base64_decode_armored(&d, (char *)b.data, b.len), 0);
	assert_int_equal(d.len, sizeof(data));
	assert_memory_equal(d.data, data, sizeof(data));
	dynbuf_reset(&b);
	assert_int_equal(base64_encode_unpadded(&b, data, 1), 0);
	assert_string_equal((char *)b.data, "AA");
	dynbuf_free(&b);
	dynbuf_free(&d);
}

static void test_posix_cksum(void **state)
{
	/* values printed by GNU coreutils cksum */
	assert_int_equal(posix_cksum("", 0), 4294967295u);
	assert_int_equal(posix_cksum("a", 1), 1220704766u);
	assert_int_equal(posix_cksum("hello world\n", 12), 3733384285u);
}

static void test_keyword_values(void **state)
{
	const char *text = "authorizedkeysfile .ssh/authorized_keys .ssh/keys2\n"
			   "authorizedkeysfilex no\nallowusers a\nallowusers b c\r\nport ";
	char buf[64];
	keyword_values(text, strlen(text), "authorizedkeysfile", false, buf, sizeof(buf));
	assert_string_equal(buf, ".ssh/authorized_keys .ssh/keys2");
	keyword_values(text, strlen(text), "allowusers", true, buf, sizeof(buf));
	assert_string_equal(buf, "a b c\r");
	keyword_values(text, strlen(text), "allowusers", false, buf, sizeof(buf));
	assert_string_equal(buf, "a");
	keyword_values(text, strlen(text), "port", false, buf, sizeof(buf));
	assert_string_equal(buf, "");
	keyword_values(text, strlen(text), "denyusers", true, buf, sizeof(buf));
	assert_string_equal(buf, "");
	/* bounded by the length, not a NUL; a value that does not fit stops between values */
	keyword_values(text, 20, "authorizedkeysfile", false, buf, sizeof(buf));
	assert_string_equal(buf, ".");
	char small[4];
	keyword_values(text, strlen(text), "allowusers", true, small, sizeof(small));
	assert_string_equal(small, "a");
}

static bool no_space(const char *value)
{
	return !strchr(value, ' ');
}

/* OpenSSH's %-tokens */
static void test_percent_expand(void **state)
{
	(void)state;
	const struct percent_token t[] = {{'h', "web1"}, {'p', "22"}, {'r', "a b"}};
	struct dynbuf b;
	char bad = 0;
	dynbuf_init(&b, 1024);
	assert_int_equal(percent_expand("nc %h %p 100%%", t, 3, NULL, &b, &bad), 0);
	assert_int_equal(b.len, strlen("nc web1 22 100%"));
	assert_memory_equal(b.data, "nc web1 22 100%", b.len);
	dynbuf_reset(&b);
	assert_int_equal(percent_expand("%C", t, 3, NULL, &b, &bad), -EINVAL);
	assert_int_equal(bad, 'C');
	assert_int_equal(percent_expand("x%", t, 3, NULL, &b, &bad), -EINVAL);
	assert_int_equal(bad, ' ');
	assert_int_equal(percent_expand("%r", t, 3, no_space, &b, &bad), -EINVAL);
	assert_int_equal(bad, 'r');
	dynbuf_free(&b);
}

/* every error has a message and a stable, unique machine name; numbers are checked */
static void test_error_names_and_numbers(void **state)
{
	(void)state;
	for (int e = ERR_FORMAT; e > ERR_LAST; e--) {
		assert_string_not_equal(error_code_name(e), "unknown");
		assert_string_not_equal(error_to_string(e), "unknown error");
		for (int f = ERR_FORMAT; f > e; f--)
			assert_string_not_equal(error_code_name(e), error_code_name(f));
	}
	assert_string_equal(error_code_name(0), "ok");
	assert_string_equal(error_code_name(-ENOENT), "ENOENT");
	assert_string_equal(error_code_name(ERR_AUTH_DENIED), "auth-denied");
	long v;
	assert_int_equal(number_parse("2222", 1, 65535, &v), 0);
	assert_int_equal(v, 2222);
	assert_int_equal(number_parse("65536", 1, 65535, &v), -EINVAL);
	assert_int_equal(number_parse("-1", 0, 10, &v), -EINVAL);
	assert_int_equal(number_parse("-1", -1, 10, &v), 0);
	assert_int_equal(v, -1);
	assert_int_equal(number_parse("12x", 0, 100, &v), -EINVAL);
	assert_int_equal(number_parse("", 0, 100, &v), -EINVAL);
	assert_int_equal(number_parse("99999999999999999999999", 0, LONG_MAX, &v), -EINVAL);
	const char *end;
	assert_int_equal(number_parse_prefix("0 rest", 0, 255, &v, &end), 0);
	assert_string_equal(end, " rest");
	/* durations as OpenSSH's convtime reads them (ssh-add -t) */
	unsigned long sec;
	static const struct {
		const char *text;
		unsigned long seconds;
	} spans[] = {{"90", 90},       {"90s", 90},    {"10m", 600},
		     {"1h30m", 5400},  {"2d", 172800}, {"1w", 604800},
		     {"1H2M3S", 3723}, {"0", 0},       {"1w1d1h1m1s", 694861}};
	for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
		assert_int_equal(duration_parse(spans[i].text, UINT32_MAX, &sec), 0);
		assert_int_equal(sec, spans[i].seconds);
	}
	static const char *const bad[] = {"",    "m",   "1x", "-1",         "+1",
					  "1 m", "1mm", "h1", "4294967296", "7102w"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(duration_parse(bad[i], UINT32_MAX, &sec), -EINVAL);
	assert_int_equal(duration_parse("4294967295", UINT32_MAX, &sec), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dynbuf_cap),
		cmocka_unit_test(test_error_names_and_numbers),
		cmocka_unit_test(test_percent_expand),
		cmocka_unit_test(test_dynbuf_large_printf),
		cmocka_unit_test(test_wire_reader_bounds),
		cmocka_unit_test(test_wire_cstring_rejects_nul),
		cmocka_unit_test(test_wire_mpint),
		cmocka_unit_test(test_base64_round_trip),
		cmocka_unit_test(test_base64_rejects),
		cmocka_unit_test(test_base64_wrap_and_armor),
		cmocka_unit_test(test_posix_cksum),
		cmocka_unit_test(test_keyword_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
