/* sshd's log lines: every header form, every message a report needs (OpenSSH 7.4 to 10.5),
 * and the forged forms: a user name holding " from ADDR port N" never decides the address. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "files/sshd_log.h"
#include "test_support.h"

#define NOW 1796083200LL /* 2026-12-01T00:00:00Z */

static struct sshd_log_event parse(const char *line)
{
	struct sshd_log_event e;
	assert_int_equal(sshd_log_parse_line(line, strlen(line), NOW, &e), 0);
	return e;
}

static void test_headers(void **state)
{
	struct sshd_log_event e;
	e = parse("Nov 30 21:00:00 web1 sshd[42]: Accepted password for alice from 10.0.0.5 port "
		  "50000 ssh2");
	assert_int_equal(e.kind, SSHD_EVENT_ACCEPTED);
	assert_string_equal(e.host, "web1");
	assert_string_equal(e.program, "sshd");
	assert_int_equal(e.pid, 42);
	assert_int_equal(e.time, NOW - 3 * 3600);
	e = parse("2026-11-30T21:00:00.123456+01:00 web1 sshd-session[7]: Accepted password for "
		  "alice from 10.0.0.5 port 50000 ssh2");
	assert_int_equal(e.kind, SSHD_EVENT_ACCEPTED);
	assert_string_equal(e.program, "sshd-session");
	assert_int_equal(e.time, NOW - 4 * 3600);
	e = parse("<38>1 2026-11-30T21:00:00.003Z web1 sshd-auth 99 - - Failed password for bob "
		  "from 10.0.0.6 port 1 ssh2");
	assert_int_equal(e.kind, SSHD_EVENT_FAILED);
	assert_string_equal(e.program, "sshd-auth");
	assert_int_equal(e.pid, 99);
	assert_int_equal(e.time, NOW - 3 * 3600);
	e = parse("<38>1 2026-11-30T21:00:00Z web1 sshd 99 - [meta x=\"a]b\"] Failed password for "
		  "bob "
		  "from 10.0.0.6 port 1 ssh2");
	assert_int_equal(e.kind, SSHD_EVENT_FAILED);
	assert_string_equal(e.user, "bob");
	/* sshd -E: bare */
	e = parse("Invalid user admin from 10.0.0.7 port 2222");
	assert_int_equal(e.kind, SSHD_EVENT_INVALID_USER);
	assert_int_equal(e.time, 0);
	/* another program, even with sshd's words */
	e = parse("Nov 30 21:00:00 web1 CRON[5]: Accepted password for root from 1.2.3.4 port 1 "
		  "ssh2");
	assert_int_equal(e.kind, SSHD_EVENT_NONE);
	e = parse("Nov 30 21:00:00 web1 sshdx[5]: Accepted password for root from 1.2.3.4 port 1 "
		  "ssh2");
	assert_int_equal(e.kind, SSHD_EVENT_NONE);
	char big[SSHD_LOG_LINE_MAX + 2];
	memset(big, 'a', sizeof(big));
	assert_int_equal(sshd_log_parse_line(big, sizeof(big), NOW, &e), ERR_TOO_LARGE);
}

static void test_messages(void **state)
{
	struct sshd_log_event e;
	e = parse("Accepted publickey for alice from 10.0.0.5 port 50000 ssh2: ED25519 "
		  "SHA256:lG1FeVXpyNH5CsuWNRzucNdHcI4BmYBaG5ws5O+AZUo");
	assert_int_equal(e.kind, SSHD_EVENT_ACCEPTED);
	assert_string_equal(e.method, "publickey");
	assert_string_equal(e.user, "alice");
	assert_string_equal(e.address, "10.0.0.5");
	assert_int_equal(e.port, 50000);
	assert_string_equal(e.key_type, "ED25519");
	assert_string_equal(e.fingerprint, "SHA256:lG1FeVXpyNH5CsuWNRzucNdHcI4BmYBaG5ws5O+AZUo");
	e = parse("Accepted publickey for alice from 2001:db8::1 port 22 ssh2: ED25519-CERT "
		  "SHA256:abc ID alice (serial 4) CA ED25519 SHA256:def");
	assert_string_equal(e.address, "2001:db8::1");
	assert_string_equal(e.key_type, "ED25519-CERT");
	assert_string_equal(e.fingerprint, "SHA256:abc");
	e = parse("Accepted keyboard-interactive/pam for bob from 10.0.0.5 port 1 ssh2");
	assert_string_equal(e.method, "keyboard-interactive/pam");
	e = parse("Failed password for invalid user admin from 10.0.0.9 port 40000 ssh2");
	assert_int_equal(e.kind, SSHD_EVENT_FAILED);
	assert_true(e.invalid_user);
	assert_string_equal(e.user, "admin");
	e = parse("Invalid user admin from 10.0.0.9");
	assert_int_equal(e.kind, SSHD_EVENT_INVALID_USER);
	assert_string_equal(e.address, "10.0.0.9");
	assert_int_equal(e.port, 0);
	e = parse("error: maximum authentication attempts exceeded for root from 10.0.0.9 port 3 "
		  "ssh2 [preauth]");
	assert_int_equal(e.kind, SSHD_EVENT_TOO_MANY);
	assert_true(e.preauth);
	assert_string_equal(e.user, "root");
	e = parse("Disconnecting authenticating user root 10.0.0.9 port 3: Too many authentication "
		  "failures [preauth]");
	assert_int_equal(e.kind, SSHD_EVENT_TOO_MANY);
	assert_string_equal(e.address, "10.0.0.9");
	e = parse("Authentication refused: bad ownership or modes for directory /home/alice/.ssh");
	assert_int_equal(e.kind, SSHD_EVENT_REFUSED_MODES);
	assert_string_equal(e.detail, "/home/alice/.ssh");
	e = parse("User bob from 10.0.0.5 not allowed because listed in DenyUsers");
	assert_int_equal(e.kind, SSHD_EVENT_NOT_ALLOWED);
	assert_string_equal(e.user, "bob");
	assert_string_equal(e.detail, "listed in DenyUsers");
	e = parse("ROOT LOGIN REFUSED FROM 10.0.0.5 port 4444");
	assert_int_equal(e.kind, SSHD_EVENT_ROOT_REFUSED);
	assert_string_equal(e.address, "10.0.0.5");
	assert_int_equal(e.port, 4444);
	e = parse("userauth_pubkey: signature algorithm ssh-rsa not in PubkeyAcceptedAlgorithms "
		  "[preauth]");
	assert_int_equal(e.kind, SSHD_EVENT_KEY_TYPE);
	assert_string_equal(e.detail, "ssh-rsa");
	e = parse("userauth_pubkey: key type ssh-dss not in PubkeyAcceptedKeyTypes [preauth]");
	assert_string_equal(e.detail, "ssh-dss");
	e = parse("/home/u/.ssh/authorized_keys:1: Authentication tried for u with correct key but "
		  "not from a permitted host (host=127.0.0.1, ip=127.0.0.1, required=10.0.0.0/8).");
	assert_int_equal(e.kind, SSHD_EVENT_FROM_REFUSED);
	assert_string_equal(e.user, "u");
	assert_string_equal(e.address, "127.0.0.1");
	e = parse("Connection closed by 10.0.0.9 port 5 [preauth]");
	assert_int_equal(e.kind, SSHD_EVENT_PREAUTH);
	e = parse("Server listening on 0.0.0.0 port 22.");
	assert_int_equal(e.kind, SSHD_EVENT_OTHER);
}

/* what an attacker controls (the user name) never becomes the address */
static void test_forged(void **state)
{
	struct sshd_log_event e;
	/* as sshd 9.2 logged them in the test bed for the user "bad user from 6.6.6.6 port 1
	 * ssh2" */
	e = parse("Invalid user bad user from 6.6.6.6 port 1 ssh2 from 127.0.0.1 port 44770");
	assert_int_equal(e.kind, SSHD_EVENT_INVALID_USER);
	assert_string_equal(e.address, "127.0.0.1");
	assert_int_equal(e.port, 44770);
	assert_string_equal(e.user, "bad user from 6.6.6.6 port 1 ssh2");
	e = parse(
		"Failed password for invalid user x from 6.6.6.6 port 1 ssh2 from 10.1.1.1 port 9 "
		"ssh2");
	assert_string_equal(e.address, "10.1.1.1");
	assert_int_equal(e.port, 9);
	e = parse("Connection closed by invalid user bad user from 6.6.6.6 port 1 ssh2 127.0.0.1 "
		  "port 44770 [preauth]");
	assert_int_equal(e.kind, SSHD_EVENT_PREAUTH);
	e = parse("Disconnecting invalid user a 6.6.6.6 port 1: Too many authentication failures "
		  "10.2.2.2 port 7: Too many authentication failures [preauth]");
	assert_int_equal(e.kind, SSHD_EVENT_TOO_MANY);
	assert_string_equal(e.address, "10.2.2.2");
	/* the first of two methods (AuthenticationMethods publickey,keyboard-interactive), as
	 * the test bed's sshd 9.2 logged it */
	e = parse("Partial publickey for sktest-mf16024 from 127.0.0.1 port 45956 ssh2: ED25519 "
		  "SHA256:EaDMYMdFJXiW6KjAwcIkneRhvSFmaTx1XfWwpyci2z0");
	assert_int_equal(e.kind, SSHD_EVENT_PARTIAL);
	assert_int_equal(e.port, 45956);
	assert_string_equal(e.fingerprint, "SHA256:EaDMYMdFJXiW6KjAwcIkneRhvSFmaTx1XfWwpyci2z0");
	/* a newline in a user name, as rsyslog escapes it (#012): still one line, the address
	 * the one sshd appended */
	e = parse("Invalid user a#012Accepted password for root from 6.6.6.6 port 1 ssh2 from "
		  "10.3.3.3 port 22");
	assert_int_equal(e.kind, SSHD_EVENT_INVALID_USER);
	assert_string_equal(e.address, "10.3.3.3");
	e = parse("Failed password for invalid user a#012Accepted password for root from 6.6.6.6 "
		  "port 1 ssh2 from 10.3.3.4 port 23 ssh2");
	assert_int_equal(e.kind, SSHD_EVENT_FAILED);
	assert_string_equal(e.address, "10.3.3.4");
	/* an "address" that is not one: the line is sshd's, but names no address */
	e = parse("Invalid user x from $(reboot) port 1");
	assert_int_equal(e.kind, SSHD_EVENT_OTHER);
	/* a user name longer than any account name */
	char line[600];
	snprintf(line, sizeof(line), "Invalid user %0300d from 10.0.0.1 port 1", 7);
	e = parse(line);
	assert_int_equal(e.kind, SSHD_EVENT_OTHER);
}

/* journalctl -o json's entries: the program from journald's _COMM (a client cannot set it),
 * else the tag; the time in microseconds; a message that is not UTF-8 as bytes */
static void test_journal(void **state)
{
	struct sshd_log_event e;
	(void)state;
	e = parse("{\"_COMM\":\"sshd\",\"__REALTIME_TIMESTAMP\":\"1764536400123456\","
		  "\"_PID\":\"42\",\"_HOSTNAME\":\"web1\",\"SYSLOG_IDENTIFIER\":\"sshd\","
		  "\"MESSAGE\":\"Accepted publickey for alice from 10.0.0.5 port 4242 ssh2: "
		  "ED25519 SHA256:abc\"}");
	assert_int_equal(e.kind, SSHD_EVENT_ACCEPTED);
	assert_int_equal(e.time, 1764536400);
	assert_int_equal(e.pid, 42);
	assert_string_equal(e.host, "web1");
	assert_string_equal(e.address, "10.0.0.5");
	assert_string_equal(e.fingerprint, "SHA256:abc");
	/* logger -t sshd: journald says the program was logger */
	e = parse("{\"_COMM\":\"logger\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"MESSAGE\":"
		  "\"Accepted password for root from 6.6.6.6 port 1 ssh2\"}");
	assert_int_equal(e.kind, SSHD_EVENT_NONE);
	/* imported entries without _COMM: the tag decides, as in syslog */
	e = parse("{\"SYSLOG_IDENTIFIER\":\"sshd-session\",\"MESSAGE\":"
		  "\"Accepted password for root from 10.0.0.1 port 1 ssh2\"}");
	assert_int_equal(e.kind, SSHD_EVENT_ACCEPTED);
	assert_string_equal(e.program, "sshd-session");
	assert_int_equal(e.time, 0);
	/* bytes: "Invalid user caf\xe9 from 10.9.9.9 port 22" */
	e = parse("{\"_COMM\":\"sshd\",\"MESSAGE\":[73,110,118,97,108,105,100,32,117,115,"
		  "101,114,32,99,97,102,233,32,102,114,111,109,32,49,48,46,57,46,57,46,57,32,"
		  "112,111,114,116,32,50,50]}");
	assert_int_equal(e.kind, SSHD_EVENT_INVALID_USER);
	assert_string_equal(e.user, "caf\xe9");
	assert_string_equal(e.address, "10.9.9.9");
	/* what is not an entry of sshd's: null (journalctl's field over 4096 bytes), a byte out
	 * of range, a program name too long or with a pid, another user's, broken JSON */
	static const char *const none[] = {
		"{\"_COMM\":\"sshd\",\"MESSAGE\":null}",
		"{\"_COMM\":\"sshd\",\"MESSAGE\":[65,256]}",
		"{\"_COMM\":"
		"\"sshdxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\","
		"\"MESSAGE\":\"Accepted password for root from 10.0.0.1 port 1 ssh2\"}",
		"{\"_COMM\":\"sshd[1]\",\"MESSAGE\":\"Accepted password for r from 10.0.0.1 port 1 "
		"ssh2\"}",
		/* a program of another user's, named sshd */
		"{\"_COMM\":\"sshd\",\"_UID\":\"1000\",\"MESSAGE\":\"Accepted password for r from "
		"10.0.0.1 port 1 ssh2\"}",
		"{\"_COMM\":\"sshd\",\"MESSAGE\":\"Accepted password for r from 10.0.0.1 port 1 "
		"ssh2\"",
	};
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		assert_int_equal(parse(none[i]).kind, SSHD_EVENT_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_journal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
