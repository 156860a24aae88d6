/* scan without a server: the helper's answer parsed, turned into keys, findings and
 * last-used; sshd's log lines (times, forged user names); authorized_keys options. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "files/authorized_keys.h"
#include "files/expect_keys.h"
#include "files/sshd_log.h"
#include "ops/scan.h"
#include "ops/scan_store.h"
#include "remote/scan_remote.h"
#include "test_support.h"

#define TOKEN "0123456789abcdef0123456789abcdef"
#define NOW   1796074299LL /* 2026-11-30T21:31:39Z */

/* OpenSSH's ed25519_1.pub, SHA256:L3k/oJubblSY0lB9Ulsl7emDMnRPKm/8udf2ccwk560 */
static const char ed25519_line[] =
	"ssh-ed25519 "
	"AAAAC3NzaC1lZDI1NTE5AAAAIFOG6kY7Rf4UtCFvPwKgo/BztXck2xC4a2WyA34XtIwZ "
	"alice@laptop";

static char *answer_text(void)
{
	char *text = NULL;
	int n = asprintf(
		&text,
		"scan 1\nuid 0\nnow %lld\nscope all\nsshd /usr/sbin/sshd\n"
		"account alice 1000 1000\nhome /home/alice\nshell usable /bin/bash\n"
		"config usepam yes\nconfig authorizedkeysfile .ssh/authorized_keys\n"
		"config authorizedkeyscommand /usr/bin/keys %%u\npassword locked\nexpire -\n"
		"file 0 /home/alice/.ssh/authorized_keys\nmode -rw------- 1000 1000\n"
		"content-until " TOKEN "\n%s\nfrom=\"10.0.0.1\" %s\ngarbage here\n%s\n\n" TOKEN "\n"
		"file 1 /home/alice/.ssh/authorized_keys2\nlink /etc/shadow\nstate unreadable\n"
		"private -rw-r--r-- 1000 /home/alice/.ssh/id_ed25519\n"
		"head -----BEGIN OPENSSH PRIVATE KEY-----\n"
		"head b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
		"private -rw------- 1000 /home/alice/.ssh/id_rsa\n"
		"head -----BEGIN RSA PRIVATE KEY-----\nhead Proc-Type: 4,ENCRYPTED\n"
		"end-account\n"
		"account root 0 0\nhome /root\nshell usable /bin/sh\nconfig usepam no\n"
		"password locked\nexpire 20000\n"
		"file 0 /root/.ssh/authorized_keys\ncontent-until " TOKEN "\n%s"
		"\n" TOKEN "\n"
		"file 1 /root/.ssh/authorized_keys2\nstate not-regular\nend-account\n"
		"log-source /var/log/auth.log\nused 3\n"
		"line Nov 28 10:11:12 h sshd[1]: Accepted publickey for alice from 192.0.2.7 port "
		"5 ssh2: ED25519 SHA256:L3k/oJubblSY0lB9Ulsl7emDMnRPKm/8udf2ccwk560\n"
		"end-scan\n",
		NOW, ed25519_line, ed25519_line, ed25519_line, ed25519_line);
	assert_true(n > 0);
	return text;
}

/* the crafted answer parsed and turned into a result (clear both after) */
static char *load_result(struct scan_answer *a, struct scan_result *res)
{
	char *text = answer_text();
	assert_int_equal(scan_answer_parse(text, strlen(text), TOKEN, a), 0);
	scan_result_init(res);
	assert_int_equal(scan_result_from_answer(a, res), 0);
	return text;
}

static void test_answer_parse(void **state)
{
	(void)state;
	char *text = answer_text();
	struct scan_answer a;
	assert_int_equal(scan_answer_parse(text, strlen(text), TOKEN, &a), 0);
	assert_true(a.all_accounts);
	assert_int_equal(a.now, NOW);
	assert_int_equal(a.n_accounts, 2);
	const struct scan_account *alice = &a.accounts[0];
	assert_string_equal(alice->name, "alice");
	assert_string_equal(alice->password, "locked");
	assert_int_equal(alice->n_files, 2);
	assert_int_equal(alice->files[0].state, SCAN_FILE_READ);
	assert_int_equal(alice->files[0].owner_uid, 1000);
	/* the content ends before the newline the helper adds ahead of the token */
	assert_int_equal(alice->files[0].content[alice->files[0].content_len - 1], '\n');
	assert_int_equal(alice->files[1].state, SCAN_FILE_UNREADABLE);
	assert_string_equal(alice->files[1].link, "/etc/shadow");
	assert_int_equal(alice->n_private_files, 2);
	char v[64];
	scan_account_config(alice, "authorizedkeyscommand", v, sizeof(v));
	assert_string_equal(v, "/usr/bin/keys %u");
	/* the root file has no newline at its end: none added */
	const struct scan_file *rf = &a.accounts[1].files[0];
	assert_int_equal(rf->content_len, strlen(ed25519_line));
	assert_int_equal(a.accounts[1].expire_day, 20000);
	assert_int_equal(a.n_logins, 1);
	assert_int_equal(a.logins[0].count, 3);
	scan_answer_clear(&a);

	/* cut anywhere: malformed, never a crash; a wrong token never ends a content */
	for (size_t cut = 0; cut < strlen(text); cut += 7)
		if (scan_answer_parse(text, cut, TOKEN, &a) == 0)
			scan_answer_clear(&a);
	assert_int_equal(
		scan_answer_parse(text, strlen(text), "fedcba9876543210fedcba9876543210", &a),
		ERR_FORMAT);
	free(text);
}

static void test_result(void **state)
{
	(void)state;
	struct scan_answer a;
	struct scan_result res;
	char *text = load_result(&a, &res);
	res.outcome = SCAN_CLEAN;
	scan_cross_findings(&res, 1);
	assert_int_equal(res.outcome, SCAN_FINDINGS);
	assert_int_equal(res.n_keys, 4);
	/* alice: line 1, line 2 (from=), line 4 (twice in the file); root: line 1 */
	assert_int_equal(res.keys[0].line, 1);
	assert_int_equal(res.keys[1].line, 2);
	assert_string_equal(res.keys[1].options, "from=\"10.0.0.1\"");
	assert_int_equal(res.keys[2].line, 4);
	assert_true(res.keys[2].findings & (1u << SCAN_FINDING_DUPLICATE));
	assert_false(res.keys[0].findings & (1u << SCAN_FINDING_DUPLICATE));
	/* in two accounts: shared */
	assert_true(res.keys[0].findings & (1u << SCAN_FINDING_SHARED));
	/* locked: with PAM the keys work, without it sshd refuses */
	assert_true(res.keys[0].findings & (1u << SCAN_FINDING_LOCKED_KEYS_WORK));
	assert_true(res.keys[3].findings & (1u << SCAN_FINDING_ACCOUNT_LOCKED));
	assert_true(res.keys[3].findings & (1u << SCAN_FINDING_ACCOUNT_EXPIRED));
	assert_true(res.keys[3].findings & (1u << SCAN_FINDING_ROOT_NO_FROM));
	/* last used: every alice line of that key, none of root's */
	assert_int_equal(res.keys[0].uses, 3);
	assert_int_equal(res.keys[0].last_used, 1795860672LL); /* 2026-11-28T10:11:12Z */
	assert_string_equal(res.keys[0].last_from, "192.0.2.7");
	assert_int_equal(res.keys[3].uses, 0);
	/* private keys: the unencrypted one readable by others, the PEM one encrypted */
	assert_int_equal(res.n_private_keys, 2);
	assert_int_equal(res.private_keys[0].encrypted, 0);
	assert_true(res.private_keys[0].others_read);
	assert_string_equal(res.private_keys[1].format, "pem");
	assert_int_equal(res.private_keys[1].encrypted, 1);
	/* notes: the invalid line by file:line, the unreadable file, the FIFO, the command */
	bool line3 = false, command = false;
	for (size_t i = 0; i < res.n_notes; i++) {
		line3 |= strstr(res.notes[i].text, "/home/alice/.ssh/authorized_keys:3: ") != NULL;
		command |= res.notes[i].info && strstr(res.notes[i].text, "/usr/bin/keys") != NULL;
	}
	assert_true(line3);
	assert_true(command);
	scan_result_clear(&res);
	scan_answer_clear(&a);
	free(text);
}

static int count_change(const struct scan_change *c, void *data)
{
	unsigned *counts = data;
	counts[c->kind]++;
	if (c->kind == SCAN_KEY_CHANGED) {
		assert_string_equal(c->before,
				    "(no options) old in /home/alice/.ssh/authorized_keys");
		assert_string_equal(c->after, "(no options) alice@laptop in "
					      "/home/alice/.ssh/authorized_keys");
	}
	if (c->kind == SCAN_KEY_REMOVED)
		assert_string_equal(c->account, "bob");
	return 0;
}

static void test_drift(void **state)
{
	(void)state;
	struct scan_answer a;
	struct scan_result res;
	char *text = load_result(&a, &res);
	/* before: alice's key with another comment, bob's key; root's key is new */
	struct scan_store_key keys[] = {
		{"alice", (char *)res.keys[0].fingerprint, "ssh-ed25519", "old", NULL,
		 "/home/alice/.ssh/authorized_keys", 1},
		{"bob", "SHA256:gone", "ssh-rsa", NULL, NULL, "/home/bob/.ssh/authorized_keys", 1},
		{"bob", "SHA256:gone", "ssh-rsa", NULL, NULL, "/home/bob/.ssh/authorized_keys", 2},
	};
	struct scan_store_keys before = {keys, 3, 1, "2026-11-29T00:00:00Z"};
	unsigned counts[3] = {0};
	assert_int_equal(scan_drift(&before, &res, count_change, counts), 0);
	/* root's key added (alice's duplicates are one key), alice's changed, bob's removed
	 * once */
	assert_int_equal(counts[SCAN_KEY_ADDED], 1);
	assert_int_equal(counts[SCAN_KEY_CHANGED], 1);
	assert_int_equal(counts[SCAN_KEY_REMOVED], 1);
	scan_result_clear(&res);
	scan_answer_clear(&a);
	free(text);
}

static void test_log_lines(void **state)
{
	(void)state;
	struct sshd_log_accepted acc;
	const char *l = "Nov 28 10:11:12 h sshd[1]: Accepted publickey for bob from 192.0.2.7 port "
			"5 ssh2: ED25519 SHA256:abc";
	assert_int_equal(sshd_log_parse_accepted(l, strlen(l), NOW, &acc), 0);
	assert_string_equal(acc.user, "bob");
	assert_string_equal(acc.address, "192.0.2.7");
	assert_int_equal(acc.port, 5);
	assert_string_equal(acc.key_type, "ED25519");
	assert_string_equal(acc.fingerprint, "SHA256:abc");
	assert_int_equal(acc.time, 1795860672LL);
	/* December seen in January: last year */
	assert_int_equal(sshd_log_time("Dec 31 23:59:59 h", 17, 1767225600LL /* 2026-01-01 */),
			 1767225599LL);
	/* RFC 3339 with its offset; journalctl's short-iso */
	assert_int_equal(sshd_log_time("2026-11-29T01:02:03.123456+01:00 h", 34, NOW),
			 1795914123LL - 3600);
	assert_int_equal(sshd_log_time("2026-11-29T01:02:03+0100 h", 26, NOW), 1795914123LL - 3600);
	assert_int_equal(sshd_log_time("Accepted publickey", 18, NOW), 0);
	/* a certificate's line: the key's fingerprint, the CA's left alone */
	l = "Accepted publickey for root from ::1 port 22 ssh2: ED25519-CERT SHA256:key ID x "
	    "(serial 1) CA ED25519 SHA256:ca";
	assert_int_equal(sshd_log_parse_accepted(l, strlen(l), NOW, &acc), 0);
	assert_string_equal(acc.fingerprint, "SHA256:key");
	assert_string_equal(acc.address, "::1");
	/* a user name that carries an address, a port and a key: the fields sshd appended */
	l = "Accepted publickey for eve from 6.6.6.6 port 1 ssh2: ED25519 SHA256:forged from "
	    "192.0.2.9 port 7 ssh2: RSA SHA256:real";
	assert_int_equal(sshd_log_parse_accepted(l, strlen(l), NOW, &acc), 0);
	assert_string_equal(acc.address, "192.0.2.9");
	assert_string_equal(acc.fingerprint, "SHA256:real");
	assert_string_equal(acc.user, "eve from 6.6.6.6 port 1 ssh2: ED25519 SHA256:forged");
	/* not such lines */
	l = "Accepted password for bob from 1.2.3.4 port 2 ssh2";
	assert_int_equal(sshd_log_parse_accepted(l, strlen(l), NOW, &acc), ERR_FORMAT);
	l = "Accepted publickey for bob from 1.2.3.4 port x ssh2: ED25519 SHA256:a";
	assert_int_equal(sshd_log_parse_accepted(l, strlen(l), NOW, &acc), ERR_FORMAT);
}

static void test_expect_keys(void **state)
{
	(void)state;
	struct expect_keys *e = NULL;
	struct diag d = {{0}};
	char text[1024];
	snprintf(text, sizeof(text),
		 "# keys\n[web* db1]\nroot: from=\"10.0.0.1\" %s\n\n[*]\r\n  deploy: %s\n",
		 ed25519_line, ed25519_line);
	assert_int_equal(expect_keys_parse(text, strlen(text), "exp", &e, &d), 0);
	assert_int_equal(e->n_groups, 2);
	assert_int_equal(e->n_keys, 2);
	assert_string_equal(e->keys[0].account, "root");
	assert_int_equal(e->keys[0].line, 3);
	assert_string_equal(e->keys[1].comment, "alice@laptop");
	assert_true(expect_group_matches(&e->groups[0], "root@web1:22", "web1"));
	assert_true(expect_group_matches(&e->groups[0], "db1", "db1"));
	assert_false(expect_group_matches(&e->groups[0], "db2", "db2"));
	assert_true(expect_group_matches(&e->groups[1], "anything", "x"));
	expect_keys_free(e);
	/* errors name the line */
	static const char *const bad[] = {"root: ssh-ed25519 AAAA\n", "[*]\nroot ssh-ed25519\n",
					  "[]\n", "[*]\nroot: # nothing\n"};
	static const char *const where[] = {"exp:1: a key before", "exp:2: expected",
					    "exp:1: ", "exp:2: "};
	for (size_t i = 0; i < 4; i++) {
		d.text[0] = 0;
		assert_int_equal(expect_keys_parse(bad[i], strlen(bad[i]), "exp", &e, &d),
				 ERR_FORMAT);
		assert_true(strncmp(d.text, where[i], strlen(where[i])) == 0);
	}
}

static void test_options(void **state)
{
	(void)state;
	const char *o = "from=\"1.2.3.4,::1\",command=\"echo \\\"hi\\\"\",restrict";
	struct authorized_keys_option opt;
	size_t pos = 0;
	assert_int_equal(authorized_keys_option_next(o, strlen(o), &pos, &opt), 1);
	assert_int_equal(opt.name.len, 4);
	assert_int_equal(opt.value.len, strlen("1.2.3.4,::1"));
	assert_int_equal(authorized_keys_option_next(o, strlen(o), &pos, &opt), 1);
	assert_true(opt.has_value);
	assert_int_equal(authorized_keys_option_next(o, strlen(o), &pos, &opt), 1);
	assert_false(opt.has_value);
	assert_int_equal(opt.name.len, 8);
	assert_int_equal(authorized_keys_option_next(o, strlen(o), &pos, &opt), 0);
	assert_int_equal(authorized_keys_options_check("a,", 2), ERR_OPTIONS);
	assert_int_equal(authorized_keys_options_check("a=\"x", 4), ERR_OPTIONS);
	assert_int_equal(authorized_keys_options_check("", 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_parse), cmocka_unit_test(test_result),
		cmocka_unit_test(test_drift),        cmocka_unit_test(test_log_lines),
		cmocka_unit_test(test_expect_keys),  cmocka_unit_test(test_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
