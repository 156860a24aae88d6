/* The key listing in pieces: a text long enough for many pieces, listed on every CPU, gives
 * the bytes and notes (bad lines, legacy keys, with their line numbers and places) that the
 * same lines listed one at a time give, in order. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "ops/key_listing.h"
#include "test_support.h"

struct collected {
	struct dynbuf out;
	char notes[1024 * 1024]; /* "lineno kind offset\n" per note */
	size_t notes_len;
	unsigned long keys, bad, marked, pieces;
};

static int collect(const struct key_listing_piece *p, void *ctx)
{
	struct collected *c = ctx;
	for (size_t i = 0; i < p->n_notes; i++) {
		int n = snprintf(c->notes + c->notes_len, sizeof(c->notes) - c->notes_len,
				 "%lu %d %zu\n", p->notes[i].lineno, (int)p->notes[i].kind,
				 c->out.len + p->notes[i].out_off);
		assert_true(n > 0 && (size_t)n < sizeof(c->notes) - c->notes_len);
		c->notes_len += (size_t)n;
	}
	assert_int_equal(dynbuf_append(&c->out, p->out.data, p->out.len), 0);
	c->keys += p->keys, c->bad += p->bad, c->marked += p->marked, c->pieces++;
	return 0;
}

static void list_text(const char *text, size_t len, bool fingerprints, struct collected *c)
{
	struct key_listing_options o = {.fingerprints = fingerprints,
					.hash = FINGERPRINT_SHA256,
					.bad_notes_max = (size_t)-1};
	memset(c, 0, sizeof(*c));
	dynbuf_init(&c->out, 1u << 30);
	assert_int_equal(key_listing_run(text, len, &o, collect, c), 0);
}

static void test_pieces_equal_lines(void **state)
{
	(void)state;
	const char *files[] = {"openssh/sshkey/ed25519_1.pub", "openssh/sshkey/rsa_1.pub",
			       "openssh/sshkey/ecdsa_1-cert.pub", "dsa_legacy.pub"};
	char *lines[6];
	for (size_t i = 0; i < 4; i++)
		lines[i] = read_test_line(files[i]);
	lines[4] = strdup("garbage here");
	assert_non_null(lines[4]);
	/* a @revoked key: skipped, counted as marked */
	assert_true(asprintf(&lines[5], "@revoked host.example %s", lines[0]) > 0);

	for (int fingerprints = 0; fingerprints < 2; fingerprints++) {
		struct dynbuf text, expected_out;
		char *expected_notes = malloc(1024 * 1024);
		assert_non_null(expected_notes);
		size_t notes_len = 0;
		dynbuf_init(&text, 1u << 30);
		dynbuf_init(&expected_out, 1u << 30);
		struct collected *c = malloc(sizeof(*c)), *one = malloc(sizeof(*one));
		assert_non_null(c);
		assert_non_null(one);
		/* 12,001 lines of several kinds in a pattern that does not repeat with the pieces:
		 * more than 2 MB, so several pieces on each CPU */
		unsigned long n_lines = 12001, want_keys = 0, want_bad = 0, want_marked = 0;
		for (unsigned long n = 1; n <= n_lines; n++) {
			const char *line = lines[(n * 7) % 6];
			if (n % 6 == 1)
				line = lines[1]; /* the long RSA lines, often */
			assert_int_equal(dynbuf_append_str(&text, line), 0);
			assert_int_equal(dynbuf_append_byte(&text, '\n'), 0);
			/* what this line alone lists */
			list_text(line, strlen(line), fingerprints, one);
			const char *note = one->notes;
			while (note < one->notes + one->notes_len) {
				unsigned long lineno;
				int kind;
				size_t off;
				assert_int_equal(sscanf(note, "%lu %d %zu", &lineno, &kind, &off),
						 3);
				notes_len += (size_t)snprintf(
					expected_notes + notes_len, 1024 * 1024 - notes_len,
					"%lu %d %zu\n", n, kind, expected_out.len + off);
				note = strchr(note, '\n') + 1;
			}
			assert_int_equal(dynbuf_append(&expected_out, one->out.data, one->out.len),
					 0);
			want_keys += one->keys, want_bad += one->bad, want_marked += one->marked;
			dynbuf_free(&one->out);
		}
		assert_true(text.len > 2 * 1024 * 1024);
		list_text((const char *)text.data, text.len, fingerprints, c);
		assert_true(c->pieces > 4);
		assert_int_equal(c->out.len, expected_out.len);
		assert_memory_equal(c->out.data, expected_out.data, expected_out.len);
		assert_int_equal(c->notes_len, notes_len);
		assert_memory_equal(c->notes, expected_notes, notes_len);
		assert_int_equal(c->keys, want_keys);
		assert_int_equal(c->bad, want_bad);
		assert_int_equal(c->marked, want_marked);
		assert_true(want_bad > 0 && want_marked > 0);
		dynbuf_free(&c->out);
		dynbuf_free(&text);
		dynbuf_free(&expected_out);
		free(c);
		free(one);
		free(expected_notes);
	}
	for (size_t i = 0; i < 6; i++)
		free(lines[i]);
}

/* a text without a final newline, and an empty one */
static void test_edges(void **state)
{
	(void)state;
	struct collected *c = malloc(sizeof(*c));
	assert_non_null(c);
	char *line = read_test_line("openssh/sshkey/ed25519_1.pub");
	list_text(line, strlen(line), true, c);
	assert_int_equal(c->keys, 1);
	assert_int_equal(c->out.data[c->out.len - 1], '\n');
	dynbuf_free(&c->out);
	list_text("", 0, true, c);
	assert_int_equal(c->keys + c->bad + c->marked, 0);
	assert_int_equal(c->pieces, 1);
	dynbuf_free(&c->out);
	free(line);
	free(c);
}

/* an emit that fails stops the listing with its error */
static int refuse(const struct key_listing_piece *p, void *ctx)
{
	(void)p;
	++*(int *)ctx;
	return -EIO;
}

static void test_emit_error_stops(void **state)
{
	(void)state;
	char *line = read_test_line("openssh/sshkey/rsa_1.pub");
	struct dynbuf text;
	dynbuf_init(&text, 1u << 30);
	for (int i = 0; i < 20000; i++) {
		assert_int_equal(dynbuf_append_str(&text, line), 0);
		assert_int_equal(dynbuf_append_byte(&text, '\n'), 0);
	}
	struct key_listing_options o = {.fingerprints = true, .hash = FINGERPRINT_SHA256};
	int calls = 0;
	assert_int_equal(key_listing_run((const char *)text.data, text.len, &o, refuse, &calls),
			 -EIO);
	assert_int_equal(calls, 1);
	dynbuf_free(&text);
	free(line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pieces_equal_lines),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_emit_error_stops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
