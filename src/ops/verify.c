#include "ops/verify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/error.h"
#include "remote/agent.h"

/* refusals allowed before we stop trying keys: well under OpenSSH's default MaxAuthTries
 * (6), so a routine check never trips it, fail2ban or sshguard */
#define MAX_REFUSALS 4

void verify_result_init(struct verify_result *res)
{
	memset(res, 0, sizeof(*res));
	res->true_status = -1;
}

void verify_result_clear(struct verify_result *res)
{
	free(res->others);
	memset(res, 0, sizeof(*res));
}

unsigned verify_password_methods(const struct verify_account *a)
{
	return a->methods & (AUTH_METHOD_PASSWORD | (a->kbdint_asks ? AUTH_METHOD_KBDINT : 0));
}

bool verify_password_offered(const struct verify_account *a)
{
	return verify_password_methods(a) != 0;
}

/* A new connection for user (NULL: the target's) with the host's deadline. */
static int connect_as(const struct target *t, const char *user, const struct verify_request *req,
		      const struct timespec *deadline, struct remote_session **ret, struct diag *d)
{
	struct target as = *t;
	if (user)
		as.user = (char *)user;
	int r = remote_connect(&as, req->connect, ret, d);
	if (r == 0)
		remote_set_host_deadline(*ret, deadline);
	return r;
}

static int methods_of(struct remote_session *s, struct verify_account *acct,
		      struct verify_result *res, struct diag *d)
{
	int r = remote_auth_methods(s, &acct->methods, d);
	res->auth_requests++;
	acct->answered = r == 0;
	return r;
}

/* keyboard-interactive offered, and password not: does it ask anything? On s, which can
 * authenticate nothing after. */
static void kbdint_asks(struct remote_session *s, struct verify_account *acct,
			struct verify_result *res)
{
	struct diag ignored = {{0}};
	/* unknown: counted as a password way in; in without a question: worse than a
	 * prompt, and counted as one */
	enum kbdint_first first = KBDINT_ASKS;
	if (!(acct->methods & AUTH_METHOD_KBDINT) || (acct->methods & AUTH_METHOD_PASSWORD))
		return;
	res->auth_requests++;
	if (remote_auth_kbdint_first(s, &first, NULL, 0, &ignored) < 0)
		first = KBDINT_ASKS;
	acct->kbdint_asks = first != KBDINT_FAILS;
}

/* Log in with key k if the server takes it: a probe first (a refused probe costs one
 * request, never a signature), then the private key or, when it could not be opened here,
 * ssh-agent holding the same key. */
static int try_key(struct remote_session *s, const struct pubkey *pub, const struct privkey *priv,
		   const char *path, bool agent_has_it, struct verify_result *res, bool *ret_in,
		   struct diag *d)
{
	bool accepted = false;
	*ret_in = false;
	int r = remote_auth_probe_key(s, pub, &accepted, d);
	res->auth_requests++;
	if (r < 0)
		return r;
	if (!accepted) {
		res->refusals++;
		return 0;
	}
	if (priv) {
		res->auth_requests++;
		r = remote_auth_key(s, priv, d);
	} else if (agent_has_it) {
		res->auth_requests += 2; /* through the agent: probe again, then sign */
		r = remote_auth_agent_key(s, pub, d);
	} else {
		/* ssh would ask the passphrase at every login: the agent asks it once, for a
		 * while (-t) */
		diag_set(d,
			 "the server accepts the key, but its private half cannot be opened "
			 "here: load it into ssh-agent for a while (ssh-add -t 1h %s) and run "
			 "again",
			 path ? path : "KEY");
		return 0;
	}
	if (r == ERR_AUTH_DENIED) {
		res->refusals++;
		return 0;
	}
	if (r == ERR_AUTH_PARTIAL) {
		res->second_factor = true;
		res->then_methods = remote_auth_methods_named(s);
		d->text[0] = 0;
		r = 0;
	}
	*ret_in = r == 0;
	return r;
}

static bool agent_holds(const struct agent_identities *ids, const struct pubkey *key)
{
	for (size_t i = 0; i < ids->n; i++)
		if (ids->items[i].key && pubkey_equal(ids->items[i].key, key))
			return true;
	return false;
}

/* Our key logs in? The request's keys in order, else ssh-agent's. */
static int key_login(struct remote_session *s, const struct verify_request *req,
		     struct verify_result *res, struct diag *d)
{
	struct agent_identities ids = {0};
	bool in = false;
	int r = 0;
	const char *agent_path = NULL;
	if (remote_identity_agent(s, &agent_path) < 0 ||
	    agent_list_identities(agent_path, &ids) < 0)
		ids.n = 0;
	for (size_t i = 0; !in && i < req->n_keys && res->refusals < MAX_REFUSALS; i++) {
		const struct local_key *k = &req->keys[i];
		if ((r = try_key(s, k->pub, k->priv, k->path, agent_holds(&ids, k->pub), res, &in,
				 d)) < 0)
			break;
		if (in)
			snprintf(res->key_used, sizeof(res->key_used), "%s", k->path);
	}
	for (size_t i = 0; r == 0 && !in && req->n_keys == 0 && i < ids.n; i++) {
		if (!ids.items[i].key)
			continue;
		if (res->refusals >= MAX_REFUSALS) {
			diag_set(d,
				 "stopped after %u refused keys, to stay under the server's "
				 "MaxAuthTries (ssh-agent holds %zu)",
				 res->refusals, ids.n);
			break;
		}
		if ((r = try_key(s, ids.items[i].key, NULL, NULL, true, res, &in, d)) < 0)
			break;
		if (in)
			snprintf(res->key_used, sizeof(res->key_used), "ssh-agent: %s",
				 ids.items[i].comment);
	}
	size_t agent_keys = ids.n;
	agent_identities_clear(&ids);
	if (r == 0 && !in && !d->text[0]) {
		if (req->n_keys == 0 && agent_keys == 0)
			diag_set(d, "no key to try: no -i KEY, no ~/.ssh/id_* key, and no keys in "
				    "ssh-agent");
		else
			diag_set(d, "the server refused %s",
				 req->n_keys == 1 ? req->keys[0].path
				 : req->n_keys    ? "every key given"
						  : "every key in ssh-agent");
	}
	res->key_login = in && !res->second_factor;
	return r;
}

/* After the key's partial success: keyboard-interactive's first question, read and never
 * answered (what the second factor is: "Verification code:", or a password). */
static void second_factor_prompt(struct remote_session *s, struct verify_result *res)
{
	struct diag ignored = {{0}};
	enum kbdint_first first = KBDINT_FAILS;
	if (!(res->then_methods & AUTH_METHOD_KBDINT))
		return;
	res->auth_requests++;
	if (remote_auth_kbdint_first(s, &first, res->then_prompt, sizeof(res->then_prompt),
				     &ignored) < 0 ||
	    first != KBDINT_ASKS)
		res->then_prompt[0] = 0;
	/* no question after the key (nullok, no secret): the key alone logs in after all */
	if (first == KBDINT_LETS_IN) {
		res->second_factor = false;
		res->second_factor_unasked = true;
		res->key_login = true;
	}
}

void verify_host(const struct target *t, const struct verify_request *req,
		 struct verify_result *res)
{
	struct remote_session *s = NULL;
	struct timespec deadline = remote_host_deadline(req->connect);

	res->verdict = VERIFY_UNREACHABLE;
	int r = connect_as(t, NULL, req, &deadline, &s, &res->diag);
	if (r < 0)
		goto out;
	snprintf(res->banner, sizeof(res->banner), "%s", remote_server_banner(s));
	res->host_key_new = remote_host_key_was_new(s);
	snprintf(res->login_user, sizeof(res->login_user), "%s", remote_user(s));
	res->login.user = res->login_user;
	if ((r = methods_of(s, &res->login, res, &res->diag)) < 0)
		goto out;
	res->verdict = VERIFY_FAIL;
	if (res->login.methods == 0) {
		diag_set(&res->diag, "the server let us in without any authentication");
		res->verdict = VERIFY_WARN;
		goto out;
	}
	if (!(res->login.methods & AUTH_METHOD_PUBLICKEY)) {
		diag_set(&res->diag, "the server does not offer public key authentication to %s",
			 res->login.user);
		goto out;
	}
	if ((r = key_login(s, req, res, &res->diag)) < 0 ||
	    (!res->key_login && !res->second_factor))
		goto out;
	if (res->second_factor)
		second_factor_prompt(s, res);
	if (res->key_login &&
	    (r = remote_exec_status(s, "true", &res->true_status, &res->diag)) < 0)
		goto out;
	res->others = calloc(req->n_users ? req->n_users : 1, sizeof(*res->others));
	if (!res->others) {
		r = -ENOMEM;
		goto out;
	}
	res->login.kbdint_asks = true;
	if ((res->login.methods & AUTH_METHOD_KBDINT) &&
	    !(res->login.methods & AUTH_METHOD_PASSWORD)) {
		/* the login's connection is logged in: a new one asks */
		struct remote_session *ask = NULL;
		struct diag d = {{0}};
		struct verify_account probe = {.user = res->login.user};
		if (connect_as(t, NULL, req, &deadline, &ask, &d) == 0 &&
		    methods_of(ask, &probe, res, &d) == 0) {
			kbdint_asks(ask, &probe, res);
			res->login.kbdint_asks = probe.kbdint_asks;
		}
		remote_session_free(ask);
	}
	bool password = verify_password_offered(&res->login);
	for (size_t i = 0; i < req->n_users; i++) {
		struct verify_account *acct = &res->others[res->n_others++];
		struct remote_session *other = NULL;
		struct diag d = {{0}};
		acct->user = req->users[i];
		acct->kbdint_asks = true;
		if (connect_as(t, req->users[i], req, &deadline, &other, &d) == 0 &&
		    methods_of(other, acct, res, &d) == 0)
			kbdint_asks(other, acct, res);
		remote_session_free(other);
		if (!acct->answered)
			diag_set(&res->diag, "no answer for %s: %s", acct->user, d.text);
		password = password || (acct->answered && verify_password_offered(acct));
	}
	res->verdict = password ? VERIFY_WARN : VERIFY_OK;
	r = 0;
out:
	res->error = r;
	if (r < 0 && !res->diag.text[0])
		diag_set(&res->diag, "%s", error_to_string(r));
	remote_session_free(s);
}
