/* The scan use case: every key that can log in to a host, where it is, what options it
 * carries, when sshd last logged it, and what is wrong with it; read-only. As root (or
 * --all-accounts through sudo) every account sshd could let in; otherwise the login
 * account's own files. */
#ifndef SSHKEYCTL_OPS_SCAN_H
#define SSHKEYCTL_OPS_SCAN_H

#include <stdbool.h>

#include "base/error.h"
#include "fleet/target.h"
#include "keys/pubkey.h"
#include "ops/local_key.h"
#include "remote/root_runner.h"
#include "remote/scan_remote.h"
#include "remote/session.h"

/* What can be wrong; each finding is a warning or an error (both count in the status). */
enum scan_finding {
	SCAN_FINDING_DSA,
	SCAN_FINDING_RSA_SHORT, /* under 2048 bits */
	SCAN_FINDING_RSA_WEAK,  /* under 3072 bits */
	SCAN_FINDING_EXPIRED,   /* expiry-time in the past: sshd refuses it */
	SCAN_FINDING_DUPLICATE, /* twice in one file */
	SCAN_FINDING_SHARED,    /* the same key in several accounts or hosts */
	SCAN_FINDING_ROOT_NO_FROM,
	SCAN_FINDING_ACCOUNT_LOCKED,   /* passwd -l with UsePAM no: sshd refuses it */
	SCAN_FINDING_LOCKED_KEYS_WORK, /* passwd -l with UsePAM yes: its keys still log in */
	SCAN_FINDING_ACCOUNT_EXPIRED,
	SCAN_FINDING_UNEXPECTED,   /* not in --expect's list for the host */
	SCAN_FINDING_TYPE_REFUSED, /* a type the server does not take (tinysshd: Ed25519 only) */
	SCAN_FINDING_COUNT
};
enum scan_severity { SCAN_WARNING, SCAN_ERROR };
struct scan_finding_info {
	const char *name; /* machine name: JSON, CSV, --html filters */
	const char *text; /* short words for the table */
	enum scan_severity severity;
};
extern const struct scan_finding_info scan_finding_infos[SCAN_FINDING_COUNT];

/* One key in one place (an account's file and line). */
struct scan_key {
	char *account;
	unsigned long uid;
	char *file;
	unsigned long line;
	struct pubkey *key;
	char fingerprint[64]; /* SHA256:... */
	char *comment;        /* NULL: none */
	char *options;        /* the line's options as written, NULL: none */
	bool cert_authority;  /* a CA key: certificates it signs log in */
	unsigned findings;    /* bit (1u << enum scan_finding) */
	long long last_used;  /* from sshd's log: seconds since 1970; 0 unknown or none */
	bool used_undated;    /* logged, but the log line carries no time (sshd -E) */
	unsigned long uses;   /* logins logged */
	char last_from[64];   /* the address of the last logged login */
};

/* A private key file lying in an account's ~/.ssh. */
struct scan_private_key {
	char *account;
	char *path;
	char format[24];  /* "openssh", "pem", "pkcs8", "putty" */
	int encrypted;    /* 1 yes, 0 no, -1 cannot tell */
	bool others_read; /* group or others may read it */
	char mode[12];
};

/* Something about a file or account that is not a key: "file:line: why" and the like. */
struct scan_note {
	char *account;
	char *text;
	enum scan_severity severity;
	bool info; /* listed, not a finding (AuthorizedKeysCommand named, a CA file) */
};

struct scan_account_info {
	char *name;
	unsigned long uid;
	enum scan_shell shell_state;
	char password[8];
	bool expired;
	size_t n_keys;
};

enum scan_outcome {
	SCAN_CLEAN,    /* read; nothing wrong */
	SCAN_FINDINGS, /* read; findings */
	SCAN_FAILED,
	SCAN_UNREACHABLE,
};
#define SCAN_OUTCOMES 4

struct scan_result {
	enum scan_outcome outcome;
	int error;
	struct diag diag;
	bool all_accounts;
	char *log_source; /* where last-used came from ("journal", a file); NULL none */
	long long now;    /* the server's clock */
	struct scan_account_info *accounts;
	size_t n_accounts;
	struct scan_key *keys;
	size_t n_keys;
	struct scan_private_key *private_keys;
	size_t n_private_keys;
	struct scan_note *notes;
	size_t n_notes;
	unsigned n_warnings, n_errors;
};

struct scan_request {
	struct local_key *keys; /* to log in with */
	size_t n_keys;
	const struct connect_options *connect;
	const struct password_source *password;
	bool all_accounts;     /* through sudo when the login account is not root */
	bool logs;             /* read sshd's log for last-used */
	bool run_keys_command; /* run each account's AuthorizedKeysCommand (root's view) */
};

/* Logged in and the scan helper's answer read: what scan reports and revoke edits. */
struct scan_session {
	struct remote_session *s;
	struct root_runner root; /* have_root: the way to root (directly, or sudo) */
	bool have_root;
	struct pubkey *used;       /* the key that logged in; NULL: the password */
	struct dynbuf out;         /* the helper's answer, which answer points into */
	struct scan_answer answer; /* answer.all_accounts: root's view */
	unsigned long login_uid;   /* the login account's, sudo or not */
	bool unreachable;          /* failed before logging in: no connection */
};
/* all_accounts: through sudo when the login account is not root; otherwise root's view
 * only when root logged in (the helper tells), with the runner opened for the edits. */
int scan_session_open(const struct target *t, const struct scan_request *req,
		      struct scan_session *ret, struct diag *d);
void scan_session_close(struct scan_session *ss);
/* A new connection for the session's further commands, on a server that allows one
 * command per connection (tinysshd: "only one 'session' channel allowed"). */
int scan_session_reconnect(const struct target *t, const struct scan_request *req,
			   struct scan_session *ss, struct diag *d);

void scan_result_init(struct scan_result *res);
void scan_result_clear(struct scan_result *res);
void scan_host(const struct target *t, const struct scan_request *req, struct scan_result *res);

/* The result of a helper's answer (pure: unit-tested without a server). */
int scan_result_from_answer(const struct scan_answer *a, struct scan_result *res);

/* After every host: the findings that need them all (a key in several accounts or hosts),
 * then each result's counts and outcome brought up to date. */
void scan_cross_findings(struct scan_result *results, size_t n);
/* --expect: keys of res (a host read) not expected for their account are unexpected; the
 * expected keys that are missing, notes (warnings). target as given, host its name. */
struct expect_keys;
int scan_apply_expect(struct scan_result *res, const char *target, const char *host,
		      const struct expect_keys *e);
/* Counts and outcome of one result from its findings and notes. */
void scan_result_settle(struct scan_result *res);

#endif
