/* The rotate use case on one host: the new key in beside the old, proven, then the old one
 * out, proven refused; at no moment may neither key log in.
 *
 *   1. log in (the old key, else the new one: a rerun, else the password);
 *   2. the new key written on a line of its own after each line of the old one, with that
 *      line's options (from=, command=, restrict, expiry-time...); where the old key is in
 *      no file, on a line of its own at the end of the first file (copy's way);
 *   3. a new connection logs in with the new key alone: the proof. When it cannot, the line
 *      just added is taken out again (through the first connection, still open) and the
 *      host keeps the old key: failed;
 *   4. (unless keep_old) through that new connection, every line of the old key removed
 *      from every file sshd reads for the account (by blob, the shared edit transaction);
 *   5. another new connection asks whether the server still takes the old key (a
 *      publickey query, no signature): done when refused.
 *
 * Each step starts from what the server's files hold, so a rerun after any interruption
 * finishes what is missing. */
#ifndef SSHKEYCTL_OPS_ROTATE_H
#define SSHKEYCTL_OPS_ROTATE_H

#include <stdbool.h>

#include "base/dynbuf.h"
#include "files/rotate_state.h"
#include "fleet/target.h"
#include "ops/local_key.h"
#include "remote/session.h"

struct rotate_request {
	const struct local_key *old;     /* the key rotated: to log in (priv, or in ssh-agent) */
	const struct local_key *new_key; /* the new pair, decrypted */
	const char *new_comment;         /* the new line's comment (NULL: the old line's) */
	const struct connect_options *connect;
	const struct password_source *password; /* when neither key logs in */
	bool keep_old;                          /* stop once the new key is proven */
	/* the run's targets: an account that is one of them on the same host is rotated there
	 * (not named as keeping the old key) */
	const struct target_list *targets;
	bool dry_run;
	/* the tests' injected faults (sshkeyctl-faults only; NULL in the installed program):
	 * "kill-after-install", "kill-after-proof", "kill-after-remove" (SIGKILL there), or
	 * "wait-after-install:PATH" (the host waits, up to a minute, until PATH exists) */
	const char *fault;
};

enum rotate_outcome {
	ROTATE_DONE,      /* the new key logs in, the old one is gone and refused */
	ROTATE_INSTALLED, /* keep_old: the new key logs in, the old one stays */
	ROTATE_WOULD,     /* dry run */
	ROTATE_UNPROVEN,  /* the old key removed, but the server still takes it */
	/* logged in as root: done for root, but other accounts' files hold the old key too
	 * (each account is its own target: said which) */
	ROTATE_OLD_ELSEWHERE,
	ROTATE_FAILED, /* the host keeps the old key (said why) */
	ROTATE_UNREACHABLE,
};
#define ROTATE_OUTCOMES 7

struct rotate_result {
	enum rotate_outcome outcome;
	int error;
	struct diag diag;
	struct dynbuf changes; /* one line per file changed (dry run: to be changed) */
	struct dynbuf diff;    /* dry run */
	struct dynbuf proof;   /* one line per proof made */
	/* where the host stands now, for the state file (when known: a host that could not be
	 * reached stands where it stood) */
	enum rotate_host_state state;
	bool state_known;
	unsigned lines_added, lines_removed;
};

void rotate_result_init(struct rotate_result *res);
void rotate_result_clear(struct rotate_result *res);
void rotate_host(const struct target *t, const struct rotate_request *req,
		 struct rotate_result *res);

#endif
