#include "ops/doctor.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "base/user_info.h"
#include "files/public_key_file.h"
#include "keys/key_type.h"
#include "remote/agent.h"
#include "remote/negotiation.h"
#include "remote/openssh_client.h"
#include "remote/server_kind.h"
#include "remote/tcp_probe.h"
#include "ops/doctor_checks.h"

void doctor_result_init(struct doctor_result *res)
{
	memset(res, 0, sizeof(*res));
	dynbuf_init(&res->fixes, 1024 * 1024);
}

void doctor_result_clear(struct doctor_result *res)
{
	free(res->checks);
	dynbuf_free(&res->fixes);
	memset(res, 0, sizeof(*res));
}

/* Do two names (ssh -G's may start with ~/) name the same existing file? */
static bool same_file(const char *ssh_name, const char *path)
{
	char expanded[4096];
	const char *home = getenv("HOME");
	if (strncmp(ssh_name, "~/", 2) == 0 && home)
		snprintf(expanded, sizeof(expanded), "%s/%s", home, ssh_name + 2);
	else
		snprintf(expanded, sizeof(expanded), "%s", ssh_name);
	struct stat a, b;
	return stat(expanded, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* The private key file: ssh refuses one that group or others can read. */
static void check_private_key(struct doctor *dr)
{
	const char *path = dr->req->private_path;
	struct stat st;
	if (!path) {
		doctor_add(dr, "client: private key", DOCTOR_SKIP,
			   "only the public key is at hand (%s)",
			   dr->req->key->path ? dr->req->key->path : "?");
		return;
	}
	if (stat(path, &st) < 0) {
		struct doctor_check *c = doctor_add(dr, "client: private key", DOCTOR_FAIL,
						    "%s: %s", path, strerror(errno));
		doctor_set_cause(c, WEIGHT_CLIENT, "the private key %s cannot be read here", path);
		return;
	}
	if (st.st_mode & 077) {
		struct doctor_check *c = doctor_add(
			dr, "client: private key", DOCTOR_FAIL,
			"%s is mode %04o: ssh says \"UNPROTECTED PRIVATE KEY FILE!\" and "
			"ignores it",
			path, (unsigned)(st.st_mode & 07777));
		doctor_set_cause(c, WEIGHT_CLIENT,
				 "ssh refuses to use the private key %s because others can read it "
				 "(mode %04o)",
				 path, (unsigned)(st.st_mode & 07777));
		doctor_set_fix(c, "chmod 600 %s (--fix does)", path);
		dr->res->private_key_mode = true;
		return;
	}
	if (dr->req->key->pub_mismatch) {
		struct doctor_check *c = doctor_add(
			dr, "client: key pair", DOCTOR_FAIL,
			"%s.pub holds another key than %s: ssh offers the .pub's key, then cannot "
			"sign for it",
			path, path);
		doctor_set_cause(c, WEIGHT_CLIENT, "%s.pub does not belong to the private key %s",
				 path, path);
		doctor_set_fix(c, "sshkeyctl show -y %s > %s.pub", path, path);
	}
	char owner[300];
	user_uid_text(st.st_uid, owner, sizeof(owner));
	doctor_add(dr, "client: private key", DOCTOR_PASS, "%s, mode %04o, owner %s", path,
		   (unsigned)(st.st_mode & 07777), owner);
}

/* ~/.ssh/config: ssh stops with "Bad owner or permissions" when others can write it. */
static void check_client_config(struct doctor *dr)
{
	char *path = NULL;
	struct stat st;
	if (dr->req->connect->config_file || user_ssh_path("config", &path) < 0)
		return;
	if (stat(path, &st) == 0) {
		if ((st.st_mode & 022) || (st.st_uid != 0 && st.st_uid != getuid())) {
			char owner[300];
			user_uid_text(st.st_uid, owner, sizeof(owner));
			struct doctor_check *c =
				doctor_add(dr, "client: ~/.ssh/config", DOCTOR_FAIL,
					   "%s is mode %04o, owner %s: ssh says \"Bad owner or "
					   "permissions\" and stops",
					   path, (unsigned)(st.st_mode & 07777), owner);
			doctor_set_cause(c, WEIGHT_CLIENT,
					 "ssh refuses to run because others can write %s", path);
			doctor_set_fix(c, "chmod go-w %s", path);
		} else {
			doctor_add(dr, "client: ~/.ssh/config", DOCTOR_PASS, "%s, mode %04o", path,
				   (unsigned)(st.st_mode & 07777));
		}
	}
	free(path);
}

/* What ssh itself would do for this host (ssh -G). */
static void check_ssh_config(struct doctor *dr)
{
	const struct connect_options *o = dr->req->connect;
	const char *user = dr->t->user ? dr->t->user : o->login_user;
	unsigned port = dr->t->port ? dr->t->port : o->port;
	/* the answer the connections use, cached: ssh -G runs once for this target */
	int r = openssh_client_config_get(dr->t->host, port, user, o->config_file, o->ssh_options,
					  o->n_ssh_options, &dr->ssh, NULL, 0);
	if (r < 0) {
		doctor_add(dr, "client: ssh -G", DOCTOR_SKIP,
			   r == -ENOENT ? "OpenSSH's ssh is not installed"
					: "ssh -G could not tell what ssh would use");
		return;
	}
	dr->have_ssh_config = true;
	const char *type = dr->req->key->pub->type->name;
	struct doctor_check *c;
	if (!dr->ssh->pubkey_authentication) {
		c = doctor_add(dr, "client: ssh -G", DOCTOR_FAIL,
			       "ssh would use PubkeyAuthentication no for %s", dr->t->host);
		doctor_set_cause(c, WEIGHT_CLIENT,
				 "ssh never offers keys to %s: PubkeyAuthentication is off in its "
				 "configuration",
				 dr->t->host);
		doctor_set_fix(
			c, "remove \"PubkeyAuthentication no\" for this host from ~/.ssh/config");
		return;
	}
	if (dr->ssh->pubkey_accepted_algorithms[0] &&
	    !doctor_type_accepted(dr->ssh->pubkey_accepted_algorithms, type)) {
		c = doctor_add(dr, "client: ssh -G", DOCTOR_FAIL,
			       "ssh's PubkeyAcceptedAlgorithms for %s leaves out %s keys: %s",
			       dr->t->host, type, dr->ssh->pubkey_accepted_algorithms);
		doctor_set_cause(
			c, WEIGHT_CLIENT,
			"ssh never offers this %s key: its PubkeyAcceptedAlgorithms leaves the "
			"type out",
			type);
		return;
	}
	bool listed = false;
	for (size_t i = 0; i < dr->ssh->n_identity_files && dr->req->private_path; i++)
		listed = listed || same_file(dr->ssh->identity_files[i], dr->req->private_path);
	c = doctor_add(dr, "client: ssh -G", DOCTOR_PASS,
		       "ssh would log in as %s to %s port %u, IdentitiesOnly %s, %s", dr->ssh->user,
		       dr->ssh->hostname, dr->ssh->port, dr->ssh->identities_only ? "yes" : "no",
		       listed ? "this key among its identity files"
			      : "this key not among its default identity files (use -i)");
	if (!listed && dr->ssh->identities_only) {
		c->status = DOCTOR_WARN;
		doctor_set_fix(c, "ssh -i %s ...",
			       dr->req->private_path ? dr->req->private_path : "KEY");
	}
}

/* Does the agent hold the key? */
static bool agent_holds_key(const struct agent_identities *ids, const struct pubkey *key)
{
	for (size_t i = 0; key && i < ids->n; i++)
		if (ids->items[i].key && pubkey_equal(ids->items[i].key, key))
			return true;
	return false;
}

/* How many keys ssh offers before this one, in OpenSSH's order (sshconnect2.c
 * pubkey_prepare, and measured on 9.2): first its identity files that the agent holds, in
 * their order; then the agent's other keys, unless IdentitiesOnly; then the identity files
 * the agent does not hold. ssh is taken as run the way doctor's ssh -G check tells (with
 * -i KEY when the key is not among its identity files: then it is ssh's first). */
static size_t offered_before(const struct doctor *dr, const struct agent_identities *ids,
			     bool identities_only)
{
	const struct pubkey *ours = dr->req->key->pub;
	bool ours_in_agent = agent_holds_key(ids, ours);
	size_t position = 0, file_index = 0, agent_held_files = 0, files_before = 0;
	bool listed = false;
	for (size_t i = 0; i < dr->ssh->n_identity_files; i++) {
		if (dr->req->private_path &&
		    same_file(dr->ssh->identity_files[i], dr->req->private_path)) {
			listed = true;
			file_index = i;
			break;
		}
	}
	/* the identity files ahead of ours (all of them when it comes by -i: none) */
	size_t ahead = listed ? file_index : 0;
	for (size_t i = 0; i < dr->ssh->n_identity_files; i++) {
		struct pubkey *k = NULL;
		char path[4096];
		snprintf(path, sizeof(path), "%s.pub", dr->ssh->identity_files[i]);
		bool held = public_key_file_read(path, &k, NULL) == 0 && agent_holds_key(ids, k) &&
			    !pubkey_equal(k, ours);
		pubkey_free(k);
		agent_held_files += held;
		if (i < ahead)
			files_before += held ? 0 : 1; /* the agent-held ones are counted above */
	}
	if (ours_in_agent) {
		/* among the agent-held identity files, in file order */
		for (size_t i = 0; i < ahead; i++) {
			struct pubkey *k = NULL;
			char path[4096];
			snprintf(path, sizeof(path), "%s.pub", dr->ssh->identity_files[i]);
			if (public_key_file_read(path, &k, NULL) == 0 && agent_holds_key(ids, k))
				position++;
			pubkey_free(k);
		}
		return position;
	}
	/* after every agent key ssh offers, then the files ahead of it */
	return (identities_only ? agent_held_files : ids->n) + files_before;
}

/* OpenSSH's ssh, run as the user would (with -i KEY when the key is not among its identity
 * files, as check_ssh_config advises): what happens to the login. */
static int confirm_with_ssh(const struct doctor *dr, enum openssh_login_outcome *ret)
{
	const struct connect_options *o = dr->req->connect;
	bool listed = false;
	for (size_t i = 0; i < dr->ssh->n_identity_files && dr->req->private_path; i++)
		listed = listed || same_file(dr->ssh->identity_files[i], dr->req->private_path);
	return openssh_client_try_login(dr->t->host, dr->t->port ? dr->t->port : o->port,
					dr->req->for_user ? dr->req->for_user
					: dr->t->user     ? dr->t->user
							  : o->login_user,
					o->config_file, o->ssh_options, o->n_ssh_options,
					listed ? NULL : dr->req->private_path, ret);
}

/* ssh-agent: ssh offers its keys (OpenSSH's order, offered_before), and the server counts
 * every refused one toward MaxAuthTries. */
static void check_agent(struct doctor *dr)
{
	struct agent_identities ids = {0};
	if (!getenv("SSH_AUTH_SOCK")) {
		doctor_add(dr, "client: ssh-agent", DOCTOR_PASS,
			   "no agent (SSH_AUTH_SOCK not set)");
		return;
	}
	int r = agent_list_identities(NULL, &ids);
	if (r < 0) {
		struct doctor_check *c =
			doctor_add(dr, "client: ssh-agent", DOCTOR_WARN,
				   "SSH_AUTH_SOCK is set but the agent does not answer: %s",
				   error_to_string(r));
		doctor_set_fix(c, "eval \"$(ssh-agent -s)\" && ssh-add");
		return;
	}
	bool ours_in_agent = agent_holds_key(&ids, dr->req->key->pub);
	bool identities_only = dr->have_ssh_config && dr->ssh->identities_only;
	size_t before = dr->have_ssh_config ? offered_before(dr, &ids, identities_only) : 0;
	/* the model says ssh is cut off: ask ssh itself, run as the user would run it */
	enum openssh_login_outcome ssh_says = OPENSSH_LOGIN_UNKNOWN;
	if (before >= DEFAULT_MAX_AUTH_TRIES && confirm_with_ssh(dr, &ssh_says) < 0)
		ssh_says = OPENSSH_LOGIN_UNKNOWN;
	if (before >= DEFAULT_MAX_AUTH_TRIES && ssh_says == OPENSSH_LOGIN_OK) {
		doctor_add(
			dr, "client: ssh-agent", DOCTOR_WARN,
			"the agent holds %zu keys; by OpenSSH's order ssh offers %zu before this "
			"one, yet ssh logged in with it (checked): MaxAuthTries is not the cause",
			ids.n, before);
	} else if (before >= DEFAULT_MAX_AUTH_TRIES) {
		struct doctor_check *c = doctor_add(
			dr, "client: ssh-agent", DOCTOR_FAIL,
			"the agent holds %zu keys%s; ssh offers %zu keys before this one, and "
			"sshd stops at MaxAuthTries (%d by default): \"Too many authentication "
			"failures\"%s",
			ids.n, ours_in_agent ? ", this one among them" : ", not this one", before,
			DEFAULT_MAX_AUTH_TRIES,
			ssh_says == OPENSSH_LOGIN_TOO_MANY ? " (ssh itself says so: checked)"
							   : " (not confirmed with ssh)");
		doctor_set_cause(
			c, WEIGHT_CLIENT,
			"ssh offers %zu other keys first (ssh-agent's), and the server ends the "
			"login at MaxAuthTries before ssh reaches this key",
			before);
		doctor_set_fix(c,
			       "ssh -o IdentitiesOnly=yes -i %s ... (or IdentitiesOnly yes in "
			       "~/.ssh/config)",
			       dr->req->private_path ? dr->req->private_path : "KEY");
	} else {
		doctor_add(dr, "client: ssh-agent", DOCTOR_PASS,
			   "the agent holds %zu key%s%s; ssh offers %zu before this one", ids.n,
			   ids.n == 1 ? "" : "s", ours_in_agent ? ", this one among them" : "",
			   before);
	}
	agent_identities_clear(&ids);
}

/* Name, TCP, banner: is there an SSH server to talk to? false: stop here. */
static bool check_network(struct doctor *dr)
{
	/* ssh goes through a jump host or a command: the name may resolve and the port answer
	 * only from there, so this machine's view proves nothing */
	const char *via = !dr->have_ssh_config ? ""
			  : dr->ssh->proxy_jump[0] && strcmp(dr->ssh->proxy_jump, "none") != 0
				  ? dr->ssh->proxy_jump
			  : dr->ssh->proxy_command[0] && strcmp(dr->ssh->proxy_command, "none") != 0
				  ? dr->ssh->proxy_command
				  : "";
	if (via[0]) {
		doctor_add(dr, "network: route", DOCTOR_SKIP,
			   "ssh reaches %s through %s (%s): the name, TCP and banner checks from "
			   "here were skipped",
			   dr->host, dr->ssh->proxy_jump[0] ? "ProxyJump" : "ProxyCommand", via);
		return true;
	}
	struct tcp_probe_result p;
	long timeout = dr->req->connect->connect_timeout > 0
			       ? dr->req->connect->connect_timeout * 1000
			       : 10000;
	tcp_probe(dr->host, dr->port, timeout, &p);
	struct doctor_check *c;
	switch (p.stage) {
	case TCP_PROBE_RESOLVE:
		c = doctor_add(dr, "network: name", DOCTOR_FAIL, "%s does not resolve: %s",
			       dr->host, gai_strerror(p.error));
		doctor_set_cause(c, WEIGHT_NETWORK, "the name %s does not resolve", dr->host);
		doctor_set_fix(
			c, "check the name (and HostName in ~/.ssh/config), or use the address");
		return false;
	case TCP_PROBE_CONNECT:
		doctor_add(dr, "network: name", DOCTOR_PASS, "%s is %s", dr->host, p.address);
		c = doctor_add(dr, "network: TCP", DOCTOR_FAIL, "%s port %u: %s", p.address,
			       dr->port, p.timed_out ? "no answer (timed out)" : strerror(p.error));
		if (p.error == ECONNREFUSED)
			doctor_set_cause(
				c, WEIGHT_NETWORK,
				"nothing listens on %s port %u (connection refused): sshd is not "
				"running there, or listens on another port",
				dr->host, dr->port);
		else
			doctor_set_cause(
				c, WEIGHT_NETWORK,
				"%s port %u does not answer (%s): the host is down or a firewall "
				"drops the connection",
				dr->host, dr->port, p.timed_out ? "timed out" : strerror(p.error));
		return false;
	case TCP_PROBE_BANNER:
		doctor_add(dr, "network: name", DOCTOR_PASS, "%s is %s", dr->host, p.address);
		doctor_add(dr, "network: TCP", DOCTOR_PASS, "%s port %u accepts connections",
			   p.address, dr->port);
		if (p.first_len && strncmp(p.first_line, "Not allowed at this time", 24) == 0) {
			/* OpenSSH 9.8+'s answer to a penalised source */
			c = doctor_add(dr, "network: SSH banner", DOCTOR_FAIL,
				       "%s port %u answered \"%s\"", dr->host, dr->port,
				       p.first_line);
			doctor_set_cause(
				c, WEIGHT_NETWORK,
				"sshd (OpenSSH 9.8 or later) refuses connections from this "
				"address for now: its PerSourcePenalties penalise a source "
				"after failed logins, or too many connections wait to log "
				"in (MaxStartups)");
			doctor_set_fix(c, "wait for the penalty to end (sshd's log says which and "
					  "how long: \"srclimit_penalise\"); on the server, "
					  "PerSourcePenaltyExemptList exempts an address");
			return false;
		}
		if (p.first_len)
			c = doctor_add(dr, "network: SSH banner", DOCTOR_FAIL,
				       "%s port %u answered \"%s\", not an SSH identification line",
				       dr->host, dr->port, p.first_line);
		else
			c = doctor_add(dr, "network: SSH banner", DOCTOR_FAIL,
				       "%s port %u accepted the connection and %s", dr->host,
				       dr->port,
				       p.timed_out ? "said nothing" : "closed it without a word");
		doctor_set_cause(
			c, WEIGHT_NETWORK,
			"%s port %u does not speak SSH%s%s%s: wrong port, or another service "
			"there%s",
			dr->host, dr->port, p.first_len ? " (it said \"" : "",
			p.first_len ? p.first_line : "", p.first_len ? "\")" : "",
			p.first_len ? ""
				    : ", or an sshd refusing new connections for now (MaxStartups, "
				      "PerSourcePenalties)");
		return false;
	case TCP_PROBE_OK:
		doctor_add(dr, "network: name", DOCTOR_PASS, "%s is %s", dr->host, p.address);
		doctor_add(dr, "network: TCP", DOCTOR_PASS, "%s port %u accepts connections",
			   p.address, dr->port);
		doctor_add(dr, "network: SSH banner", DOCTOR_PASS, "%s", p.first_line);
		return true;
	}
	return false;
}

static const char *ssh_algorithms(const struct openssh_client_config *c, enum negotiation_kind kind)
{
	switch (kind) {
	case NEGOTIATION_KEX:
		return c->kex_algorithms;
	case NEGOTIATION_HOST_KEY:
		return c->host_key_algorithms;
	case NEGOTIATION_CIPHER:
		return c->ciphers;
	case NEGOTIATION_MAC:
		return c->macs;
	case NEGOTIATION_OTHER:
		break;
	}
	return "";
}

/* No common algorithm with libssh. The user's client is OpenSSH's ssh, whose lists differ
 * (sntrup761x25519 key exchange, for one): blame the connection only when ssh's own lists,
 * as ssh -G prints them, share nothing with the server's offer either. */
static void check_negotiation(struct doctor *dr, const struct negotiation_failure *f,
			      const char *libssh_text)
{
	const char *what = negotiation_kind_prose(f->kind);
	const char *keyword = negotiation_kind_keyword(f->kind);
	const char *ssh_list = dr->have_ssh_config ? ssh_algorithms(dr->ssh, f->kind) : "";
	char common[256];
	struct doctor_check *c;
	if (!ssh_list[0]) {
		c = doctor_add(dr, "ssh: negotiation", DOCTOR_FAIL, "%s", libssh_text);
		doctor_set_cause(c, WEIGHT_NETWORK,
				 "sshkeyctl's SSH library (libssh) shares no %s with the server, "
				 "which offers only %s; what ssh would do is unknown (no ssh -G)",
				 what, f->server);
		return;
	}
	if (negotiation_common(f->server, ssh_list, common, sizeof(common))) {
		c = doctor_add(dr, "ssh: negotiation", DOCTOR_WARN,
			       "sshkeyctl's SSH library (libssh) shares no %s with the server, "
			       "which offers only %s; ssh does (%s), so the server-side checks "
			       "could not be made from here",
			       what, f->server, common);
		doctor_set_fix(c, "ssh -v to %s shows what happens after the key exchange",
			       dr->host);
		snprintf(dr->stopped_short, sizeof(dr->stopped_short),
			 "no cause found: sshkeyctl cannot talk to this server (no common %s: "
			 "it offers only %.200s), while ssh can; ssh -v shows the rest",
			 what, f->server);
		return;
	}
	c = doctor_add(dr, "ssh: negotiation", DOCTOR_FAIL,
		       "the server offers only %s; ssh offers %s (%s, from ssh -G)", f->server,
		       ssh_list, keyword);
	doctor_set_cause(c, WEIGHT_NETWORK,
			 "ssh and the server share no %s: the server offers only %s, which "
			 "ssh's %s leaves out",
			 what, f->server, keyword);
	doctor_set_fix(c,
		       "if ssh -Q %s lists one of them: \"%s +%s\" for this host in "
		       "~/.ssh/config; else enable one that ssh has in the server's sshd_config",
		       negotiation_kind_query(f->kind), keyword, f->server);
}

/* The SSH conversation up to authentication: key exchange and the host key. */
static int check_connect(struct doctor *dr, struct remote_session **ret)
{
	struct diag d = {{0}};
	/* the key is offered as the account diagnosed */
	struct target as = *dr->t;
	if (dr->req->for_user)
		as.user = (char *)dr->req->for_user;
	int r = remote_connect(&as, dr->req->connect, ret, &d);
	struct doctor_check *c;
	if (r == 0) {
		remote_set_host_deadline(*ret, &dr->deadline);
		doctor_note_connection(dr, *ret);
		doctor_add(dr, "ssh: host key", DOCTOR_PASS, "%s",
			   remote_host_key_was_new(*ret)
				   ? "new, accepted and recorded (--accept-new)"
				   : "matches known_hosts");
		return 0;
	}
	if (r == ERR_HOST_KEY_CHANGED) {
		c = doctor_add(dr, "ssh: host key", DOCTOR_FAIL, "%s", d.text);
		doctor_set_cause(
			c, WEIGHT_NETWORK,
			"the server's host key is not the one known_hosts has for it (changed "
			"or someone in between): ssh refuses to connect");
		if (dr->port != 22)
			doctor_set_fix(
				c,
				"if the change is expected: sshkeyctl known-hosts remove '[%s]:%u' "
				"(or ssh-keygen -R '[%s]:%u')",
				dr->host, dr->port, dr->host, dr->port);
		else
			doctor_set_fix(
				c,
				"if the change is expected: sshkeyctl known-hosts remove %s (or "
				"ssh-keygen -R %s)",
				dr->host, dr->host);
	} else if (r == ERR_HOST_KEY_REVOKED) {
		c = doctor_add(dr, "ssh: host key", DOCTOR_FAIL, "%s", d.text);
		doctor_set_cause(c, WEIGHT_NETWORK,
				 "the server's host key is marked @revoked in known_hosts: ssh "
				 "refuses to connect");
		doctor_set_fix(c, "find out why the key was revoked; a server with a revoked "
				  "key must get a new one, never be trusted again");
	} else if (r == ERR_HOST_KEY_UNKNOWN) {
		c = doctor_add(dr, "ssh: host key", DOCTOR_WARN,
			       "not in known_hosts: ssh asks to confirm it (%s)", d.text);
		doctor_set_fix(
			c, "compare the fingerprint with the server's, then connect once with ssh, "
			   "or run again with --accept-new");
	} else if (r == -EINVAL) {
		/* ssh itself refuses its configuration (ssh -G failed): a client check above
		 * names why when it can (a config file others can write) */
		c = doctor_add(dr, "client: ssh configuration", DOCTOR_FAIL, "%s", d.text);
		doctor_set_cause(c, WEIGHT_CLIENT - 1, "ssh refuses its own configuration: %s",
				 d.text);
	} else {
		struct negotiation_failure f;
		if (negotiation_failure_parse(d.text, strlen(d.text), &f) == 0) {
			check_negotiation(dr, &f, d.text);
			return r;
		}
		c = doctor_add(dr, "ssh: key exchange", DOCTOR_FAIL, "%s", d.text);
		/* through a proxy, d names it and quotes what it said */
		doctor_set_cause(c, WEIGHT_NETWORK, "the SSH connection fails before any login: %s",
				 d.text);
	}
	return r;
}

/* Before logging in: the methods offered, whether the key would be accepted, and a real
 * login with it. */
/* The key is accepted, then sshd asks more (AuthenticationMethods
 * publickey,keyboard-interactive): the key's side works. The second factor's first prompt
 * is read, never answered. */
static void second_factor(struct doctor *dr, struct remote_session *s)
{
	unsigned then = remote_auth_methods_named(s);
	enum kbdint_first first = KBDINT_FAILS;
	struct diag ignored = {{0}};
	dr->res->key_login = true;
	dr->res->second_factor = true;
	if ((then & AUTH_METHOD_KBDINT) &&
	    (remote_auth_kbdint_first(s, &first, dr->res->second_prompt,
				      sizeof(dr->res->second_prompt), &ignored) < 0 ||
	     first != KBDINT_ASKS))
		dr->res->second_prompt[0] = 0;
	if (first == KBDINT_LETS_IN) {
		/* no question after all (nullok, no secret): the key alone logs in */
		dr->res->second_factor = false;
		doctor_add(dr, "server: key", DOCTOR_PASS,
			   "the key logs in as %s (sshd asks keyboard-interactive after it, "
			   "which lets it in without a question: no second factor in force)",
			   dr->user);
		return;
	}
	size_t cut = strcspn(dr->res->second_prompt, "\n");
	dr->res->second_prompt[cut] = 0;
	struct doctor_check *c = doctor_add(
		dr, "server: key", DOCTOR_PASS,
		"the key is accepted for %s; sshd then asks a second factor (%s%s%s%s)", dr->user,
		then & AUTH_METHOD_KBDINT     ? "keyboard-interactive"
		: then & AUTH_METHOD_PASSWORD ? "password"
					      : "another method",
		dr->res->second_prompt[0] ? ": \"" : "", dr->res->second_prompt,
		dr->res->second_prompt[0] ? "\"" : "");
	if (!dr->req->for_user)
		doctor_set_fix(c,
			       "what the code needs on the server (the secret, PAM, the clock), "
			       "seen as root: sshkeyctl doctor --for-user %s -i KEY root@HOST",
			       dr->user);
}

static void check_key_login(struct doctor *dr, struct remote_session *s)
{
	struct diag d = {{0}};
	unsigned methods = 0;
	struct doctor_check *c;
	int r = remote_auth_methods(s, &methods, &d);
	if (r < 0) {
		c = doctor_add(dr, "server: methods", DOCTOR_FAIL, "%s", d.text);
		doctor_set_cause(c, WEIGHT_NETWORK, "the server ends the connection: %s", d.text);
		return;
	}
	char list[128];
	snprintf(list, sizeof(list), "%s%s%s", methods & AUTH_METHOD_PUBLICKEY ? "publickey " : "",
		 methods & AUTH_METHOD_PASSWORD ? "password " : "",
		 methods & AUTH_METHOD_KBDINT ? "keyboard-interactive " : "");
	if (!(methods & AUTH_METHOD_PUBLICKEY)) {
		c = doctor_add(dr, "server: methods", DOCTOR_FAIL, "offered to %s: %s", dr->user,
			       methods ? list : "none");
		doctor_set_cause(
			c, WEIGHT_SERVER,
			"the server does not take public keys from %s at all: publickey is not "
			"among the methods it offers (%s)",
			dr->user, methods ? list : "none");
		doctor_set_fix(c,
			       "on the server: PubkeyAuthentication yes in sshd_config (sshd -T "
			       "-C user=%s shows what applies), then reload sshd",
			       dr->user);
		return;
	}
	doctor_add(dr, "server: methods", DOCTOR_PASS, "offered to %s: %s", dr->user, list);
	bool accepted = false;
	r = remote_auth_probe_key(s, dr->req->key->pub, &accepted, &d);
	if (r < 0) {
		c = doctor_add(dr, "server: key", DOCTOR_FAIL, "%s", d.text);
		doctor_set_cause(c, WEIGHT_GENERIC,
				 "the server ends the connection when offered the key: %s", d.text);
		return;
	}
	if (!accepted) {
		c = doctor_add(dr, "server: key", DOCTOR_FAIL, "the server refuses the key for %s",
			       dr->user);
		doctor_set_cause(
			c, WEIGHT_GENERIC,
			"the server refuses the key for %s; the reason is on the server (log in "
			"another way to see it: --password-file, or another key)",
			dr->user);
		return;
	}
	const struct local_key *k = dr->req->key;
	r = k->priv ? remote_auth_key(s, k->priv, &d) : remote_auth_agent_key(s, k->pub, &d);
	if (r == ERR_AUTH_PARTIAL) {
		second_factor(dr, s);
		return;
	}
	if (r < 0) {
		struct server_kind kind;
		server_kind_of(s, &kind);
		if (kind.software == SERVER_TINYSSH) {
			/* tinysshd answers "would take" (PK_OK) for every key: only the signed
			 * login tells, and it said no */
			c = doctor_add(dr, "server: key", DOCTOR_FAIL,
				       "the login with the key was refused (tinysshd says it would "
				       "take any key before the signed login): %s",
				       d.text);
			doctor_set_cause(c, WEIGHT_GENERIC,
					 "the server refuses the key for %s; the reason is on the "
					 "server (tinysshd reads only ~/.ssh/authorized_keys)",
					 dr->user);
			return;
		}
		c = doctor_add(dr, "server: key", DOCTOR_FAIL,
			       "the server would take the key, but the login with it failed: %s",
			       d.text);
		doctor_set_cause(c, WEIGHT_SERVER,
				 "the server accepts the key but the login does not complete: %s",
				 d.text);
		return;
	}
	dr->res->key_login = true;
	doctor_add(dr, "server: key", DOCTOR_PASS, "the key logs in as %s", dr->user);
}

/* Logged in (with the key, else the password or another key), look at the server's side. */
static void look_inside(struct doctor *dr, struct remote_session **s)
{
	/* the key is accepted and the connection waits for the second factor: nothing
	 * refused to explain, and no way in to look */
	if (dr->res->second_factor && !dr->req->for_user)
		return;
	if (!dr->res->key_login || dr->req->for_user) {
		bool accepted = false;
		struct diag d = {{0}};
		struct remote_session *other = NULL;
		/* with --for-user, the target's own login (root): our key may be one it takes */
		struct login_request lr = {.target = dr->t,
					   .connect = dr->req->connect,
					   .deadline = &dr->deadline,
					   .keys = dr->req->for_user ? dr->req->key : NULL,
					   .n_keys = dr->req->for_user ? 1 : 0,
					   .password = dr->req->password};
		int r = login_for_work(&lr, &accepted, &other, &d);
		if (r == ERR_AUTH_DENIED && dr->req->password && !dr->req->for_user &&
		    strncmp(d.text, "password refused", 16) == 0) {
			/* the key and the password both refused: the account itself, or the
			 * password; only the server knows which */
			struct doctor_check *c =
				doctor_add(dr, "server: logged in", DOCTOR_FAIL,
					   "the password given was refused too (%s)", d.text);
			doctor_set_cause(
				c, WEIGHT_GENERIC + 5,
				"the server refuses %s the key and the password given: it "
				"refuses the account itself (AllowUsers, DenyUsers, "
				"AllowGroups, DenyGroups, an expired or locked account, PAM "
				"account rules) or the password is wrong",
				dr->user);
			doctor_set_fix(c,
				       "see which from root's view: sshkeyctl doctor --for-user %s "
				       "-i KEY root@HOST, or in sshd's log on the server",
				       dr->user);
			return;
		}
		if (r < 0) {
			bool no_password = strstr(d.text, "offers no password login") != NULL;
			doctor_add(dr, "server: logged in", DOCTOR_SKIP,
				   "no other way in to look at the server's side (%s); %s", d.text,
				   no_password
					   ? "load a working key in ssh-agent"
					   : "give the password with --password-file, or load a "
					     "working key in ssh-agent");
			return;
		}
		remote_session_free(*s);
		*s = other;
		doctor_add(dr, "server: logged in", DOCTOR_PASS,
			   "logged in as %s %s, to look (read-only)", remote_user(other),
			   dr->req->for_user ? "(--for-user)" : "another way");
	}
	doctor_server_checks(dr, *s);
}

/* The key logged in: what the server's files seemed to forbid did not stop it (sshd with
 * StrictModes no, say), so it is a warning, not a cause; the client's failures stand, since
 * ssh may still not get as far as we did. */
static void demote_refuted_failures(struct doctor *dr)
{
	for (size_t i = 0; dr->res->key_login && i < dr->res->n_checks; i++) {
		struct doctor_check *c = &dr->res->checks[i];
		/* the key's part working says nothing of the second factor's */
		if (c->status == DOCTOR_FAIL && c->weight < WEIGHT_CLIENT &&
		    strcmp(c->name, "server: second factor") != 0) {
			c->status = DOCTOR_WARN;
			c->cause[0] = '\0';
			size_t len = strlen(c->evidence);
			snprintf(c->evidence + len, sizeof(c->evidence) - len,
				 " (yet the key logs in)");
		}
	}
}

/* The first line: the heaviest FAIL's cause, the first of equals. */
static void name_cause(struct doctor *dr)
{
	const struct doctor_check *best = NULL;
	for (size_t i = 0; i < dr->res->n_checks; i++) {
		const struct doctor_check *c = &dr->res->checks[i];
		if (c->status == DOCTOR_FAIL && c->cause[0] && (!best || c->weight > best->weight))
			best = c;
	}
	if (best)
		snprintf(dr->res->cause, sizeof(dr->res->cause), "%s", best->cause);
	else if (dr->res->second_factor)
		snprintf(dr->res->cause, sizeof(dr->res->cause),
			 "no problem found: key and second factor required: the key is accepted "
			 "for %s, then sshd asks a second factor%s%.80s%s",
			 dr->user, dr->res->second_prompt[0] ? " (\"" : "", dr->res->second_prompt,
			 dr->res->second_prompt[0] ? "\")" : "");
	else if (dr->res->key_login)
		snprintf(dr->res->cause, sizeof(dr->res->cause),
			 "no problem found: the key logs in as %s", dr->user);
	else if (dr->stopped_short[0])
		snprintf(dr->res->cause, sizeof(dr->res->cause), "%s", dr->stopped_short);
	else
		snprintf(dr->res->cause, sizeof(dr->res->cause),
			 "no cause found: see the checks below");
}

/* The checklist, once. */
static void diagnose(const struct target *t, const struct doctor_request *req,
		     struct doctor_result *res)
{
	struct doctor dr = {.t = t, .req = req, .res = res, .started = time(NULL)};
	struct remote_session *s = NULL;
	dr.deadline = remote_host_deadline(req->connect);
	check_private_key(&dr);
	check_client_config(&dr);
	check_ssh_config(&dr);
	check_agent(&dr);
	/* where ssh would connect: its view of the host, else ours */
	dr.host = dr.have_ssh_config && dr.ssh->hostname[0] ? dr.ssh->hostname : t->host;
	dr.port = t->port ? t->port : req->connect->port;
	if (!dr.port)
		dr.port = dr.have_ssh_config ? dr.ssh->port : 22;
	const char *user = t->user ? t->user : req->connect->login_user;
	if (!user && dr.have_ssh_config && dr.ssh->user[0])
		user = dr.ssh->user;
	dr.user = user ? user : "the login user";
	if (check_network(&dr) && check_connect(&dr, &s) == 0) {
		snprintf(dr.user_name, sizeof(dr.user_name), "%s", remote_user(s));
		dr.user = dr.user_name;
		check_key_login(&dr, s);
		look_inside(&dr, &s);
	}
	demote_refuted_failures(&dr);
	name_cause(&dr);
	remote_session_free(s);
}

void doctor_host(const struct target *t, const struct doctor_request *req,
		 struct doctor_result *res)
{
	diagnose(t, req, res);
	bool failed = false;
	for (size_t i = 0; i < res->n_checks; i++)
		failed = failed || res->checks[i].status == DOCTOR_FAIL;
	if (!req->fix || !failed)
		return;
	if (doctor_fix(t, req, res) == 0 && !req->dry_run) {
		/* the checks again, on what the fixes left */
		char before[512];
		snprintf(before, sizeof(before), "%s", res->cause);
		free(res->checks);
		res->checks = NULL;
		res->n_checks = 0;
		res->key_login = res->second_factor = false;
		res->fixable_key_file = res->private_key_mode = res->owner_fix = false;
		res->repair = DOCTOR_REPAIR_NONE;
		diagnose(t, req, res);
		if (res->key_login && strncmp(res->cause, "no problem found", 16) == 0) {
			snprintf(res->fix_outcome, sizeof(res->fix_outcome),
				 "fixed (was: %.400s); the key logs in", before);
			/* the first line still names what was wrong */
			snprintf(res->cause, sizeof(res->cause),
				 "fixed: %.400s; the key logs in now", before);
		} else {
			snprintf(res->fix_outcome, sizeof(res->fix_outcome),
				 "not fixed by the safe fixes: %.400s", res->cause);
		}
	}
}
