/* The verify use case: what one server really accepts, found with only what the client
 * already has (never a password): is it reachable, does our key log in (a real login that
 * runs `true`), and is password login still possible, for the login user and for more
 * account names (a Match User block can turn passwords on for one account). Polite: the
 * fewest authentication requests that answer, counted and reported. */
#ifndef SSHKEYCTL_OPS_VERIFY_H
#define SSHKEYCTL_OPS_VERIFY_H

#include <stdbool.h>

#include "fleet/target.h"
#include "ops/local_key.h"
#include "remote/session.h"

struct verify_request {
	struct local_key *keys; /* the keys to prove, in order; none: ssh-agent's keys */
	size_t n_keys;
	const struct connect_options *connect;
	char *const *users; /* --users: more account names whose methods are asked */
	size_t n_users;
};

enum verify_verdict {
	VERIFY_OK,          /* key login works (or the key and then a second factor are
			     * required), no password login */
	VERIFY_WARN,        /* key login works, password login still offered */
	VERIFY_FAIL,        /* no key of ours logs in */
	VERIFY_UNREACHABLE, /* no SSH conversation (down, refused, host key refused) */
};

/* What the server offers one account name. */
struct verify_account {
	const char *user;
	bool answered;    /* false: its connection failed (diag in the result) */
	unsigned methods; /* AUTH_METHOD_* offered */
	/* keyboard-interactive, when offered, sent a prompt (false: it fails at once, as on a
	 * server without PAM: no password can log in through it) */
	bool kbdint_asks;
};

struct verify_result {
	enum verify_verdict verdict;
	int error;
	struct diag diag; /* why FAIL or UNREACHABLE; a note otherwise */
	char banner[256];
	bool host_key_new;
	char login_user[256];
	struct verify_account login;   /* the login user (user points to login_user) */
	struct verify_account *others; /* one per --users name */
	size_t n_others;
	bool key_login;
	char key_used[512]; /* the file, or "ssh-agent: COMMENT" */
	/* the key was accepted and sshd then wants another method (AuthenticationMethods
	 * publickey,keyboard-interactive: a second factor), which verify does not answer:
	 * key_login stays false, key_used names the key */
	bool second_factor;
	unsigned then_methods; /* AUTH_METHOD_* wanted after the key */
	char then_prompt[256]; /* keyboard-interactive's first prompt ("Verification code:") */
	/* sshd asked keyboard-interactive after the key and let us in without a question (a
	 * second factor not in force: nullok, no secret): key_login is true */
	bool second_factor_unasked;
	int true_status;        /* exit status of `true` after the key login */
	unsigned auth_requests; /* authentication requests sent, all connections */
	unsigned refusals;      /* of which refused */
};

void verify_result_init(struct verify_result *res);
void verify_result_clear(struct verify_result *res);
/* Never fails as a function: everything is in res. */
void verify_host(const struct target *t, const struct verify_request *req,
		 struct verify_result *res);
/* The offered methods a password can log in with: password, and keyboard-interactive when
 * it asks something. */
unsigned verify_password_methods(const struct verify_account *a);
bool verify_password_offered(const struct verify_account *a);

#endif
