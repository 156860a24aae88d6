/* OpenSSH KRLs: ssh-keygen's files read, ours written and read back; a signed KRL is never
 * extended; malformed input refused. (ssh-keygen -Q checks ours in tests/integration/revoke.sh.) */
#include "test_support.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/wire.h"
#include "files/public_key_file.h"
#include "keys/krl.h"

static struct pubkey *key(const char *name)
{
	struct pubkey *k = NULL;
	char *comment = NULL;
	assert_int_equal(public_key_file_read(test_path(name), &k, &comment), 0);
	free(comment);
	return k;
}

static void test_read_ssh_keygen(void **state)
{
	struct dynbuf b;
	struct krl k;
	struct pubkey *ka = key("krl/ka.pub"), *kb = key("krl/kb.pub");
	read_test_file("krl/plain_kb.krl", &b);
	assert_int_equal(krl_parse(b.data, b.len, &k), 0);
	assert_false(k.signed_);
	assert_true(krl_revokes(&k, kb));
	assert_false(krl_revokes(&k, ka));
	/* extended: ssh-keygen's section kept, ours added, version one more */
	struct dynbuf out;
	dynbuf_init(&out, KRL_FILE_MAX);
	const struct pubkey *add[] = {ka, kb};
	assert_int_equal(krl_write(&k, add, 2, NULL, 0, NULL, 1796000000, &out), 0);
	struct krl k2;
	assert_int_equal(krl_parse(out.data, out.len, &k2), 0);
	assert_int_equal(k2.version, k.version + 1);
	assert_true(krl_revokes(&k2, ka));
	assert_true(krl_revokes(&k2, kb));
	/* kb was revoked already: only ka's section added */
	assert_int_equal(k2.n_sections, k.n_sections + 1);
	/* nothing new: the same bytes, the same version */
	struct dynbuf again;
	dynbuf_init(&again, KRL_FILE_MAX);
	assert_int_equal(krl_write(&k2, add, 2, NULL, 0, NULL, 1796009999, &again), 0);
	assert_int_equal(again.len, out.len);
	assert_memory_equal(again.data, out.data, out.len);
	dynbuf_free(&again);
	krl_clear(&k2);
	krl_clear(&k);
	dynbuf_free(&out);
	/* certificate sections are kept as they are */
	dynbuf_free(&b);
	read_test_file("krl/certificates.krl", &b);
	assert_int_equal(krl_parse(b.data, b.len, &k), 0);
	assert_int_equal(k.n_sections, 1);
	assert_int_equal(k.sections[0].type, KRL_SECTION_CERTIFICATES);
	krl_clear(&k);
	dynbuf_free(&b);
	pubkey_free(ka);
	pubkey_free(kb);
}

static void test_new_and_malformed(void **state)
{
	struct dynbuf out;
	struct krl k;
	struct pubkey *ka = key("krl/ka.pub");
	static const uint8_t hash[1][32] = {{0xaa}};
	dynbuf_init(&out, KRL_FILE_MAX);
	const struct pubkey *add[] = {ka, ka};
	assert_int_equal(krl_write(NULL, add, 2, hash, 1, "c", 1796000000, &out), 0);
	assert_int_equal(krl_parse(out.data, out.len, &k), 0);
	assert_int_equal(k.version, 1);
	assert_int_equal(k.n_sections, 2);
	/* the same key twice is one entry: 4 + blob length */
	assert_int_equal(k.sections[0].len, 4 + ka->plain_blob_len);
	assert_true(krl_revokes(&k, ka));
	krl_clear(&k);
	/* every truncation refused, never read past */
	for (size_t n = 0; n < out.len; n++)
		if (krl_parse(out.data, n, &k) == 0)
			krl_clear(&k);
	assert_int_equal(krl_parse(out.data, 20, &k), ERR_FORMAT);
	/* a signature section (the signer's key, then its signature) makes it signed: never
	 * extended, and nothing but signatures may follow */
	struct dynbuf sig;
	dynbuf_init(&sig, KRL_FILE_MAX);
	dynbuf_append(&sig, out.data, out.len);
	dynbuf_append_byte(&sig, KRL_SECTION_SIGNATURE);
	wire_put_string(&sig, ka->blob, ka->blob_len);
	wire_put_string(&sig, "sig", 3);
	assert_int_equal(krl_parse(sig.data, sig.len, &k), 0);
	assert_true(k.signed_);
	dynbuf_reset(&out);
	assert_int_equal(krl_write(&k, add, 1, NULL, 0, NULL, 0, &out), -EPERM);
	krl_clear(&k);
	dynbuf_append_byte(&sig, KRL_SECTION_EXPLICIT_KEY);
	wire_put_string(&sig, "", 0);
	assert_int_equal(krl_parse(sig.data, sig.len, &k), ERR_FORMAT);
	dynbuf_free(&sig);
	dynbuf_free(&out);
	pubkey_free(ka);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_ssh_keygen),
		cmocka_unit_test(test_new_and_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
