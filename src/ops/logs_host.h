/* The logs use case on a host: its sshd log read over SSH into a report of its own (the
 * same report as a local file gives, ops/log_report.h). The server's helper
 * (remote/helpers/logs.sh) picks the log (auth.log, secure, else the journal) and sends it
 * whole, gzip'ed, after a header the run's random token ends; the report is made here as
 * the bytes come (memory bounded by the report's tables, not by the log). Read as root when
 * the login account is root or sudo lets it; else as the login account, whose groups may
 * allow it (adm on Debian), and the result says which. Nothing on the server changes. */
#ifndef SSHKEYCTL_OPS_LOGS_HOST_H
#define SSHKEYCTL_OPS_LOGS_HOST_H

#include <stdbool.h>

#include "base/error.h"
#include "fleet/target.h"
#include "ops/local_key.h"
#include "ops/log_report.h"
#include "remote/session.h"

struct logs_request {
	struct local_key *keys; /* to log in with */
	size_t n_keys;
	const struct connect_options *connect;
	const struct password_source *password;
	long long since;   /* 0: every line; else from then on */
	bool since_harden; /* from the start of the host's last completed harden */
	bool rotated;      /* the rotated files too, oldest first */
	long long now;
};

enum logs_outcome {
	LOGS_READ,        /* the whole log read */
	LOGS_INCOMPLETE,  /* read, with notes: lines skipped, the stream cut short */
	LOGS_NO_LOG,      /* no sshd log there, or none this account may read */
	LOGS_FAILED,      /* logged in, but the log could not be read */
	LOGS_UNREACHABLE, /* no connection */
	LOGS_OUTCOMES
};

struct logs_result {
	enum logs_outcome outcome;
	int error;
	struct diag diag;
	struct log_report report;
	char source[160];     /* "/var/log/auth.log", "journal", "none", "unreadable PATH" */
	bool as_root;         /* read as root (directly or through sudo) */
	struct diag root_why; /* else why not (sudo's words) */
	char harden_dir[128]; /* since_harden: the directory whose start report.since is */
	unsigned long uid;    /* the reader's */
};

void logs_result_init(struct logs_result *res);
void logs_result_clear(struct logs_result *res);
void logs_host(const struct target *t, const struct logs_request *req, struct logs_result *res);

/* The header of the helper's answer, up to the token's line (pure, for the unit tests and
 * the fuzz target): fills source, uid, harden_dir (with since_harden: ERR_FORMAT for a name
 * that is not harden's); *ret_len: the header's length with the token's line, 0 when it is
 * not whole yet. ERR_FORMAT for anything our helper does not write. */
int logs_header_parse(const char *text, size_t len, const char *token, struct logs_result *res,
		      size_t *ret_len);

#endif
