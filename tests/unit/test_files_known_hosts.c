/* known_hosts parsing against OpenSSH's hostkeys test file */
#include "test_support.h"

#include <string.h>

#include "base/error.h"
#include "files/known_hosts.h"

static void test_openssh_known_hosts(void **state)
{
	struct dynbuf b;
	struct known_hosts *kh;
	read_test_file("openssh/hostkeys/known_hosts", &b);
	assert_int_equal(known_hosts_parse((char *)b.data, b.len, &kh), 0);
	assert_int_equal(kh->n_entries, 42);

	size_t keys = 0, hashed = 0, comments = 0, blanks = 0;
	for (size_t i = 0; i < kh->n_entries; i++) {
		const struct known_hosts_entry *e = &kh->entries[i];
		assert_int_equal(e->lineno, i + 1);
		keys += e->kind == KEY_LINE_KEY;
		hashed += e->kind == KEY_LINE_KEY && e->hashed;
		comments += e->kind == KEY_LINE_COMMENT;
		blanks += e->kind == KEY_LINE_BLANK;
	}
	assert_int_equal(keys, 23);
	assert_int_equal(hashed, 12);
	assert_int_equal(comments, 6);
	assert_int_equal(blanks, 7);

	/* the file's own "invalid lines" section, each with its reason */
	static const int invalid[][2] = {
		{37, ERR_MARKER_UNKNOWN},   {38, ERR_NOT_A_KEY},
		{39, ERR_NOT_A_KEY},        {40, ERR_TRUNCATED},
		{41, ERR_KEY_TYPE_UNKNOWN}, {42, ERR_FORMAT}, /* NUL inside the type name */
	};
	for (size_t i = 0; i < 6; i++) {
		const struct known_hosts_entry *e = &kh->entries[invalid[i][0] - 1];
		assert_int_equal(e->kind, KEY_LINE_INVALID);
		assert_int_equal(e->error, invalid[i][1]);
	}

	const struct known_hosts_entry *revoked = &kh->entries[32];
	assert_int_equal(revoked->marker, KNOWN_HOSTS_MARKER_REVOKED);
	assert_int_equal(revoked->hosts.len, strlen("sisyphus.example.com"));
	assert_memory_equal(revoked->raw + revoked->hosts.off, "sisyphus.example.com",
			    revoked->hosts.len);
	assert_int_equal(kh->entries[33].marker, KNOWN_HOSTS_MARKER_CERT_AUTHORITY);

	const struct known_hosts_entry *multi = &kh->entries[6];
	assert_memory_equal(multi->raw + multi->hosts.off,
			    "prometheus.example.com,192.0.2.1,2001:db8::1", multi->hosts.len);
	assert_memory_equal(multi->raw + multi->comment.off, "ECDSA #2", multi->comment.len);
	known_hosts_free(kh);
	dynbuf_free(&b);
}

static void test_hashed_name_checked(void **state)
{
	struct known_hosts_entry e;
	const char *bad = "|1|notbase64!|x ssh-ed25519 "
			  "AAAAC3NzaC1lZDI1NTE5AAAAIPWDSnKp3ixCSYp1jyKcOKp0s0aEmmlyDnSPl8GJJOYC";
	assert_int_equal(known_hosts_parse_line(bad, strlen(bad), &e), 0);
	assert_int_equal(e.kind, KEY_LINE_INVALID);
	assert_int_equal(e.error, ERR_FORMAT);
	known_hosts_entry_clear(&e);
}

static void test_bytes_kept(void **state)
{
	const char *text =
		"h1 ssh-ed25519 "
		"AAAAC3NzaC1lZDI1NTE5AAAAIPWDSnKp3ixCSYp1jyKcOKp0s0aEmmlyDnSPl8GJJOYC c\r\n"
		"  # note\n"
		"[h2]:2222 ssh-ed25519 "
		"AAAAC3NzaC1lZDI1NTE5AAAAIPWDSnKp3ixCSYp1jyKcOKp0s0aEmmlyDnSPl8GJJOYC";
	struct known_hosts *kh;
	assert_int_equal(known_hosts_parse(text, strlen(text), &kh), 0);
	assert_int_equal(kh->n_entries, 3);
	assert_true(kh->entries[0].crlf);
	assert_int_equal(kh->entries[0].comment.len, 1);
	assert_int_equal(kh->entries[1].kind, KEY_LINE_COMMENT);
	assert_false(kh->entries[2].has_newline);
	assert_memory_equal(kh->entries[2].raw + kh->entries[2].hosts.off, "[h2]:2222", 9);
	/* concatenating raw lines and their newlines gives the file back */
	struct dynbuf out;
	dynbuf_init(&out, 4096);
	for (size_t i = 0; i < kh->n_entries; i++) {
		dynbuf_append(&out, kh->entries[i].raw, kh->entries[i].raw_len);
		if (kh->entries[i].has_newline)
			dynbuf_append_byte(&out, '\n');
	}
	assert_int_equal(out.len, strlen(text));
	assert_memory_equal(out.data, text, out.len);
	dynbuf_free(&out);
	known_hosts_free(kh);
}

/* the vector's marker lines: @revoked sisyphus (ED25519 #4, line 33) and @cert-authority
 * prometheus (ECDSA #4, line 34) */
static void test_marks(void **state)
{
	struct dynbuf b, k;
	struct pubkey *ed4, *ecdsa4;
	unsigned long revoked, ca;
	read_test_file("openssh/hostkeys/known_hosts", &b);
	read_test_file("openssh/hostkeys/ed25519_4.pub", &k);
	assert_int_equal(pubkey_parse_text((char *)k.data, k.len, &ed4, NULL), 0);
	dynbuf_free(&k);
	read_test_file("openssh/hostkeys/ecdsa_4.pub", &k);
	assert_int_equal(pubkey_parse_text((char *)k.data, k.len, &ecdsa4, NULL), 0);
	dynbuf_free(&k);
	const char *t = (const char *)b.data;
	assert_int_equal(known_hosts_marks(t, b.len, "sisyphus.example.com", ed4, &revoked, &ca),
			 0);
	assert_int_equal(revoked, 33);
	assert_int_equal(ca, 0);
	/* another key, another host: not revoked */
	assert_int_equal(known_hosts_marks(t, b.len, "sisyphus.example.com", ecdsa4, &revoked, &ca),
			 0);
	assert_int_equal(revoked, 0);
	assert_int_equal(known_hosts_marks(t, b.len, "other.example.com", ed4, &revoked, &ca), 0);
	assert_int_equal(revoked, 0);
	assert_int_equal(known_hosts_marks(t, b.len, "prometheus.example.com", ed4, &revoked, &ca),
			 0);
	assert_int_equal(revoked, 0);
	assert_int_equal(ca, 34);
	pubkey_free(ed4);
	pubkey_free(ecdsa4);
	dynbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openssh_known_hosts),
		cmocka_unit_test(test_hashed_name_checked),
		cmocka_unit_test(test_bytes_kept),
		cmocka_unit_test(test_marks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
