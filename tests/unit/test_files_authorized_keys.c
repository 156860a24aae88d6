/* authorized_keys lines: options, quoting, comments, CRLF, bytes kept */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "files/authorized_keys.h"
#include "files/authorized_keys_edit.h"

#define KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPWDSnKp3ixCSYp1jyKcOKp0s0aEmmlyDnSPl8GJJOYC"

static void parse(const char *line, struct authorized_keys_entry *e)
{
	assert_int_equal(authorized_keys_parse_line(line, strlen(line), e), 0);
}

static void test_plain_and_options(void **state)
{
	struct authorized_keys_entry e;
	parse(KEY " me@laptop", &e);
	assert_int_equal(e.kind, KEY_LINE_KEY);
	assert_int_equal(e.options.len, 0);
	assert_memory_equal(e.raw + e.comment.off, "me@laptop", e.comment.len);
	authorized_keys_entry_clear(&e);

	parse("from=\"10.0.0.0/8,!10.1.*\",command=\"echo \\\"hi there\\\"\",no-pty " KEY " c d",
	      &e);
	assert_int_equal(e.kind, KEY_LINE_KEY);
	assert_memory_equal(e.raw + e.options.off,
			    "from=\"10.0.0.0/8,!10.1.*\",command=\"echo \\\"hi there\\\"\",no-pty",
			    e.options.len);
	assert_memory_equal(e.raw + e.comment.off, "c d", e.comment.len);
	authorized_keys_entry_clear(&e);

	parse("  restrict\t" KEY, &e);
	assert_int_equal(e.kind, KEY_LINE_KEY);
	assert_int_equal(e.comment.len, 0);
	authorized_keys_entry_clear(&e);
}

static void test_invalid_lines(void **state)
{
	static const struct {
		const char *line;
		int error;
	} cases[] = {
		{"from=10.0.0.1 " KEY, ERR_OPTIONS},          /* sshd: missing start quote */
		{"command=\"unterminated " KEY, ERR_OPTIONS}, /* the quote swallows the key */
		{"no-pty,," KEY, ERR_OPTIONS},
		{"ssh-ed25519 AAAA", ERR_TRUNCATED},
		{KEY KEY, ERR_BASE64}, /* two keys glued by a lost newline */
		{"ssh-ed25519", ERR_NOT_A_KEY},
		{"no-pty ssh-ed25519", ERR_NOT_A_KEY},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct authorized_keys_entry e;
		parse(cases[i].line, &e);
		if (e.kind != KEY_LINE_INVALID || e.error != cases[i].error)
			fail_msg("case %zu: kind %d error %d (%s)", i, e.kind, e.error,
				 error_to_string(e.error));
		assert_null(e.key);
	}
}

static void test_nul_and_long_lines(void **state)
{
	struct authorized_keys_entry e;
	char nul[] = KEY " a\0b";
	assert_int_equal(authorized_keys_parse_line(nul, sizeof(nul) - 1, &e), 0);
	assert_int_equal(e.error, ERR_NUL_BYTE);
	static char big[AUTHORIZED_KEYS_LINE_MAX + 2];
	memset(big, 'a', sizeof(big) - 1);
	assert_int_equal(authorized_keys_parse_line(big, sizeof(big) - 1, &e), 0);
	assert_int_equal(e.error, ERR_LINE_TOO_LONG);
}

static void test_file_bytes_kept(void **state)
{
	const char *text = "# keys\r\n" KEY " crlf\r\n\n  \n" KEY " last-no-newline";
	struct authorized_keys *ak;
	assert_int_equal(authorized_keys_parse(text, strlen(text), &ak), 0);
	assert_int_equal(ak->n_entries, 5);
	assert_int_equal(ak->entries[0].kind, KEY_LINE_COMMENT);
	assert_int_equal(ak->entries[1].kind, KEY_LINE_KEY);
	assert_true(ak->entries[1].crlf);
	assert_memory_equal(ak->entries[1].raw + ak->entries[1].comment.off, "crlf",
			    ak->entries[1].comment.len);
	assert_int_equal(ak->entries[2].kind, KEY_LINE_BLANK);
	assert_int_equal(ak->entries[3].kind, KEY_LINE_BLANK);
	assert_false(ak->entries[4].has_newline);
	assert_true(pubkey_equal(ak->entries[1].key, ak->entries[4].key));
	struct dynbuf out;
	dynbuf_init(&out, 4096);
	for (size_t i = 0; i < ak->n_entries; i++) {
		dynbuf_append(&out, ak->entries[i].raw, ak->entries[i].raw_len);
		if (ak->entries[i].has_newline)
			dynbuf_append_byte(&out, '\n');
	}
	assert_int_equal(out.len, strlen(text));
	assert_memory_equal(out.data, text, out.len);
	dynbuf_free(&out);
	authorized_keys_free(ak);
}

static void test_every_vector_key_line(void **state)
{
	static const char *const names[] = {"ecdsa_1", "ed25519_1-cert", "ecdsa_sk1", "ed25519_sk1",
					    "rsa_2"};
	for (size_t i = 0; i < 5; i++) {
		char rel[128];
		snprintf(rel, sizeof(rel), "openssh/sshkey/%s.pub", names[i]);
		char *line = read_test_line(rel);
		char with_options[8192];
		snprintf(with_options, sizeof(with_options), "restrict,pty %s", line);
		struct authorized_keys_entry e;
		parse(with_options, &e);
		assert_int_equal(e.kind, KEY_LINE_KEY);
		authorized_keys_entry_clear(&e);
		free(line);
	}
}

#define KEY2 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK9ks7jkua5YWIwByRnnnc6UPJQWI75O0e/UJdPYU1JI"

static struct pubkey *key_of(const char *line)
{
	struct pubkey *k;
	assert_int_equal(pubkey_parse_text(line, strlen(line), &k, NULL), 0);
	return k;
}

static void check_add(const char *old, const char *want, bool want_changed, bool want_present)
{
	struct pubkey *k = key_of(KEY);
	struct authorized_key_to_add add = {.key = k, .comment = "new@host"};
	struct dynbuf out;
	bool changed;
	dynbuf_init(&out, 1 << 20);
	assert_int_equal(authorized_keys_add(old, strlen(old), &add, 1, &out, &changed), 0);
	assert_int_equal(changed, want_changed);
	assert_int_equal(add.present, want_present);
	assert_int_equal(out.len, strlen(want));
	if (out.len)
		assert_memory_equal(out.data, want, out.len);
	dynbuf_free(&out);
	pubkey_free(k);
}

static void test_add_keeps_bytes(void **state)
{
	/* no file, an empty file */
	check_add("", KEY " new@host\n", true, false);
	/* a last line without its newline gets one first */
	check_add("# c\n" KEY2 " x", "# c\n" KEY2 " x\n" KEY " new@host\n", true, false);
	/* CRLF files stay CRLF */
	check_add(KEY2 " x\r\n", KEY2 " x\r\n" KEY " new@host\r\n", true, false);
	/* present with other options and another comment: nothing added, nothing changed */
	check_add("from=\"10.0.0.1\" " KEY " other comment\n",
		  "from=\"10.0.0.1\" " KEY " other comment\n", false, true);
	/* invalid lines around are kept as they were */
	check_add("garbage line\n\n", "garbage line\n\n" KEY " new@host\n", true, false);
}

static void test_add_several(void **state)
{
	struct pubkey *a = key_of(KEY), *b = key_of(KEY2);
	struct authorized_key_to_add adds[3] = {{.key = a}, {.key = b, .comment = "b"}, {.key = a}};
	struct dynbuf out;
	bool changed;
	dynbuf_init(&out, 1 << 20);
	const char *old = KEY2 " b-old\n";
	assert_int_equal(authorized_keys_add(old, strlen(old), adds, 3, &out, &changed), 0);
	assert_true(changed);
	assert_true(adds[1].present);
	assert_int_equal(adds[1].present_line, 1);
	assert_string_equal((char *)out.data, KEY2 " b-old\n" KEY "\n");
	dynbuf_free(&out);
	pubkey_free(a);
	pubkey_free(b);
}

/* remove by blob: whatever options, comment or line ending; every other byte kept */
static void check_remove(const char *old, size_t old_len, const char *want, size_t want_len,
			 size_t want_lines)
{
	struct pubkey *a = key_of(KEY);
	const struct pubkey *keys[] = {a};
	struct dynbuf out;
	unsigned long long found = 0;
	size_t lines = 99;
	dynbuf_init(&out, 1 << 20);
	assert_int_equal(authorized_keys_remove(old, old_len, keys, 1, &out, &found, &lines), 0);
	assert_int_equal(lines, want_lines);
	assert_int_equal(found, want_lines ? 1 : 0);
	assert_int_equal(out.len, want_len);
	if (want_len)
		assert_memory_equal(out.data, want, want_len);
	dynbuf_free(&out);
	pubkey_free(a);
}

static void test_remove(void **state)
{
	const char *s;
	/* nothing to remove: the very bytes back (garbage, NUL, CRLF, no final newline) */
	static const char odd[] = "garbage\n\0nul line\r\n\n# c\r\n" KEY2 " x";
	check_remove(odd, sizeof(odd) - 1, odd, sizeof(odd) - 1, 0);
	/* every line of the key, with options, another comment, CRLF, last without newline */
	s = "# top\nfrom=\"1.2.3.4\" " KEY " a\n" KEY2 " keep\r\n" KEY " b\r\n#x\n" KEY;
	const char *want = "# top\n" KEY2 " keep\r\n#x\n";
	check_remove(s, strlen(s), want, strlen(want), 3);
	/* a comment line holding the key's text is not a key line: kept */
	s = "# " KEY "\n";
	check_remove(s, strlen(s), s, strlen(s), 0);
}

static void test_replace(void **state)
{
	struct pubkey *a = key_of(KEY), *b = key_of(KEY2);
	struct dynbuf out;
	size_t lines = 0;
	dynbuf_init(&out, 1 << 20);
	/* options and line endings kept; the comment kept unless given */
	const char *s = "# c\nfrom=\"10.0.0.1\",no-pty " KEY " old@laptop\r\n" KEY2 " x\n" KEY;
	assert_int_equal(authorized_keys_replace(s, strlen(s), a, b, NULL, &out, &lines), 0);
	assert_int_equal(lines, 2);
	assert_string_equal((char *)out.data, "# c\nfrom=\"10.0.0.1\",no-pty " KEY2
					      " old@laptop\r\n" KEY2 " x\n" KEY2);
	dynbuf_reset(&out);
	assert_int_equal(authorized_keys_replace(s, strlen(s), a, b, "new@laptop", &out, &lines),
			 0);
	assert_string_equal((char *)out.data, "# c\nfrom=\"10.0.0.1\",no-pty " KEY2
					      " new@laptop\r\n" KEY2 " x\n" KEY2 " new@laptop");
	/* not there: the same bytes */
	dynbuf_reset(&out);
	const char *t2 = KEY2 " x\n";
	assert_int_equal(authorized_keys_replace(t2, strlen(t2), a, b, NULL, &out, &lines), 0);
	assert_int_equal(lines, 0);
	assert_string_equal((char *)out.data, t2);
	dynbuf_free(&out);
	pubkey_free(a);
	pubkey_free(b);
}

static void test_add_beside(void **state)
{
	struct pubkey *a = key_of(KEY), *b = key_of(KEY2);
	struct dynbuf out;
	size_t lines = 0;
	dynbuf_init(&out, 1 << 20);
	/* each old line stays; the new one follows with its options and its line ending; the
	 * last line without a newline gets one */
	const char *s = "# c\nfrom=\"10.0.0.1\",no-pty " KEY " old@laptop\r\n#x\n" KEY;
	assert_int_equal(authorized_keys_add_beside(s, strlen(s), a, b, "new@laptop", &out, &lines),
			 0);
	assert_int_equal(lines, 2);
	assert_string_equal((char *)out.data, "# c\nfrom=\"10.0.0.1\",no-pty " KEY " old@laptop\r\n"
					      "from=\"10.0.0.1\",no-pty " KEY2
					      " new@laptop\r\n#x\n" KEY "\n" KEY2 " new@laptop\n");
	/* a CRLF last line without its LF */
	dynbuf_reset(&out);
	const char *t = KEY " a\r";
	assert_int_equal(authorized_keys_add_beside(t, strlen(t), a, b, NULL, &out, &lines), 0);
	assert_string_equal((char *)out.data, KEY " a\r\n" KEY2 " a\r\n");
	/* not there: the same bytes */
	dynbuf_reset(&out);
	const char *t2 = KEY2 " x\n";
	assert_int_equal(authorized_keys_add_beside(t2, strlen(t2), a, b, NULL, &out, &lines), 0);
	assert_int_equal(lines, 0);
	assert_string_equal((char *)out.data, t2);
	dynbuf_free(&out);
	pubkey_free(a);
	pubkey_free(b);
}

#define KEY3 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILYPzA9wR9GGrFffSfra+pZ4U4zkGqSDOOrbmH2Cskx0"

static void check_exact(const char *old, const char *want_text, const char *expect, bool changed,
			size_t n_removed, size_t unreadable)
{
	struct authorized_keys *want = NULL;
	struct pubkey **removed = NULL;
	size_t n = 0, bad = 0;
	bool ch = !changed;
	struct dynbuf out;
	dynbuf_init(&out, 1 << 20);
	assert_int_equal(authorized_keys_parse(want_text, strlen(want_text), &want), 0);
	assert_int_equal(
		authorized_keys_make_exact(old, strlen(old), want, &out, &ch, &removed, &n, &bad),
		0);
	assert_int_equal(dynbuf_append_byte(&out, 0), 0);
	assert_string_equal((char *)out.data, expect);
	assert_int_equal(ch, changed);
	assert_int_equal(n, n_removed);
	assert_int_equal(bad, unreadable);
	pubkey_list_free(removed, n);
	authorized_keys_free(want);
	dynbuf_free(&out);
}

static void test_make_exact(void **state)
{
	/* the wanted key stays where it is, byte for byte; others go; comments stay; the
	 * missing wanted key is appended in the file's CRLF */
	check_exact("# top\r\n" KEY " a\r\n" KEY2 " b\r\n" KEY2 " again\r\n",
		    KEY " a\nfrom=\"10.0.0.0/8\" " KEY3 " c\n",
		    "# top\r\n" KEY " a\r\nfrom=\"10.0.0.0/8\" " KEY3 " c\r\n", true, 1, 0);
	/* already exact: unchanged */
	check_exact("# c\n" KEY " a\n", KEY " a\n", "# c\n" KEY " a\n", false, 0, 0);
	/* the listed options replace the line's; a duplicate of a wanted key goes (not counted
	 * as removed: the key stays); an unreadable line goes, counted */
	check_exact("no-pty " KEY " a\nnot a key line\n" KEY " dup\n", "restrict " KEY " z\n",
		    "restrict " KEY " z\n", true, 0, 1);
	/* no file: the listed keys, a key listed twice once */
	check_exact("", KEY " a\n" KEY " b\n", KEY " a\n", true, 0, 0);
	/* a last line without a newline gets one before what is appended */
	check_exact("# c", KEY2 "\n", "# c\n" KEY2 "\n", true, 0, 0);
}

static void test_bom_and_join(void **state)
{
	struct pubkey *a = key_of(KEY);
	struct dynbuf out;
	dynbuf_init(&out, 1 << 20);
	const char *s = "\xef\xbb\xbf" KEY " x\n";
	assert_int_equal(authorized_keys_strip_bom(s, strlen(s), &out), 0);
	assert_string_equal((char *)out.data, KEY " x\n");
	dynbuf_reset(&out);
	assert_int_equal(authorized_keys_strip_bom(KEY, strlen(KEY), &out), ERR_FORMAT);
	/* a key line split in two by a paste: joined, the blanks of the break gone */
	char split[512];
	snprintf(split, sizeof(split), "# a\n%.40s \r\n  %s x\n# b\n", KEY, KEY + 40);
	assert_int_equal(authorized_keys_join_split_line(split, strlen(split), 2, a, &out), 0);
	char want[512];
	snprintf(want, sizeof(want), "# a\n%s x\n# b\n", KEY);
	assert_string_equal((char *)out.data, want);
	/* the wrong line, or another key: nothing */
	dynbuf_reset(&out);
	assert_int_equal(authorized_keys_join_split_line(split, strlen(split), 1, a, &out),
			 ERR_CHANGED_UNDER_US);
	dynbuf_free(&out);
	pubkey_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_options),
		cmocka_unit_test(test_invalid_lines),
		cmocka_unit_test(test_nul_and_long_lines),
		cmocka_unit_test(test_file_bytes_kept),
		cmocka_unit_test(test_every_vector_key_line),
		cmocka_unit_test(test_add_keeps_bytes),
		cmocka_unit_test(test_add_several),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_add_beside),
		cmocka_unit_test(test_make_exact),
		cmocka_unit_test(test_bom_and_join),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
