/* Alerts over sshd's events as they come (logs --follow): a source that reaches maxretry
 * failures within findtime seconds (fail2ban's rule: each failed authentication and each
 * invalid user counts one), a password or keyboard-interactive login that worked, and a key
 * that logged in but is not among the known ones. Memory is bounded: at most
 * LOG_ALERTS_SOURCES_MAX sources are watched at once (the ones quiet for findtime are let
 * go first; beyond that, new sources are counted, not watched).
 *
 * An alert can run a hook: the program itself (no shell), its arguments the alert's kind,
 * its address (an IP address, checked: anything else runs nothing) and, for a login, the
 * account; the alert as JSON on its standard input. */
#ifndef SSHKEYCTL_OPS_LOG_ALERTS_H
#define SSHKEYCTL_OPS_LOG_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "files/sshd_log.h"

#define LOG_ALERTS_SOURCES_MAX  10000
#define LOG_ALERTS_MAXRETRY_MAX 1000
#define LOG_ALERT_HOOK_SECONDS  30 /* a hook still running then is killed */

enum log_alert_kind { LOG_ALERT_FAILURES, LOG_ALERT_PASSWORD_LOGIN, LOG_ALERT_UNKNOWN_KEY };

struct log_alert {
	enum log_alert_kind kind;
	long long time; /* the event's (the clock's when the line has none) */
	char host[64];  /* the syslog host, "" when none */
	char address[64];
	unsigned port;
	char account[65];  /* logins: the account; failures: "" */
	char method[40];   /* logins */
	char key_type[48]; /* unknown-key */
	char fingerprint[72];
	unsigned failures; /* failures: how many, from first on */
	long long first;
};

struct alert_source; /* one source's recent failures */

struct log_alerts {
	unsigned maxretry;
	long long findtime;
	const char *const *known; /* fingerprints of the known keys; n_known 0: no such alert */
	size_t n_known;
	/* each alert; a negative return stops the follow */
	int (*alert)(const struct log_alert *a, void *arg);
	void *arg;
	struct alert_source *sources;
	size_t n_slots, n_used;
	uint64_t unwatched; /* failures of sources beyond LOG_ALERTS_SOURCES_MAX */
	uint64_t alerts;
};

int log_alerts_init(struct log_alerts *a, unsigned maxretry, long long findtime);
void log_alerts_clear(struct log_alerts *a);
/* One event (a log_report on_event callback: arg is the struct log_alerts). */
int log_alerts_event(const struct sshd_log_event *e, void *arg);

const char *log_alert_kind_name(enum log_alert_kind kind);
/* Run program for alert a: argv KIND ADDRESS [ACCOUNT], json on its stdin; waits for it (at
 * most LOG_ALERT_HOOK_SECONDS). -EINVAL (d says why) when the address is not an IP
 * address: nothing is run. *ret_status: its exit status, or 128 + the signal. */
int log_alert_run_hook(const char *program, const struct log_alert *a, const char *json,
		       int *ret_status, struct diag *d);

#endif
