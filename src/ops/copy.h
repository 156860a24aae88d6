/* The copy use case: install public keys for an account on one host, fix what would make
 * sshd ignore them, and prove from a new connection that the key logs in. */
#ifndef SSHKEYCTL_OPS_COPY_H
#define SSHKEYCTL_OPS_COPY_H

#include <stdbool.h>

#include "base/dynbuf.h"
#include "fleet/target.h"
#include "keys/privkey.h"
#include "ops/local_key.h"
#include "ops/login.h"
#include "remote/session.h"

struct copy_request {
	struct local_key *keys;
	size_t n_keys;
	const struct connect_options *connect;
	const char *for_user; /* --for-user, as root */
	bool fix;             /* not --no-fix */
	bool dry_run;
	bool sftp; /* --sftp: edit over SFTP even when the account has a shell */
	const struct password_source *password;
};

enum copy_outcome {
	COPY_PRESENT,              /* every key already logs in */
	COPY_INSTALLED,            /* installed and proven by a key login */
	COPY_INSTALLED_UNVERIFIED, /* installed, no private key to prove it with */
	COPY_WOULD_CHANGE,         /* dry run: changes listed */
	COPY_FAILED,
};

struct copy_result {
	enum copy_outcome outcome;
	int error;
	struct diag diag;      /* failure or the reason a proof was impossible */
	struct dynbuf changes; /* one line per change made (or, dry run, to be made) */
	struct dynbuf diff;    /* dry run: unified diff of authorized_keys */
	char *path;            /* authorized_keys on the host */
	unsigned keys_added;
	unsigned keys_present;
};

void copy_result_init(struct copy_result *res);
void copy_result_clear(struct copy_result *res);
/* Never fails as a function: the outcome and error are in res. */
void copy_to_host(const struct target *t, const struct copy_request *req, struct copy_result *res);

#endif
