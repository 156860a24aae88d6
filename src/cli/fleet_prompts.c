#include "cli/fleet_prompts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/error.h"
#include "cli/passphrase.h"
#include "cli/terminal_safe.h"
#include "files/known_hosts.h"
#include "fleet/pool.h"
#include "ops/login.h"

/* --- host keys --- */

static pthread_mutex_t decisions_lock = PTHREAD_MUTEX_INITIALIZER;

/* The answer given for this host and key before the run; -1 when there is none. */
static int decision_of(const struct fleet_options *o, const struct host_key_seen *seen)
{
	int answer = -1;
	pthread_mutex_lock(&decisions_lock);
	for (size_t i = 0; i < o->n_host_key_decisions && answer < 0; i++) {
		const struct host_key_decision *dk = &o->host_key_decisions[i];
		if (!strcmp(dk->name, seen->name) && !strcmp(dk->fingerprint, seen->fingerprint))
			answer = dk->accepted;
	}
	pthread_mutex_unlock(&decisions_lock);
	return answer;
}

static int decision_add(struct fleet_options *o, const char *name, const char *fingerprint,
			bool accepted)
{
	pthread_mutex_lock(&decisions_lock);
	struct host_key_decision *grown =
		realloc(o->host_key_decisions, (o->n_host_key_decisions + 1) * sizeof(*grown));
	int r = grown ? 0 : -ENOMEM;
	if (grown) {
		o->host_key_decisions = grown;
		struct host_key_decision *dk = &grown[o->n_host_key_decisions];
		dk->name = strdup(name);
		snprintf(dk->fingerprint, sizeof(dk->fingerprint), "%s", fingerprint);
		dk->accepted = accepted;
		if (dk->name)
			o->n_host_key_decisions++;
		else
			r = -ENOMEM;
	}
	pthread_mutex_unlock(&decisions_lock);
	return r;
}

/* OpenSSH's question for one host */
static bool ask_one_host_key(const struct host_key_seen *seen)
{
	char question[1024];
	bool yes = false;
	snprintf(question, sizeof(question),
		 "The authenticity of host '%s' can't be established.\n"
		 "%s key fingerprint is %s.\n"
		 "Are you sure you want to continue connecting (yes/no)? ",
		 seen->name, seen->type, seen->fingerprint);
	if (terminal_confirm(question, &yes) < 0)
		yes = false;
	return yes;
}

bool fleet_host_key_question(const struct host_key_seen *seen, void *data)
{
	struct fleet_options *o = data;
	unsigned long line;
	/* a trusted list decides alone: what it does not list is refused, not asked */
	if (o->host_keys)
		return known_hosts_lists_key(o->host_keys, o->host_keys_len, seen->name, seen->key,
					     &line);
	int answer = decision_of(o, seen);
	if (answer >= 0)
		return answer;
	/* a host the list before the run did not reach: asked alone, one question at a
	 * time */
	bool yes = ask_one_host_key(seen);
	decision_add(o, seen->name, seen->fingerprint, yes);
	return yes;
}

/* --- before the run --- */

struct preflight {
	struct fleet_options *o;
	const struct target_keys *keys;
	bool probe_login; /* also find out whether the password will be needed */
	bool probe_sudo;  /* log in with the keys: will sudo want its password? */
	struct preflight_host {
		struct connect_options connect; /* with the recording question */
		int result;
		enum login_preflight_outcome outcome;
		char user[256];
		bool skip; /* nothing to find out on this pass */
		bool sudo_needs_password;
		bool key_unknown; /* the host key is not known: seen below */
		char name[300], type[64], fingerprint[128];
	} * hosts;
};

/* The question of the first pass: record the key, say no (the list is asked after) */
static bool record_host_key(const struct host_key_seen *seen, void *data)
{
	struct preflight_host *h = data;
	h->key_unknown = true;
	snprintf(h->name, sizeof(h->name), "%s", seen->name);
	snprintf(h->type, sizeof(h->type), "%s", seen->type);
	snprintf(h->fingerprint, sizeof(h->fingerprint), "%s", seen->fingerprint);
	return false;
}

static void preflight_one(size_t i, void *data)
{
	struct preflight *pf = data;
	struct preflight_host *h = &pf->hosts[i];
	const struct target *t = &pf->o->targets.items[i];
	if (h->skip)
		return;
	struct local_key *keys = NULL;
	size_t n_keys = 0;
	if (pf->keys)
		target_keys_of(pf->keys, i, &keys, &n_keys);
	struct timespec deadline = remote_host_deadline(&h->connect);
	struct diag d = {{0}};
	if (pf->probe_sudo) {
		struct login_request req = {.target = t,
					    .connect = &h->connect,
					    .deadline = &deadline,
					    .keys = keys,
					    .n_keys = n_keys};
		h->result = login_preflight_sudo(&req, &h->sudo_needs_password, h->user,
						 sizeof(h->user), &d);
		return;
	}
	if (!pf->probe_login) {
		/* only the host key: no authentication request, nothing in sshd's log but the
		 * connection */
		struct remote_session *s = NULL;
		h->result = remote_connect(t, &h->connect, &s, &d);
		remote_session_free(s);
		return;
	}
	struct login_request req = {.target = t,
				    .connect = &h->connect,
				    .deadline = &deadline,
				    .keys = keys,
				    .n_keys = n_keys};
	h->result = login_preflight(&req, &h->outcome, h->user, sizeof(h->user), &d);
}

static void preflight_none(size_t i, void *data)
{
	(void)i;
	(void)data;
}

/* The unknown host keys, as one list and one question; the answers recorded. */
static int ask_host_key_list(struct preflight *pf, size_t n_unknown)
{
	struct fleet_options *o = pf->o;
	size_t n = o->targets.n;
	char *answer = NULL;
	int r = 0;
	terminal_lock();
	if (n_unknown > 1) {
		fprintf(stderr,
			"The authenticity of %zu hosts can't be established; their host keys are "
			"not in known_hosts:\n",
			n_unknown);
		for (size_t i = 0; i < n; i++)
			if (pf->hosts[i].key_unknown)
				fprintf(stderr, "  %-30s %-20s %s\n", pf->hosts[i].name,
					pf->hosts[i].type, pf->hosts[i].fingerprint);
		fflush(stderr);
		for (;;) {
			secret_string_free(answer);
			answer = NULL;
			if ((r = terminal_read_answer(
				     "Accept them: [a]ll, [n]one, or [o]ne by one? ", &answer)) < 0)
				break;
			if (answer[0] == 'a' || answer[0] == 'A' || answer[0] == 'n' ||
			    answer[0] == 'N' || answer[0] == 'o' || answer[0] == 'O')
				break;
		}
	}
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct preflight_host *h = &pf->hosts[i];
		if (!h->key_unknown)
			continue;
		bool yes;
		if (n_unknown > 1 && (answer[0] == 'a' || answer[0] == 'A'))
			yes = true;
		else if (n_unknown > 1 && (answer[0] == 'n' || answer[0] == 'N'))
			yes = false;
		else {
			struct pubkey unused = {0};
			struct host_key_seen seen = {h->name, h->name, h->type, h->fingerprint,
						     &unused};
			yes = ask_one_host_key(&seen);
		}
		/* a host named twice (two users) is asked once */
		struct host_key_seen seen = {h->name, h->name, h->type, h->fingerprint, NULL};
		if (decision_of(o, &seen) < 0)
			r = decision_add(o, h->name, h->fingerprint, yes);
	}
	terminal_unlock();
	secret_string_free(answer);
	return r;
}

/* The password ("Password" or "[sudo] password"), once, for user, saying how many hosts
 * need it; kept for the run (the canary still tries it on one host first). */
static void ask_password_once(struct fleet_options *o, const char *what, const char *user,
			      size_t needing)
{
	char prompt[600];
	snprintf(prompt, sizeof(prompt),
		 "%s for %s (%zu host%s need%s it; tried on one host first, sent to the others "
		 "only if it works): ",
		 what, user, needing, needing == 1 ? "" : "s", needing == 1 ? "s" : "");
	pthread_mutex_lock(&o->password_lock);
	secret_string_free(o->password);
	o->password = NULL;
	int r = terminal_read_secret(prompt, &o->password);
	o->password_asked = r == 0;
	free(o->password_user);
	o->password_user = r == 0 ? strdup(user) : NULL;
	o->password_state = PASSWORD_STATE_UNTRIED;
	pthread_mutex_unlock(&o->password_lock);
}

/* harden: every host whose key is known logged in to with the keys, and asked whether sudo
 * will want its password; if any will, it is asked now, once. */
static void ask_sudo_password(struct preflight *pf, struct pool_callbacks *cb)
{
	struct fleet_options *o = pf->o;
	size_t n = o->targets.n, needing = 0;
	const char *user = NULL;
	pf->probe_sudo = true;
	for (size_t i = 0; i < n; i++) {
		struct preflight_host *h = &pf->hosts[i];
		struct host_key_seen seen = {h->name, h->name, h->type, h->fingerprint, NULL};
		/* a host whose key was refused, or that did not answer, gets no login */
		h->skip = h->key_unknown ? decision_of(o, &seen) != 1 : h->result < 0;
		h->connect = o->connect;
		h->result = -1;
	}
	pool_run(n, o->jobs, cb);
	for (size_t i = 0; i < n; i++)
		if (!pf->hosts[i].skip && pf->hosts[i].result == 0 &&
		    pf->hosts[i].sudo_needs_password) {
			user = user ? user : pf->hosts[i].user;
			needing++;
		}
	if (needing)
		ask_password_once(o, "[sudo] password", user, needing);
}

int fleet_prepare(struct fleet_options *o, const struct target_keys *keys, bool password_login,
		  bool sudo_password)
{
	bool ask_keys = o->connect.ask_host_key && !o->connect.accept_new && !o->host_keys &&
			terminal_available();
	bool ask_password =
		password_login && !o->password_file && !o->password_stdin && terminal_available();
	/* (a password already given for this run serves sudo too: setup's) */
	bool ask_sudo = sudo_password && !o->password_file && !o->password_stdin &&
			!o->password_asked && terminal_available();
	size_t n = o->targets.n;
	if ((!ask_keys && !ask_password && !ask_sudo) || n == 0)
		return EXIT_OK;
	struct preflight pf = {.o = o,
			       .keys = keys,
			       .probe_login = ask_password,
			       .hosts = calloc(n, sizeof(*pf.hosts))};
	if (!pf.hosts)
		return EXIT_FAIL;
	/* first pass, every host side by side: the host key, and what logging in takes */
	for (size_t i = 0; i < n; i++) {
		pf.hosts[i].connect = o->connect;
		if (ask_keys) {
			pf.hosts[i].connect.ask_host_key = record_host_key;
			pf.hosts[i].connect.ask_data = &pf.hosts[i];
		}
	}
	struct pool_callbacks cb = {.run = preflight_one, .report = preflight_none, .data = &pf};
	if (ask_keys || ask_password)
		pool_run(n, o->jobs, &cb);
	size_t n_unknown = 0;
	for (size_t i = 0; i < n; i++)
		n_unknown += pf.hosts[i].key_unknown;
	int status = EXIT_OK;
	if (n_unknown && ask_host_key_list(&pf, n_unknown) < 0)
		status = EXIT_FAIL;
	/* second pass, the hosts whose key was just accepted: what logging in takes there
	 * (their key is recorded in known_hosts now, as ssh records it) */
	if (status == EXIT_OK && ask_password && n_unknown) {
		for (size_t i = 0; i < n; i++) {
			struct preflight_host *h = &pf.hosts[i];
			struct host_key_seen seen = {h->name, h->name, h->type, h->fingerprint,
						     NULL};
			h->skip = !(h->key_unknown && decision_of(o, &seen) == 1);
			h->connect = o->connect;
		}
		pool_run(n, o->jobs, &cb);
	}
	/* the password, once, when some host will need it to log in */
	const char *user = NULL;
	size_t needing = 0;
	for (size_t i = 0; status == EXIT_OK && ask_password && i < n; i++)
		if (pf.hosts[i].result == 0 && pf.hosts[i].outcome == LOGIN_PREFLIGHT_PASSWORD) {
			user = user ? user : pf.hosts[i].user;
			needing++;
		}
	if (needing)
		ask_password_once(o, "Password", user, needing);
	if (status == EXIT_OK && ask_sudo)
		ask_sudo_password(&pf, &cb);
	free(pf.hosts);
	return status;
}

/* --- passwords --- */

/* ssh's SSH_ASKPASS convention: run the program with the prompt as its argument (no shell)
 * and take the first line it prints. */
static int askpass_read(const char *program, const char *prompt, char **ret)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -errno;
	}
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		execlp(program, program, prompt, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", pipefd[0]);
	int r = passphrase_from_file(path, ret);
	close(pipefd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
		secret_string_free(*ret);
		*ret = NULL;
		r = -EPERM;
	}
	return r;
}

int fleet_password(const char *user, const char *label, enum password_purpose purpose, char **ret,
		   void *data)
{
	struct fleet_options *o = data;
	int r = 0;
	pthread_mutex_lock(&o->password_lock);
	/* one password for the run: from a file or stdin it serves every user; from the
	 * terminal it is asked again only for another user name */
	if (!o->password_asked || (!o->password_file && !o->password_stdin && o->password_user &&
				   strcmp(o->password_user, user) != 0)) {
		secret_string_free(o->password);
		o->password = NULL;
		if (o->password_file)
			r = passphrase_from_file(o->password_file, &o->password);
		else if (o->password_stdin)
			r = passphrase_from_file("-", &o->password);
		else {
			char prompt[512];
			if (purpose == PASSWORD_FOR_SUDO)
				snprintf(prompt, sizeof(prompt),
					 "[sudo] password for %s (sudo on the hosts of this run, "
					 "asked once): ",
					 user);
			else
				snprintf(prompt, sizeof(prompt), "%s's password: ", label);
			r = terminal_read_secret(prompt, &o->password);
			if (r == -ENXIO && getenv("SSH_ASKPASS"))
				r = askpass_read(getenv("SSH_ASKPASS"), prompt, &o->password);
		}
		o->password_asked = true;
		free(o->password_user);
		o->password_user = strdup(user);
		o->password_state = PASSWORD_STATE_UNTRIED; /* a new password */
	}
	/* the canary: one host tries a password first; the rest wait for its verdict */
	while (r == 0 && o->password && o->password_state == PASSWORD_STATE_TRYING)
		pthread_cond_wait(&o->password_tried, &o->password_lock);
	if (r == 0 && o->password && o->password_state == PASSWORD_STATE_REFUSED)
		r = ERR_PASSWORD_WITHHELD;
	if (r == 0 && o->password && o->password_state == PASSWORD_STATE_UNTRIED)
		o->password_state = PASSWORD_STATE_TRYING;
	if (r == 0 && o->password)
		*ret = strdup(o->password);
	else if (r == 0)
		r = -ENOENT;
	if (r == 0 && !*ret)
		r = -ENOMEM;
	pthread_mutex_unlock(&o->password_lock);
	return r;
}

void fleet_password_verdict(const char *user, const char *label, enum password_verdict v,
			    void *data)
{
	struct fleet_options *o = data;
	(void)user;
	pthread_mutex_lock(&o->password_lock);
	if (o->password_state == PASSWORD_STATE_TRYING) {
		if (v == PASSWORD_ACCEPTED)
			o->password_state = PASSWORD_STATE_PROVEN;
		else if (v == PASSWORD_REFUSED) {
			o->password_state = PASSWORD_STATE_REFUSED;
			snprintf(o->password_refused_by, sizeof(o->password_refused_by), "%s",
				 label);
		} else {
			o->password_state = PASSWORD_STATE_UNTRIED; /* the next host tries it */
		}
		pthread_cond_broadcast(&o->password_tried);
	}
	pthread_mutex_unlock(&o->password_lock);
}

void fleet_password_report(const struct fleet_options *o)
{
	if (o->password_state == PASSWORD_STATE_REFUSED)
		fprintf(stderr,
			"sshkeyctl: the password was refused by %s; it was sent to no other host "
			"(a wrong password tried fleet-wide locks accounts and bans addresses)\n",
			o->password_refused_by);
}

/* --- the status line --- */

void fleet_status_show(const struct fleet_status *st)
{
	if (st->done >= st->total)
		return;
	char line[512];
	int len = snprintf(line, sizeof(line), "%zu/%zu done, %zu failed, %zu pending", st->done,
			   st->total, st->failed, st->total - st->done);
	if (st->interrupted && len > 0 && (size_t)len < sizeof(line))
		len += snprintf(line + len, sizeof(line) - (size_t)len,
				"; interrupted: waiting for the hosts in progress");
	else if (st->slowest && len > 0 && (size_t)len < sizeof(line))
		len += snprintf(line + len, sizeof(line) - (size_t)len, "; slowest: %.200s (%ld s)",
				st->slowest, st->slowest_seconds);
	terminal_lock();
	terminal_control("\r\033[K");
	fprintf(stderr, "%s", line);
	fflush(stderr);
	terminal_status_line_shown(true);
	terminal_unlock();
}

void fleet_status_clear(void)
{
	terminal_lock();
	if (terminal_status_line_is_shown())
		terminal_control("\r\033[K");
	terminal_status_line_shown(false);
	terminal_unlock();
}
