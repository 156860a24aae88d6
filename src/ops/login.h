/* Logging in to do work on a host (copy, perms): a key the server already accepts, else an
 * ssh-agent key it accepts (only that one is used), else the password or
 * keyboard-interactive. Keys are probed before they are used, and no connection collects
 * more refusals than the server's MaxAuthTries allows: the next ones go on a new
 * connection. */
#ifndef SSHKEYCTL_OPS_LOGIN_H
#define SSHKEYCTL_OPS_LOGIN_H

#include <stdbool.h>
#include <time.h>

#include "base/dynbuf.h"
#include "fleet/target.h"
#include "ops/local_key.h"
#include "remote/session.h"

struct login_request {
	const struct target *target;
	const struct connect_options *connect;
	const struct timespec *deadline; /* the host's, for every connection */
	const struct local_key *keys;    /* tried first; may be none */
	size_t n_keys;
	const struct password_source *password; /* NULL: no password login */
	/* When set: the server (its identification string) must suit the work, checked before
	 * any authentication; a negative return (with d set) ends the login with it. */
	int (*server_check)(const char *banner, struct diag *d);
	/* The first key, when its private half is here, is offered signed at once, without
	 * the query first (the others are queried if it is refused): one round trip less,
	 * for work that needs no list of the keys the server takes (a refusal counts toward
	 * MaxAuthTries as a refused query does). */
	bool sign_at_once;
};

/* ret_session: logged in. accepted[i] (one per key): the server already accepts key i. */
int login_for_work(const struct login_request *req, bool *accepted,
		   struct remote_session **ret_session, struct diag *d);

/* The same; ret_used (may be NULL): a copy of the key that logged in (the caller frees
 * it), NULL when the password did. */
int login_for_work_with(const struct login_request *req, bool *accepted,
			struct remote_session **ret_session, struct pubkey **ret_used,
			struct diag *d);

/* The same for work that needs neither which keys the server took nor a deadline shared
 * with later steps (scan, revoke): the request made here, the host's deadline its own. */
int login_for_work_keys(const struct target *t, const struct connect_options *connect,
			const struct local_key *keys, size_t n_keys,
			const struct password_source *password, struct remote_session **ret_session,
			struct pubkey **ret_used, struct diag *d);

/* Before a fleet run fans out: what logging in for work on this host will take, found
 * without signing or sending anything secret (the methods, then key probes as
 * login_for_work makes them). ret_user: the account it logs in as. Errors as
 * remote_connect's (ERR_HOST_KEY_UNKNOWN when the host key is not known and the connect
 * options' question said no). */
enum login_preflight_outcome {
	LOGIN_PREFLIGHT_KEY,      /* a key (ours or ssh-agent's) will log in */
	LOGIN_PREFLIGHT_PASSWORD, /* the password (or keyboard-interactive) will be needed */
	LOGIN_PREFLIGHT_NO_WAY,   /* no key is accepted and no password is offered */
};
int login_preflight(const struct login_request *req, enum login_preflight_outcome *ret,
		    char *ret_user, size_t user_len, struct diag *d);
/* Before a fleet run that works as root (harden): log in with the keys (as
 * login_for_work, no password) and find out whether sudo will want its password here.
 * ret_user: the account logged in as. */
int login_preflight_sudo(const struct login_request *req, bool *ret_needs_password, char *ret_user,
			 size_t user_len, struct diag *d);

/* A new connection as as_user (NULL: the target's user): the methods the server offers it
 * (ret_methods, may be NULL), then, when a key is given, a login with it: with priv, or
 * through ssh-agent with pub when priv is NULL. pub and priv both NULL: methods only. */
int login_prove(const struct target *t, const char *as_user, const struct connect_options *connect,
		const struct timespec *deadline, const struct pubkey *pub,
		const struct privkey *priv, unsigned *ret_methods, struct diag *d);

/* The proof: a new connection (as as_user, or the target's user) logs in with key alone. */
int login_prove_key(const struct target *t, const char *as_user,
		    const struct connect_options *connect, const struct timespec *deadline,
		    const struct privkey *key, struct diag *d);

/* New connections as as_user (NULL: the target's user) asking, with publickey queries that
 * carry no signature, whether the server would take each key (ret_accepted[i]): the proof
 * that needs only public keys (revoke). A few queries a connection, under MaxAuthTries. */
int login_probe_keys(const struct target *t, const char *as_user,
		     const struct connect_options *connect, const struct timespec *deadline,
		     const struct pubkey *const *keys, size_t n, bool *ret_accepted,
		     struct diag *d);
/* After a removal: the same queries, one line per key into proof, named by label (the
 * account): "LABEL: SHA256:... refused (publickey query)", "... STILL ACCEPTED ...", or
 * "... not proven: why"; tinysshd, which answers every query with yes, cannot prove it (no
 * connection made). *ret_all_refused: every key was refused. */
int login_prove_refused(const struct target *t, const char *as_user, const char *label,
			const struct connect_options *connect, const struct timespec *deadline,
			const struct pubkey *const *keys, size_t n, bool tinysshd,
			struct dynbuf *proof, bool *ret_all_refused);

#endif
