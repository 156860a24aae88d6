/* rotate's state file: what is written reads back the same; a file edited by hand or cut
 * short is refused with a message that says where, and nothing is half-read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "files/rotate_state.h"
#include "test_support.h"

#define GOOD                                                                                \
	"{\"format\": \"sshkeyctl-rotate-1\", \"key\": \"/h/.ssh/id_ed25519\",\n"           \
	" \"new_key\": \"/h/.ssh/id_ed25519.new\", \"old_fingerprint\": \"SHA256:a\",\n"    \
	" \"new_fingerprint\": \"SHA256:b\", \"started\": \"2026-12-01T04:00:00Z\",\n"      \
	" \"keep_old\": true, \"finished\": null, \"retired\": null,\n"                     \
	" \"hosts\": [{\"target\": \"alice@web1\", \"state\": \"installed\", \"updated\": " \
	"\"2026-12-01T04:00:09Z\", \"reason\": null},\n"                                    \
	"  {\"target\": \"web2\", \"state\": \"pending\", \"updated\": null, \"reason\": "  \
	"\"connection refused\"}]}\n"

static void test_round_trip(void **state)
{
	struct rotate_state st, again;
	struct diag d = {{0}};
	struct dynbuf out;
	dynbuf_init(&out, 1 << 20);
	assert_int_equal(rotate_state_parse(GOOD, strlen(GOOD), "s", &st, &d), 0);
	assert_string_equal(st.key, "/h/.ssh/id_ed25519");
	assert_true(st.keep_old);
	assert_null(st.finished);
	assert_int_equal(st.n_hosts, 2);
	assert_int_equal(st.hosts[0].state, ROTATE_HOST_INSTALLED);
	assert_string_equal(st.hosts[1].reason, "connection refused");
	/* a host looked up, a new one added pending */
	assert_ptr_equal(rotate_state_host(&st, "web2", false), &st.hosts[1]);
	assert_null(rotate_state_host(&st, "web3", false));
	struct rotate_state_host *h = rotate_state_host(&st, "web3", true);
	assert_non_null(h);
	assert_int_equal(h->state, ROTATE_HOST_PENDING);
	assert_int_equal(rotate_state_set(h, ROTATE_HOST_DONE, NULL), 0);
	assert_int_equal(strlen(h->updated), 20);
	assert_int_equal(rotate_state_format(&st, &out), 0);
	assert_int_equal(rotate_state_parse((char *)out.data, out.len, "s", &again, &d), 0);
	assert_int_equal(again.n_hosts, 3);
	assert_int_equal(again.hosts[2].state, ROTATE_HOST_DONE);
	assert_string_equal(again.hosts[2].target, "web3");
	assert_string_equal(again.new_fingerprint, "SHA256:b");
	rotate_state_clear(&again);
	rotate_state_clear(&st);
	dynbuf_free(&out);
}

static void refused(const char *text, size_t len, const char *says)
{
	struct rotate_state st = {0};
	struct diag d = {{0}};
	assert_int_equal(rotate_state_parse(text, len, "f.json", &st, &d), ERR_FORMAT);
	if (!strstr(d.text, says))
		fail_msg("\"%s\" does not say \"%s\"", d.text, says);
	assert_null(st.key);
}

static void test_refused(void **state)
{
	/* cut short: where it ends */
	refused(GOOD, 120, "f.json:2:58: not sshkeyctl's rotation state: premature end");
	refused("", 0, "f.json:");
	refused("[]", 2, "not a JSON object");
	refused("{\"format\": \"x\"}", 15, "\"format\"");
	char buf[2048];
	/* each edit a person could make */
	static const struct {
		const char *from, *to, *says;
	} edits[] = {
		{"\"installed\"", "\"half\"", "hosts[0]: \"state\" is \"half\""},
		{"\"keep_old\": true", "\"keep_old\": 1", "keep_old"},
		{"\"retired\": null", "\"retired\": null, \"extra\": 1", "unknown field \"extra\""},
		{"\"target\": \"web2\"", "\"target\": \"alice@web1\"", "listed twice"},
		{"\"key\": \"/h/.ssh/id_ed25519\"", "\"key\": \"\"", "\"key\" is empty"},
		{"\"key\": \"/h/.ssh/id_ed25519\"", "\"key\": \"a\\u0000b\"", "NUL"},
		{"\"started\": \"2026-12-01T04:00:00Z\"", "\"started\": null", "\"started\""},
		{"\"hosts\": [", "\"retired\": [", "\"retired\""},
		{"\"key\": \"/h/.ssh/id_ed25519\"", "\"key\": \"/h\", \"key\": \"/i\"",
		 "duplicate"},
	};
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		const char *at = strstr(GOOD, edits[i].from);
		assert_non_null(at);
		snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - GOOD), GOOD, edits[i].to,
			 at + strlen(edits[i].from));
		refused(buf, strlen(buf), edits[i].says);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
