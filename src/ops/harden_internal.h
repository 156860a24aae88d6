/* harden's transaction and proof, for the operations that change sshd's configuration the
 * same way (ops/mfa.c): one host's state while it works, the steps it is built of. Not for
 * the cli: ops/harden.h is the interface. */
#ifndef SSHKEYCTL_OPS_HARDEN_INTERNAL_H
#define SSHKEYCTL_OPS_HARDEN_INTERNAL_H

#include <stdbool.h>
#include <time.h>

#include "base/dynbuf.h"
#include "ops/harden.h"
#include "remote/server_admin.h"

/* After a reload, sshd re-executes itself: new connections may be refused, or meet the old
 * configuration, for a moment. A proof tries this often before it concludes. */
#define PROOF_ATTEMPTS 20
#define PROOF_PAUSE_MS 250

/* One account whose methods are proven, and what sshd -T says it may use. */
struct account_check {
	const char *user;
	struct dynbuf effective;
	bool password_expected; /* after the change, per sshd -T */
};

struct harden {
	const struct target *t;
	const struct harden_request *req;
	struct harden_result *res;
	struct timespec deadline;
	struct remote_session *s; /* the lifeline: open until the end */
	struct server_admin *admin;
	struct pubkey *used;             /* the key that logs in */
	const struct privkey *used_priv; /* its private half, if we have it */
	struct account_check *accounts;  /* the login user first, then --users */
	size_t n_accounts;
	bool lifeline_lost;
	bool deadman_armed;          /* the server restores the backup by itself unless confirmed */
	time_t deadman_at;           /* when (wall clock, by our clock) */
	bool locked;                 /* the server's harden lock is ours (until the helper ends) */
	bool match_allows_passwords; /* a Match block turning passwords on was only reported */
	char login_user[256];
	/* the proof of the new state, when it is not harden's own (mfa's); a rollback proves
	 * the old state with harden_prove */
	int (*prove_change)(struct harden *h, struct diag *d);
	/* work of the transaction before its first file is written, with the backup begun and
	 * the dead-man armed (mfa's secrets, which the restore removes again); a failure is a
	 * rollback */
	int (*before_write)(struct harden *h, struct diag *d);
	void *op; /* the operation's own state (mfa's) */
};

/* One file of the change: new content, or removal. expected: the bytes it has now (NULL:
 * it must not exist). */
struct file_change {
	const char *path;
	const struct dynbuf *expected;
	const struct dynbuf *content; /* NULL: remove */
};

void harden_set_outcome(struct harden *h, enum harden_outcome o, int error, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A remote failure that means the connection itself is gone. */
bool harden_connection_lost(int r);
/* sshd -T's value of keyword (lower case) is value. */
bool harden_effective_is(const struct dynbuf *eff, const char *keyword, const char *value);
/* A password is offered at the start (password, or keyboard-interactive, which PAM turns
 * into a password prompt), as sshd -T describes the account's configuration. */
bool harden_password_possible(const struct dynbuf *eff);
/* sshd -T for every account of h (password_expected set from it). */
int harden_read_effective(struct harden *h, struct diag *d);
/* From new connections: the key logs in as the login user, and every account is offered
 * password login exactly when sshd -T says it may be. */
int harden_prove(struct harden *h, struct diag *d);
/* Those proofs, one line each into the result. */
void harden_note_proof(struct harden *h);
/* Nothing to change (state says what is in place): proven, noted, HARDEN_ALREADY; or
 * HARDEN_FAILED, "STATE, but WHY". */
void harden_prove_unchanged(struct harden *h, const char *state);
/* Root on the server, the lock taken (unless the work changes nothing: a dry run, mfa
 * status), its sshd -t passing, the sshd_config model, every account's sshd -T (outcome
 * set on failure). */
int harden_open_server(struct harden *h, struct sshd_config **ret_cfg);
/* The transaction, from the backup to the confirmation; check (may be NULL) looks at
 * sshd -T after the write and returns a reason to roll back, or NULL. The outcome is set:
 * success, or why not (rolled back, or failed). */
void harden_transaction(struct harden *h, const char *kind, const struct file_change *changes,
			size_t n, const char *(*check)(struct harden *h, char *buf, size_t len),
			enum harden_outcome success);
/* The server's harden lock (one run at a time), taken once; what an interrupted run left
 * open is restored first, and said so in the warnings. */
int harden_lock(struct harden *h, struct diag *d);
/* The tests' kill -9 at a named step (never set in the installed program). */
void harden_fault_kill(const struct harden *h, const char *step);
void harden_sleep_ms(long ms);

/* mfa enable, disable or status on the logged-in host (ops/mfa.c). */
void mfa_host_work(struct harden *h);
/* sshd's PAM stack holds mfa's edit (h->admin open). */
bool mfa_set_up(struct harden *h);
/* mt, a Match directive, starts mfa's own block. */
struct sshd_directive;
bool mfa_block_match(const struct sshd_config *cfg, const struct sshd_directive *mt);

#endif
