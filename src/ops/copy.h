/* The copy use case: install public keys for an account on one host, fix what would make
 * sshd ignore them, and prove from a new connection that the key logs in. */
#ifndef SSHKEYCTL_OPS_COPY_H
#define SSHKEYCTL_OPS_COPY_H

#include <stdbool.h>

#include "base/dynbuf.h"
#include "files/authorized_keys.h"
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
	/* --exclusive FILE: these key lines (options kept), with the keys above, become
	 * exactly the account's authorized keys (every other key goes, from every file sshd
	 * reads); NULL: copy adds */
	const struct authorized_keys *exclusive;
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
	/* --exclusive */
	unsigned keys_removed;     /* distinct keys taken out */
	unsigned lines_unreadable; /* lines sshkeyctl cannot read as keys, taken out */
	struct dynbuf proof;       /* one line per key proven accepted or refused */
};

void copy_result_init(struct copy_result *res);
void copy_result_clear(struct copy_result *res);
/* Never fails as a function: the outcome and error are in res. */
void copy_to_host(const struct target *t, const struct copy_request *req, struct copy_result *res);

#endif
