#include "ops/login.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/error.h"
#include "keys/fingerprint.h"
#include "remote/agent.h"
#include "remote/openssh_client.h"
#include "remote/root_runner.h"

/* OpenSSH's default MaxAuthTries is 6 and every refused key counts toward it: refuse no
 * more than this many keys on one connection, then go on on a new one */
#define REFUSALS_PER_CONNECTION 4
/* ssh-agent keys tried at most (ssh itself would offer them all and be cut off at six) */
#define MAX_AGENT_KEYS 16
/* The connection, and what logging in has cost on it. */
struct login {
	const struct login_request *req;
	struct remote_session *s;
	unsigned methods;
	unsigned refused; /* keys refused on this connection */
	unsigned budget;  /* refusals allowed on one connection */
	unsigned refused_total;
	struct pubkey *used; /* a copy of the key that logged in */
	/* login_preflight: stop before anything is signed or sent, and say what would log in */
	bool probe_only;
	enum login_preflight_outcome outcome;
};

static int remember_key(struct login *l, const struct pubkey *key)
{
	pubkey_free(l->used);
	l->used = NULL;
	return pubkey_from_blob(key->blob, key->blob_len, &l->used);
}

/* ask_methods: send the "none" request first, as ssh does, to learn the methods; without,
 * the first refusal names them (one round trip less when the first key signs at once) */
static int login_connect_asking(struct login *l, bool ask_methods, struct diag *d)
{
	remote_session_free(l->s);
	l->s = NULL;
	l->refused = 0;
	int r = remote_connect(l->req->target, l->req->connect, &l->s, d);
	if (r < 0)
		return r;
	if (l->req->server_check && (r = l->req->server_check(remote_server_banner(l->s), d)) < 0)
		return r;
	remote_set_host_deadline(l->s, l->req->deadline);
	if (!ask_methods) {
		l->methods = AUTH_METHOD_PUBLICKEY;
		return 0;
	}
	return remote_auth_methods(l->s, &l->methods, d);
}

static int login_connect(struct login *l, struct diag *d)
{
	return login_connect_asking(l, true, d);
}

/* Would the server take key? A new connection when this one has no refusals left; a server
 * that hangs up early teaches us its lower MaxAuthTries. */
static int login_probe(struct login *l, const struct pubkey *key, bool *accepted, struct diag *d)
{
	int r;
	if (l->refused >= l->budget && (r = login_connect(l, d)) < 0)
		return r;
	r = remote_auth_probe_key(l->s, key, accepted, d);
	if (r == ERR_CONNECT && l->refused > 0) {
		l->budget = l->refused;
		if ((r = login_connect(l, d)) < 0)
			return r;
		r = remote_auth_probe_key(l->s, key, accepted, d);
	}
	if (r == 0 && !*accepted) {
		l->refused++;
		l->refused_total++;
	}
	return r;
}

static bool is_one_of_ours(const struct login_request *req, const struct pubkey *key)
{
	for (size_t i = 0; i < req->n_keys; i++)
		if (pubkey_equal(req->keys[i].pub, key))
			return true;
	return false;
}

/* The key is accepted and sshd wants a second factor after it (AuthenticationMethods):
 * the work stops here rather than send the password where a code is asked. */
static int second_factor_wanted(const struct login *l, struct diag *d)
{
	unsigned m = remote_auth_methods_named(l->s);
	diag_set(d,
		 "the server accepts the key for %s, then asks a second factor (%s): "
		 "sshkeyctl cannot answer it for this work; log in as an account without one",
		 remote_label(l->s),
		 m & AUTH_METHOD_KBDINT     ? "keyboard-interactive"
		 : m & AUTH_METHOD_PASSWORD ? "password"
					    : "another method");
	return ERR_AUTH_PARTIAL;
}

/* ssh-agent's keys, each probed first so that only an accepted one is used (ssh offers them
 * all, and a full agent ends the login at MaxAuthTries). */
static int login_with_agent(struct login *l, unsigned *ret_skipped, struct diag *d)
{
	struct agent_identities ids = {0};
	unsigned tried = 0;
	int r = ERR_AUTH_DENIED;
	const char *agent_path = NULL;
	const struct openssh_client_config *client = remote_client_config(l->s);
	*ret_skipped = 0;
	/* IdentitiesOnly: ssh offers the identity files alone, not the agent's other keys */
	if ((client && client->identities_only) || remote_identity_agent(l->s, &agent_path) < 0 ||
	    agent_list_identities(agent_path, &ids) < 0)
		return ERR_AUTH_DENIED;
	for (size_t i = 0; i < ids.n; i++) {
		const struct pubkey *key = ids.items[i].key;
		bool accepted = false;
		if (!key || is_one_of_ours(l->req, key))
			continue;
		if (tried++ >= MAX_AGENT_KEYS) {
			(*ret_skipped)++;
			continue;
		}
		if ((r = login_probe(l, key, &accepted, d)) < 0)
			break;
		r = ERR_AUTH_DENIED;
		if (accepted && l->probe_only) {
			l->outcome = LOGIN_PREFLIGHT_KEY;
			r = 0;
			break;
		}
		int in = accepted ? remote_auth_agent_key(l->s, key, d) : ERR_AUTH_DENIED;
		if (in == 0) {
			r = remember_key(l, key);
			break;
		}
		if (in == ERR_AUTH_PARTIAL) {
			r = second_factor_wanted(l, d);
			break;
		}
	}
	agent_identities_clear(&ids);
	return r;
}

/* Log in: a key the server already accepts, else an agent key it accepts, else the
 * password. accepted[i]: the server already takes the request's key i. */
static int login(struct login *l, bool *accepted, struct diag *d)
{
	const struct login_request *req = l->req;
	unsigned skipped = 0;
	l->budget = REFUSALS_PER_CONNECTION;
	/* the first key signs at once; the others, if it is refused, are probed first */
	bool signed_first =
		req->sign_at_once && !l->probe_only && req->n_keys >= 1 && req->keys[0].priv;
	int r = login_connect_asking(l, !signed_first, d);
	if (r < 0 || l->methods == 0)
		return r;
	if (l->methods & AUTH_METHOD_PUBLICKEY) {
		if (signed_first) {
			r = remote_auth_key(l->s, req->keys[0].priv, d);
			if (r == 0) {
				accepted[0] = true;
				return remember_key(l, req->keys[0].pub);
			}
			if (r == ERR_AUTH_PARTIAL)
				return second_factor_wanted(l, d);
			if (r != ERR_AUTH_DENIED)
				return r;
			d->text[0] = 0;
			l->refused++;
			l->refused_total++;
			l->methods = remote_auth_methods_named(l->s);
		}
		for (size_t i = signed_first ? 1 : 0; i < req->n_keys; i++)
			if ((r = login_probe(l, req->keys[i].pub, &accepted[i], d)) < 0)
				return r;
		for (size_t i = 0; l->probe_only && i < req->n_keys; i++)
			if (accepted[i] && (req->keys[i].priv || req->keys[i].in_agent)) {
				l->outcome = LOGIN_PREFLIGHT_KEY;
				return 0;
			}
		/* an accepted key signs with its private half, or, when that could not be
		 * opened here (a passphrase and no terminal), through ssh-agent */
		for (size_t i = 0; i < req->n_keys; i++) {
			if (!accepted[i])
				continue;
			r = req->keys[i].priv ? remote_auth_key(l->s, req->keys[i].priv, d)
					      : remote_auth_agent_key(l->s, req->keys[i].pub, d);
			if (r == 0)
				return remember_key(l, req->keys[i].pub);
			if (r == ERR_AUTH_PARTIAL)
				return second_factor_wanted(l, d);
		}
		/* a server that turned out not to take keys at all: straight to the password */
		r = l->methods & AUTH_METHOD_PUBLICKEY ? login_with_agent(l, &skipped, d)
						       : ERR_AUTH_DENIED;
		if (r != ERR_AUTH_DENIED)
			return r;
	}

	if (l->probe_only) {
		l->outcome = l->methods & (AUTH_METHOD_PASSWORD | AUTH_METHOD_KBDINT)
				     ? LOGIN_PREFLIGHT_PASSWORD
				     : LOGIN_PREFLIGHT_NO_WAY;
		return 0;
	}
	char skipped_note[128] = "";
	if (skipped)
		snprintf(skipped_note, sizeof(skipped_note),
			 "; ssh-agent holds %u more keys, not tried", skipped);
	if (!(l->methods & (AUTH_METHOD_PASSWORD | AUTH_METHOD_KBDINT))) {
		diag_set(d,
			 "cannot log in: the server offers no password login, and it refused "
			 "all %u keys offered (ours and ssh-agent's)%s",
			 l->refused_total, skipped_note);
		return ERR_AUTH_DENIED;
	}
	char *password = NULL;
	const struct password_source *src = req->password;
	r = src ? src->get(remote_user(l->s), remote_label(l->s), PASSWORD_FOR_LOGIN, &password,
			   src->data)
		: -ENOENT;
	if (r == ERR_PASSWORD_WITHHELD) {
		diag_set(d, "cannot log in: %s", error_to_string(r));
		return r;
	}
	if (r < 0) {
		diag_set(d, "cannot log in: a password is needed (--password-file FILE, "
			    "--password-stdin, or a terminal)");
		return ERR_AUTH_DENIED;
	}
	/* room for the password (and keyboard-interactive) under MaxAuthTries */
	r = l->refused >= l->budget ? login_connect(l, d) : 0;
	if (r == 0)
		r = remote_auth_password(l->s, password, d);
	secret_string_free(password);
	if (src->verdict)
		src->verdict(remote_user(l->s), remote_label(l->s),
			     r == 0                 ? PASSWORD_ACCEPTED
			     : r == ERR_AUTH_DENIED ? PASSWORD_REFUSED
						    : PASSWORD_UNTRIED,
			     src->data);
	if (r == ERR_AUTH_DENIED)
		diag_set(d, "password refused for %s", remote_label(l->s));
	return r;
}

int login_for_work_with(const struct login_request *req, bool *accepted,
			struct remote_session **ret_session, struct pubkey **ret_used,
			struct diag *d)
{
	struct login l = {.req = req};
	int r = login(&l, accepted, d);
	if (r < 0) {
		remote_session_free(l.s);
		pubkey_free(l.used);
		return r;
	}
	*ret_session = l.s;
	if (ret_used)
		*ret_used = l.used;
	else
		pubkey_free(l.used);
	return 0;
}

int login_for_work_keys(const struct target *t, const struct connect_options *connect,
			const struct local_key *keys, size_t n_keys,
			const struct password_source *password, struct remote_session **ret_session,
			struct pubkey **ret_used, struct diag *d)
{
	bool *accepted = calloc(n_keys ? n_keys : 1, sizeof(*accepted));
	struct timespec deadline = remote_host_deadline(connect);
	struct login_request lr = {.target = t,
				   .connect = connect,
				   .deadline = &deadline,
				   .keys = keys,
				   .n_keys = n_keys,
				   .password = password,
				   .sign_at_once = true};
	int r = accepted ? login_for_work_with(&lr, accepted, ret_session, ret_used, d) : -ENOMEM;
	free(accepted);
	return r;
}

int login_for_work(const struct login_request *req, bool *accepted,
		   struct remote_session **ret_session, struct diag *d)
{
	return login_for_work_with(req, accepted, ret_session, NULL, d);
}

int login_preflight(const struct login_request *req, enum login_preflight_outcome *ret,
		    char *ret_user, size_t user_len, struct diag *d)
{
	struct login l = {.req = req, .probe_only = true, .outcome = LOGIN_PREFLIGHT_NO_WAY};
	bool *accepted = calloc(req->n_keys ? req->n_keys : 1, sizeof(*accepted));
	int r = accepted ? login(&l, accepted, d) : -ENOMEM;
	if (r == 0 && l.methods == 0)
		l.outcome = LOGIN_PREFLIGHT_KEY; /* "none" logged in: nothing needed */
	if (r == 0) {
		*ret = l.outcome;
		snprintf(ret_user, user_len, "%s", remote_user(l.s));
	}
	free(accepted);
	remote_session_free(l.s);
	pubkey_free(l.used);
	return r;
}

int login_preflight_sudo(const struct login_request *req, bool *ret_needs_password, char *ret_user,
			 size_t user_len, struct diag *d)
{
	struct login_request keys_only = *req;
	keys_only.password = NULL;
	struct remote_session *s = NULL;
	bool *accepted = calloc(req->n_keys ? req->n_keys : 1, sizeof(*accepted));
	int r = accepted ? login_for_work(&keys_only, accepted, &s, d) : -ENOMEM;
	if (r == 0)
		r = root_runner_needs_password(s, ret_needs_password, d);
	if (r == 0)
		snprintf(ret_user, user_len, "%s", remote_user(s));
	remote_session_free(s);
	free(accepted);
	return r;
}

int login_prove(const struct target *t, const char *as_user, const struct connect_options *connect,
		const struct timespec *deadline, const struct pubkey *pub,
		const struct privkey *priv, unsigned *ret_methods, struct diag *d)
{
	struct remote_session *s = NULL;
	struct target as = *t;
	unsigned methods = 0;
	if (as_user)
		as.user = (char *)as_user;
	int r = remote_connect(&as, connect, &s, d);
	if (r == 0) {
		remote_set_host_deadline(s, deadline);
		r = remote_auth_methods(s, &methods, d);
	}
	if (r == 0 && ret_methods)
		*ret_methods = methods;
	if (r == 0 && (priv || pub))
		r = priv ? remote_auth_key(s, priv, d) : remote_auth_agent_key(s, pub, d);
	remote_session_free(s);
	return r;
}

int login_prove_key(const struct target *t, const char *as_user,
		    const struct connect_options *connect, const struct timespec *deadline,
		    const struct privkey *key, struct diag *d)
{
	return login_prove(t, as_user, connect, deadline, NULL, key, NULL, d);
}

/* failed publickey queries count toward MaxAuthTries (6 by default): a few a connection */
#define PROBES_PER_CONNECTION 4

int login_probe_keys(const struct target *t, const char *as_user,
		     const struct connect_options *connect, const struct timespec *deadline,
		     const struct pubkey *const *keys, size_t n, bool *ret_accepted, struct diag *d)
{
	struct target as = *t;
	if (as_user)
		as.user = (char *)as_user;
	int r = 0;
	for (size_t first = 0; r == 0 && first < n; first += PROBES_PER_CONNECTION) {
		struct remote_session *s = NULL;
		r = remote_connect(&as, connect, &s, d);
		if (r == 0)
			remote_set_host_deadline(s, deadline);
		for (size_t i = first; r == 0 && i < n && i < first + PROBES_PER_CONNECTION; i++)
			r = remote_auth_probe_key(s, keys[i], &ret_accepted[i], d);
		remote_session_free(s);
	}
	return r;
}

int login_prove_refused(const struct target *t, const char *as_user, const char *label,
			const struct connect_options *connect, const struct timespec *deadline,
			const struct pubkey *const *keys, size_t n, bool tinysshd,
			struct dynbuf *proof, bool *ret_all_refused)
{
	bool *accepted = calloc(n ? n : 1, sizeof(*accepted)), all_refused = !tinysshd;
	struct diag d = {{0}};
	if (!accepted)
		return -ENOMEM;
	int asked =
		tinysshd ? 0
			 : login_probe_keys(t, as_user, connect, deadline, keys, n, accepted, &d);
	int r = 0;
	for (size_t k = 0; r == 0 && k < n; k++) {
		char fp[FINGERPRINT_SHA256_TEXT_MAX] = "";
		fingerprint_sha256_text(keys[k], fp, sizeof(fp));
		if (tinysshd)
			r = dynbuf_printf(proof,
					  "%s: %s cannot be proven refused (tinysshd answers every "
					  "key query with yes)\n",
					  label, fp);
		else if (asked < 0)
			r = dynbuf_printf(proof, "%s: %s not proven: %s\n", label, fp, d.text);
		else if (accepted[k])
			r = dynbuf_printf(proof,
					  "%s: %s STILL ACCEPTED by the server (another source: "
					  "AuthorizedKeysCommand, a certificate authority, a file "
					  "not read)\n",
					  label, fp);
		else
			r = dynbuf_printf(proof, "%s: %s refused (publickey query)\n", label, fp);
		all_refused = all_refused && asked == 0 && !accepted[k];
	}
	free(accepted);
	if (r == 0)
		*ret_all_refused = all_refused;
	return r;
}
