/* The revoke use case: a key taken away from every authorized keys file of the login
 * account, or (as root, or --all-accounts through sudo) of every account; matched by blob
 * (never by text: options, comments and certificate wrapping aside), by SHA256 fingerprint,
 * or by comment pattern; each file changed through the one edit transaction (keys_edit.h),
 * every other byte kept. Then proven without the private key: a fresh connection as each
 * account asks with a publickey query (no signature) whether the server still takes it.
 *
 * The key this run logged in with is never removed from the login account unless asked,
 * and then only after another way in (another key, or the password) has logged in from a
 * new connection. */
#ifndef SSHKEYCTL_OPS_REVOKE_H
#define SSHKEYCTL_OPS_REVOKE_H

#include <stdbool.h>

#include "base/dynbuf.h"
#include "fleet/target.h"
#include "ops/local_key.h"
#include "remote/session.h"

struct revoke_request {
	struct local_key *keys; /* to log in with */
	size_t n_keys;
	const struct connect_options *connect;
	const struct password_source *password;
	const struct pubkey *const *revoke; /* the keys to take away */
	size_t n_revoke;
	const char *const *fingerprints; /* and any key with one of these SHA256 fingerprints */
	size_t n_fingerprints;
	const char *comment_glob; /* and any key whose comment matches (fnmatch), or NULL */
	bool all_accounts;        /* through sudo when the login account is not root */
	const char *for_user;     /* only this account's files, as root or through sudo */
	bool including_login_key;
	bool dry_run;
	/* --install-krl: this KRL put on each host (RevokedKeys) through harden's transaction,
	 * after the removal; NULL: not */
	const struct dynbuf *install_krl;
	unsigned confirm_timeout; /* its dead-man */
};

enum revoke_outcome {
	REVOKE_NOT_FOUND, /* no matching key on the host: nothing to do */
	REVOKE_PROVEN,    /* removed, and every account's sshd refuses it */
	REVOKE_WOULD,     /* dry run: the diff shown */
	REVOKE_UNPROVEN,  /* removed, but the server still takes it, or cannot be asked */
	REVOKE_FAILED,
	REVOKE_UNREACHABLE,
};
#define REVOKE_OUTCOMES 6

struct revoke_result {
	enum revoke_outcome outcome;
	int error;
	struct diag diag;
	struct dynbuf changes;   /* one line per file changed (or, dry run, to be changed) */
	struct dynbuf diff;      /* dry run */
	struct dynbuf proof;     /* one line per account asked */
	struct pubkey **removed; /* the distinct keys taken out (for --krl), owned */
	size_t n_removed;
	unsigned n_lines; /* lines removed */
	unsigned n_files;
	unsigned n_accounts;
};

void revoke_result_init(struct revoke_result *res);
void revoke_result_clear(struct revoke_result *res);
void revoke_host(const struct target *t, const struct revoke_request *req,
		 struct revoke_result *res);

#endif
