/* Alerts over events: maxretry failures within findtime from one source (the window slides;
 * after an alert the count starts again), password logins, keys not among the known ones;
 * the hook refuses an address that is not an IP address. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ops/log_alerts.h"
#include "test_support.h"

struct seen {
	struct log_alert last;
	unsigned n;
};

static int on_alert(const struct log_alert *a, void *arg)
{
	struct seen *s = arg;
	s->last = *a;
	s->n++;
	return 0;
}

static void event(struct log_alerts *a, enum sshd_event kind, const char *address, long long t,
		  const char *method, const char *fp)
{
	struct sshd_log_event e = {.kind = kind, .time = t, .port = 22};
	snprintf(e.address, sizeof(e.address), "%s", address);
	snprintf(e.user, sizeof(e.user), "alice");
	snprintf(e.method, sizeof(e.method), "%s", method);
	snprintf(e.fingerprint, sizeof(e.fingerprint), "%s", fp);
	assert_int_equal(log_alerts_event(&e, a), 0);
}

static void test_window(void **state)
{
	struct log_alerts a;
	struct seen s = {0};
	(void)state;
	assert_int_equal(log_alerts_init(&a, 3, 10), 0);
	a.alert = on_alert;
	a.arg = &s;
	event(&a, SSHD_EVENT_FAILED, "10.0.0.1", 100, "password", "");
	event(&a, SSHD_EVENT_FAILED, "10.0.0.1", 105, "password", "");
	event(&a, SSHD_EVENT_FAILED, "10.0.0.2", 106, "password", ""); /* another source */
	event(&a, SSHD_EVENT_INVALID_USER, "10.0.0.1", 120, "", "");   /* 100 too old now */
	assert_int_equal(s.n, 0);
	event(&a, SSHD_EVENT_FAILED, "10.0.0.1", 121, "password", "");
	assert_int_equal(s.n, 0);
	event(&a, SSHD_EVENT_FAILED, "10.0.0.1", 122, "publickey", "");
	assert_int_equal(s.n, 1);
	assert_int_equal(s.last.kind, LOG_ALERT_FAILURES);
	assert_string_equal(s.last.address, "10.0.0.1");
	assert_int_equal(s.last.first, 120);
	assert_int_equal(s.last.time, 122);
	/* counted again from nothing */
	event(&a, SSHD_EVENT_FAILED, "10.0.0.1", 123, "password", "");
	event(&a, SSHD_EVENT_FAILED, "10.0.0.1", 124, "password", "");
	assert_int_equal(s.n, 1);
	/* logins: a password one alerts; a key one only when unknown */
	event(&a, SSHD_EVENT_ACCEPTED, "10.0.0.3", 130, "keyboard-interactive/pam", "");
	assert_int_equal(s.n, 2);
	assert_int_equal(s.last.kind, LOG_ALERT_PASSWORD_LOGIN);
	assert_string_equal(s.last.account, "alice");
	event(&a, SSHD_EVENT_ACCEPTED, "10.0.0.3", 131, "publickey", "SHA256:a");
	assert_int_equal(s.n, 2); /* no known keys given: no such alert */
	const char *const known[] = {"SHA256:a"};
	a.known = known;
	a.n_known = 1;
	event(&a, SSHD_EVENT_ACCEPTED, "10.0.0.3", 132, "publickey", "SHA256:a");
	assert_int_equal(s.n, 2);
	event(&a, SSHD_EVENT_ACCEPTED, "10.0.0.3", 133, "publickey", "SHA256:b");
	assert_int_equal(s.n, 3);
	assert_int_equal(s.last.kind, LOG_ALERT_UNKNOWN_KEY);
	assert_string_equal(s.last.fingerprint, "SHA256:b");
	log_alerts_clear(&a);
	assert_int_equal(log_alerts_init(&a, 0, 10), -EINVAL);
	log_alerts_clear(&a);
}

/* more sources than are watched: the quiet ones let go, the rest counted */
static void test_cap(void **state)
{
	struct log_alerts a;
	struct seen s = {0};
	char addr[64];
	(void)state;
	assert_int_equal(log_alerts_init(&a, 2, 10), 0);
	a.alert = on_alert;
	a.arg = &s;
	for (unsigned i = 0; i < LOG_ALERTS_SOURCES_MAX + 5; i++) {
		snprintf(addr, sizeof(addr), "10.%u.%u.%u", i >> 16, (i >> 8) & 255, i & 255);
		event(&a, SSHD_EVENT_FAILED, addr, 1000, "password", "");
	}
	assert_int_equal(a.unwatched, 5);
	/* later: the old ones are quiet, a new source is watched again */
	event(&a, SSHD_EVENT_FAILED, "192.0.2.1", 2000, "password", "");
	event(&a, SSHD_EVENT_FAILED, "192.0.2.1", 2001, "password", "");
	assert_int_equal(s.n, 1);
	assert_int_equal(a.n_used, 1);
	log_alerts_clear(&a);
}

static void test_hook_address(void **state)
{
	struct log_alert al = {.kind = LOG_ALERT_FAILURES};
	struct diag d = {{0}};
	int st = -1;
	(void)state;
	static const char *const bad[] = {"evil-name", "-rf",      "10.0.0.1;reboot",
					  "",          "fe80::1%", "fe80::1%a b"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(al.address, sizeof(al.address), "%s", bad[i]);
		assert_int_equal(log_alert_run_hook("/bin/true", &al, "{}", &st, &d), -EINVAL);
	}
	snprintf(al.address, sizeof(al.address), "fe80::1%%eth0");
	assert_int_equal(log_alert_run_hook("/bin/true", &al, "{}", &st, &d), 0);
	assert_int_equal(st, 0);
	snprintf(al.address, sizeof(al.address), "192.0.2.7");
	assert_int_equal(log_alert_run_hook("/bin/false", &al, "{}", &st, &d), 0);
	assert_int_equal(st, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_hook_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
