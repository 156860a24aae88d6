/* The perms use case: the path to an account's authorized_keys on a host checked exactly as
 * sshd's StrictModes checks it, each finding with its path, what is wrong and the fix; with
 * fix, the smallest change that satisfies sshd (chmod of the offending write bits, chown as
 * root), never anything looser, then a key login from a new connection as proof. */
#ifndef SSHKEYCTL_OPS_PERMS_H
#define SSHKEYCTL_OPS_PERMS_H

#include <stdbool.h>

#include "base/dynbuf.h"
#include "ops/local_key.h"
#include "ops/login.h"
#include "ops/strict_modes.h"

struct perms_request {
	struct local_key *keys; /* to log in with, and for the proof after a fix */
	size_t n_keys;
	const struct connect_options *connect;
	const char *for_user; /* as root: this account's path */
	bool fix;
	bool dry_run;
	bool sftp;
	const struct password_source *password;
};

enum perms_outcome {
	PERMS_OK,               /* sshd accepts the path */
	PERMS_FOUND,            /* problems found, nothing changed */
	PERMS_WOULD_FIX,        /* dry run: the changes listed */
	PERMS_FIXED,            /* fixed, and a key login proved it */
	PERMS_FIXED_UNVERIFIED, /* fixed; no private key at hand for the proof */
	PERMS_FAILED,
	PERMS_NO_FILE, /* none of the files sshd reads exists: nothing to check, no key logs in */
};
#define PERMS_OUTCOMES 7

struct perms_result {
	enum perms_outcome outcome;
	int error;
	struct diag diag;
	char *path;             /* authorized_keys as configured */
	char *real_path;        /* with links resolved, when it differs */
	struct dynbuf findings; /* one line each: "PATH: what is wrong; fix: COMMAND" */
	struct dynbuf changes;  /* one line per change made (or, dry run, to be made) */
	unsigned n_findings;
	unsigned n_unfixable; /* findings no automatic fix may touch */
};

void perms_result_init(struct perms_result *res);
void perms_result_clear(struct perms_result *res);
void perms_host(const struct target *t, const struct perms_request *req, struct perms_result *res);

/* One finding in words, and whether --fix may apply it: levels shared with other users
 * (sticky directories such as /tmp) and non-regular files are reported, never changed. */
int perms_describe(const struct authorized_keys_state *st, const struct strict_modes_finding *f,
		   bool as_root, struct dynbuf *out, bool *ret_fixable);

#endif
