#include "ops/harden.h"
#include "ops/harden_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/error.h"
#include "base/text_lines.h"
#include "base/line_diff.h"
#include "files/sshd_config.h"
#include "remote/server_admin.h"
#include "remote/server_kind.h"

void harden_result_init(struct harden_result *res)
{
	memset(res, 0, sizeof(*res));
	dynbuf_init(&res->plan, 1024 * 1024);
	dynbuf_init(&res->diff, 16 * 1024 * 1024);
	dynbuf_init(&res->warnings, 1024 * 1024);
	dynbuf_init(&res->proof, 1024 * 1024);
}

void harden_result_clear(struct harden_result *res)
{
	if (res->secrets)
		explicit_bzero(res->secrets, res->n_secrets * sizeof(*res->secrets));
	free(res->secrets);
	dynbuf_free(&res->plan);
	dynbuf_free(&res->diff);
	dynbuf_free(&res->warnings);
	dynbuf_free(&res->proof);
	memset(res, 0, sizeof(*res));
}

void harden_set_outcome(struct harden *h, enum harden_outcome o, int error, const char *fmt, ...)
{
	h->res->outcome = o;
	h->res->error = error;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(h->res->diag.text, sizeof(h->res->diag.text), fmt, ap);
		va_end(ap);
	}
}

/* A remote failure that means the connection itself is gone. */
bool harden_connection_lost(int r)
{
	return r == ERR_CONNECT || r == ERR_TIMEOUT;
}

bool harden_effective_is(const struct dynbuf *eff, const char *keyword, const char *value)
{
	char v[256];
	sshd_effective_values(eff, keyword, v, sizeof(v));
	return strcmp(v, value) == 0;
}

/* Is method the first of one of AuthenticationMethods' lists (what a "none" request is
 * offered)? "any": every enabled method is. */
static bool offered_first(const char *methods, const char *method)
{
	if (strcmp(methods, "any") == 0 || !*methods)
		return true;
	size_t len = strlen(method);
	for (const char *list = methods; *list;) {
		if (strncmp(list, method, len) == 0 && strchr(",: ", list[len] ? list[len] : ' '))
			return true;
		list += strcspn(list, " ");
		list += strspn(list, " ");
	}
	return false;
}

/* A password is offered at the start (password, or keyboard-interactive, which PAM turns
 * into a password prompt), as sshd -T describes the account's configuration. */
bool harden_password_possible(const struct dynbuf *eff)
{
	char methods[1024];
	sshd_effective_values(eff, "authenticationmethods", methods, sizeof(methods));
	return (harden_effective_is(eff, "passwordauthentication", "yes") &&
		offered_first(methods, "password")) ||
	       ((harden_effective_is(eff, "kbdinteractiveauthentication", "yes") ||
		 harden_effective_is(eff, "challengeresponseauthentication", "yes")) &&
		offered_first(methods, "keyboard-interactive"));
}

static bool root_login_is(const struct dynbuf *eff, const char *want)
{
	char v[64];
	sshd_effective_values(eff, "permitrootlogin", v, sizeof(v));
	/* sshd -T prints the old alias */
	if (strcmp(v, "without-password") == 0)
		snprintf(v, sizeof(v), "prohibit-password");
	return strcmp(v, want) == 0;
}

int harden_read_effective(struct harden *h, struct diag *d)
{
	for (size_t i = 0; i < h->n_accounts; i++) {
		int r = server_admin_sshd_effective(h->admin, h->accounts[i].user,
						    &h->accounts[i].effective, d);
		if (r < 0)
			return r;
		h->accounts[i].password_expected =
			harden_password_possible(&h->accounts[i].effective);
	}
	return 0;
}

void harden_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* From new connections: the key logs in as the login user, and every account is offered
 * password login exactly when sshd -T says it may be (a reload that did not take effect
 * shows here). */
int harden_prove(struct harden *h, struct diag *d)
{
	int r = 0;
	for (int attempt = 0; attempt < PROOF_ATTEMPTS; attempt++) {
		if (attempt)
			harden_sleep_ms(PROOF_PAUSE_MS);
		r = 0;
		for (size_t i = 0; r == 0 && i < h->n_accounts; i++) {
			const struct account_check *a = &h->accounts[i];
			unsigned methods = 0;
			bool login_user = i == 0;
			r = login_prove(h->t, login_user ? NULL : a->user, h->req->connect,
					&h->deadline, login_user ? h->used : NULL,
					login_user ? h->used_priv : NULL, &methods, d);
			bool offered = (methods & (AUTH_METHOD_PASSWORD | AUTH_METHOD_KBDINT)) != 0;
			if (r == 0 && offered != a->password_expected) {
				diag_set(d,
					 "sshd %s password login to %s although its configuration "
					 "%s it: the reload did not take effect",
					 offered ? "still offers" : "no longer offers", a->user,
					 offered ? "forbids" : "allows");
				r = ERR_REMOTE;
			}
		}
		if (r == 0 || r == ERR_HOST_KEY_CHANGED || r == ERR_HOST_KEY_UNKNOWN ||
		    r == ERR_HOST_KEY_REVOKED)
			break;
	}
	return r;
}

void harden_note_proof(struct harden *h)
{
	for (size_t i = 0; i < h->n_accounts; i++) {
		const struct account_check *a = &h->accounts[i];
		dynbuf_printf(&h->res->proof, "%s: %s%s\n", a->user,
			      i == 0 ? "key login works from a new connection; " : "",
			      a->password_expected ? "password login still offered"
						   : "no password or keyboard-interactive offered");
	}
}

/* Put the backups back and prove the old state: files byte-identical (checked on the
 * server), sshd -t, reload, key login from a new connection. */
static void roll_back(struct harden *h, const char *reason)
{
	struct diag d = {{0}};
	int status = 0;
	char how[128];
	struct dynbuf msg;
	dynbuf_init(&msg, 64 * 1024);
	int r = h->lifeline_lost ? ERR_CONNECT : server_admin_restore(h->admin, &d);
	if (r == 0 && (r = server_admin_sshd_test(h->admin, &status, &msg, &d)) == 0 && status) {
		diag_set(&d, "the restored configuration fails sshd -t");
		r = ERR_REMOTE;
	}
	if (r == 0)
		r = server_admin_reload(h->admin, how, sizeof(how), &d);
	if (r == 0)
		r = harden_read_effective(h, &d);
	if (r == 0)
		r = harden_prove(h, &d);
	dynbuf_free(&msg);
	if (r == 0) {
		harden_set_outcome(h, HARDEN_ROLLED_BACK, ERR_ROLLED_BACK,
				   "%s (files restored byte for byte, key login proven)", reason);
		return;
	}
	char deadman[256] = "the next harden run (or --undo) restores it";
	if (h->deadman_armed) {
		char when[64];
		struct tm tm;
		h->res->deadman_restores_at = h->deadman_at;
		strftime(when, sizeof(when), "%H:%M:%S %Z", localtime_r(&h->deadman_at, &tm));
		snprintf(deadman, sizeof(deadman),
			 "the dead-man on the server restores it by %s (%u s from the start)", when,
			 h->req->confirm_timeout);
	}
	if (harden_connection_lost(r) || h->lifeline_lost)
		harden_set_outcome(h, HARDEN_FAILED, r,
				   "%s; the connection is lost: backup in %s, %s", reason,
				   h->res->backup_dir, deadman);
	else
		harden_set_outcome(h, HARDEN_FAILED, r,
				   "%s; and the rollback failed: %s (backup in %s; %s)", reason,
				   d.text, h->res->backup_dir, deadman);
}

void harden_prove_unchanged(struct harden *h, const char *state)
{
	struct diag d = {{0}};
	int r = harden_prove(h, &d);
	if (r < 0) {
		harden_set_outcome(h, HARDEN_FAILED, r, "%s, but %s", state, d.text);
		return;
	}
	harden_note_proof(h);
	harden_set_outcome(h, HARDEN_ALREADY, 0, NULL);
}

/* The tests' kill -9 at a step of the transaction (sshkeyctl-faults only: req->fault is
 * never set in the installed program). */
void harden_fault_kill(const struct harden *h, const char *step)
{
	if (h->req->fault && strcmp(h->req->fault, step) == 0)
		raise(SIGKILL);
}

/* The server's harden lock (one run at a time); what an interrupted run left open is
 * restored first, and said so. */
int harden_lock(struct harden *h, struct diag *d)
{
	static const struct {
		const char *word, *text;
	} kinds[] = {
		{"recovered ", "its backup is restored and sshd reloaded"},
		{"recovered-unreloaded ", "its backup is restored, but reloading sshd failed: "
					  "reload it"},
		{"unrecovered ", "and restoring it failed: check the files it lists"},
	};
	if (h->locked)
		return 0;
	struct dynbuf recovered;
	struct line_iter it;
	const char *line;
	size_t n;
	dynbuf_init(&recovered, 64 * 1024);
	int r = server_admin_lock(h->admin, &recovered, d);
	h->locked = r == 0;
	line_iter_init(&it, recovered.len ? (const char *)recovered.data : "", recovered.len);
	while (r == 0 && line_iter_next(&it, &line, &n, NULL))
		for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
			size_t w = strlen(kinds[i].word);
			if (n > w && !strncmp(line, kinds[i].word, w))
				dynbuf_printf(&h->res->warnings,
					      "an interrupted harden run had left %.*s open: %s\n",
					      (int)(n - w), line + w, kinds[i].text);
		}
	dynbuf_free(&recovered);
	return r;
}

/* The transaction, from the backup to the confirmation; check (may be NULL) looks at
 * sshd -T after the write and returns a reason to roll back, or NULL. */
void harden_transaction(struct harden *h, const char *kind, const struct file_change *changes,
			size_t n, const char *(*check)(struct harden *h, char *buf, size_t len),
			enum harden_outcome success)
{
	struct diag d = {{0}};
	struct dynbuf msg;
	dynbuf_init(&msg, 64 * 1024);
	char reason[1200];
	int status = 0;
	int r = harden_lock(h, &d);
	harden_fault_kill(h, "kill-before-backup");
	if (r == 0)
		r = server_admin_begin(h->admin, kind, &d);
	if (r == 0)
		snprintf(h->res->backup_dir, sizeof(h->res->backup_dir), "%s",
			 server_admin_backup_dir(h->admin));
	for (size_t i = 0; r == 0 && i < n; i++)
		r = server_admin_save(h->admin, changes[i].path, &d);
	/* the restore that needs no client runs before the first file is touched; its time
	 * covers the whole transaction */
	if (r == 0 && (r = server_admin_arm(h->admin, h->req->confirm_timeout, &d)) == 0) {
		h->deadman_armed = true;
		h->deadman_at = time(NULL) + (time_t)h->req->confirm_timeout;
	}
	if (r < 0) {
		harden_set_outcome(h, r == -EBUSY ? HARDEN_REFUSED : HARDEN_FAILED, r,
				   "nothing changed: %s", d.text);
		goto out;
	}
	if (h->before_write && (r = h->before_write(h, &d)) < 0) {
		h->lifeline_lost = harden_connection_lost(r);
		snprintf(reason, sizeof(reason), "%s", d.text);
		roll_back(h, reason);
		goto out;
	}
	for (size_t i = 0; r == 0 && i < n; i++) {
		const struct file_change *c = &changes[i];
		r = c->content ? server_admin_write(h->admin, c->path, c->expected,
						    c->content->data, c->content->len, &d)
			       : server_admin_remove(h->admin, c->path, c->expected, &d);
		if (r == 0)
			dynbuf_printf(&h->res->plan, "%s %s\n", c->content ? "wrote" : "removed",
				      c->path);
		if (r == 0 && i == 0)
			harden_fault_kill(h, "kill-after-first-write");
	}
	if (r < 0) {
		h->lifeline_lost = harden_connection_lost(r);
		snprintf(reason, sizeof(reason), "writing failed: %s", d.text);
		roll_back(h, reason);
		goto out;
	}
	r = server_admin_sshd_test(h->admin, &status, &msg, &d);
	harden_fault_kill(h, "kill-after-test");
	if (r == 0 && h->req->fault && strcmp(h->req->fault, "sshd-test-fails") == 0) {
		/* sshd -t refusing what was written: restored before any reload */
		status = 255;
		dynbuf_reset(&msg);
		dynbuf_printf(&msg, "(injected) line 1: Bad configuration option\n");
	}
	if (r == 0 && status != 0) {
		const char *m = msg.len ? (const char *)msg.data : "";
		snprintf(reason, sizeof(reason), "the new configuration fails sshd -t: %.*s",
			 (int)strcspn(m, "\n"), m);
		roll_back(h, reason);
		goto out;
	}
	if (r == 0)
		r = harden_read_effective(h, &d);
	if (r < 0) {
		h->lifeline_lost = harden_connection_lost(r);
		snprintf(reason, sizeof(reason), "%s", d.text);
		roll_back(h, reason);
		goto out;
	}
	const char *why = check ? check(h, reason, sizeof(reason)) : NULL;
	if (why) {
		roll_back(h, why);
		goto out;
	}
	if (h->req->fault && strcmp(h->req->fault, "reload-no-effect") == 0)
		/* a reload that says it worked and did nothing: the proof must catch it */
		snprintf(h->res->reload_how, sizeof(h->res->reload_how),
			 "none (injected: reported success, did nothing)");
	else
		r = server_admin_reload(h->admin, h->res->reload_how, sizeof(h->res->reload_how),
					&d);
	if (r == 0)
		harden_fault_kill(h, "kill-after-reload");
	if (r < 0) {
		h->lifeline_lost = harden_connection_lost(r);
		snprintf(reason, sizeof(reason), "%s", d.text);
		roll_back(h, reason);
		goto out;
	}
	if (h->req->fault && strcmp(h->req->fault, "cut-after-reload") == 0) {
		/* as if the network went away: the server is left to its dead-man */
		server_admin_close(h->admin);
		h->admin = NULL;
		remote_session_free(h->s);
		h->s = NULL;
		h->res->deadman_restores_at = h->deadman_at;
		harden_set_outcome(
			h, HARDEN_FAILED, ERR_CONNECT,
			"connection cut after the reload (injected); the dead-man on the server "
			"restores the backup (%s) within %u s of the start",
			h->res->backup_dir, h->req->confirm_timeout);
		goto out;
	}
	if (h->req->fault && strcmp(h->req->fault, "fail-after-reload") == 0) {
		roll_back(h, "failure injected after the reload");
		goto out;
	}
	if ((r = (h->prove_change ? h->prove_change : harden_prove)(h, &d)) < 0) {
		snprintf(reason, sizeof(reason), "the proof failed: %s", d.text);
		roll_back(h, reason);
		goto out;
	}
	if ((r = server_admin_confirm(h->admin, &d)) < 0) {
		/* proven, but the dead-man would undo it: say so */
		h->res->deadman_restores_at = h->deadman_at;
		harden_set_outcome(
			h, HARDEN_FAILED, r,
			"the change is proven, but the dead-man could not be disarmed (%s): it "
			"restores the backup within %u s of the start",
			d.text, h->req->confirm_timeout);
		goto out;
	}
	if (!h->prove_change)
		harden_note_proof(h);
	harden_set_outcome(h, success, 0, NULL);
out:
	dynbuf_free(&msg);
}

/* The login: our key, no password (harden's first precondition). */
/* harden edits OpenSSH's sshd_config: any other server is refused before we log in, so
 * that no OpenSSH configuration lying inactive on the box is read or edited. */
static int openssh_only(const char *banner, struct diag *d)
{
	struct server_kind kind;
	server_kind_from_banner(banner, strlen(banner), &kind);
	if (kind.software == SERVER_OPENSSH)
		return 0;
	const char *way = kind.software == SERVER_DROPBEAR
				  ? "; for Dropbear, start it with -s (no password logins) or -g "
				    "(none for root)"
			  : kind.software == SERVER_TINYSSH
				  ? "; tinysshd has no password login to turn off"
				  : "";
	diag_set(d,
		 "this server is %s (its banner), not OpenSSH: harden edits OpenSSH's "
		 "sshd_config, so nothing was changed%s",
		 kind.name, way);
	return ERR_NOT_OPENSSH;
}

static int log_in(struct harden *h)
{
	const struct harden_request *req = h->req;
	bool *accepted = calloc(req->n_keys ? req->n_keys : 1, sizeof(bool));
	struct diag d = {{0}};
	struct login_request lr = {.target = h->t,
				   .connect = req->connect,
				   .deadline = &h->deadline,
				   .keys = req->keys,
				   .n_keys = req->n_keys,
				   .server_check = openssh_only};
	int r = accepted ? login_for_work_with(&lr, accepted, &h->s, &h->used, &d) : -ENOMEM;
	free(accepted);
	if (r == ERR_AUTH_DENIED) {
		/* login's message speaks of a password, which harden never uses to log in */
		harden_set_outcome(
			h, HARDEN_REFUSED, r,
			"key login does not work, so password login stays on (nothing changed): "
			"the server accepted none of the keys offered (%s); install a key first "
			"(sshkeyctl copy)",
			req->n_keys ? "-i and the default identities" : "ssh-agent's");
		return r;
	}
	if (r == ERR_NOT_OPENSSH) {
		harden_set_outcome(h, HARDEN_REFUSED, r, "%s", d.text);
		return r;
	}
	if (r < 0) {
		harden_set_outcome(h, HARDEN_FAILED, r, "%s", d.text);
		return r;
	}
	for (size_t i = 0; i < req->n_keys; i++)
		if (req->keys[i].priv && pubkey_equal(req->keys[i].pub, h->used))
			h->used_priv = req->keys[i].priv;
	return 0;
}

static int add_account(struct harden *h, const char *user)
{
	for (size_t i = 0; i < h->n_accounts; i++)
		if (strcmp(h->accounts[i].user, user) == 0)
			return 0;
	struct account_check *g = realloc(h->accounts, (h->n_accounts + 1) * sizeof(*g));
	if (!g)
		return -ENOMEM;
	h->accounts = g;
	memset(&g[h->n_accounts], 0, sizeof(*g));
	g[h->n_accounts].user = user;
	dynbuf_init(&g[h->n_accounts].effective, 1024 * 1024);
	h->n_accounts++;
	return 0;
}

/* The connection's root, the sshd_config model and the current configuration's test. */
int harden_open_server(struct harden *h, struct sshd_config **ret_cfg)
{
	struct diag d = {{0}};
	int r = server_admin_open(h->s, h->req->password, &h->admin, &d);
	if (r == ERR_NO_ROOT) {
		harden_set_outcome(h, HARDEN_REFUSED, r, "no way to root (nothing changed): %s",
				   d.text);
		return r;
	}
	if (r < 0) {
		harden_set_outcome(h, HARDEN_FAILED, r, "%s", d.text);
		return r;
	}
	/* a change: the lock before anything is read, so that what an interrupted run left
	 * open is restored first and the plan is made from the files as they are then */
	bool read_only = h->req->dry_run || (h->req->mfa && h->req->mfa->action == MFA_STATUS);
	if (!read_only && (r = harden_lock(h, &d)) < 0) {
		harden_set_outcome(h, r == -EBUSY ? HARDEN_REFUSED : HARDEN_FAILED, r,
				   "nothing changed: %s", d.text);
		return r;
	}
	struct dynbuf msg;
	dynbuf_init(&msg, 64 * 1024);
	int status = 0;
	if ((r = server_admin_sshd_test(h->admin, &status, &msg, &d)) == 0 && status != 0) {
		const char *m = msg.len ? (const char *)msg.data : "";
		harden_set_outcome(
			h, HARDEN_REFUSED, ERR_REMOTE,
			"the current configuration already fails sshd -t, so nothing is changed: "
			"%.*s",
			(int)strcspn(m, "\n"), m);
		r = ERR_REMOTE;
	}
	dynbuf_free(&msg);
	if (r < 0) {
		if (h->res->outcome != HARDEN_REFUSED)
			harden_set_outcome(h, HARDEN_FAILED, r, "%s", d.text);
		return r;
	}
	char err[1024] = "";
	if ((r = server_admin_sshd_config(h->admin, ret_cfg, err, sizeof(err))) < 0) {
		harden_set_outcome(h, HARDEN_REFUSED, r, "cannot read sshd's configuration: %s",
				   err);
		return r;
	}
	if ((r = harden_read_effective(h, &d)) < 0) {
		harden_set_outcome(h, HARDEN_FAILED, r, "%s", d.text);
		sshd_config_free(*ret_cfg);
		*ret_cfg = NULL;
		return r;
	}
	return 0;
}

/* Match blocks that turn password login back on: warned about, or (--fix-match) commented
 * out; ret: the directives to comment out. */
static int match_overrides(struct harden *h, const struct sshd_config *cfg, size_t **ret,
			   size_t *ret_n)
{
	static const char *const keywords[] = {
		"passwordauthentication", "kbdinteractiveauthentication", "permitemptypasswords"};
	size_t *fix = NULL, n_fix = 0;
	int r = 0;
	for (size_t k = 0; r == 0 && k < sizeof(keywords) / sizeof(*keywords); k++) {
		size_t *idx = NULL, n = 0;
		if ((r = sshd_config_match_overrides(cfg, keywords[k], &idx, &n)) < 0)
			break;
		for (size_t i = 0; r == 0 && i < n; i++) {
			const struct sshd_directive *dv = &cfg->directives[idx[i]];
			/* mfa's block turns keyboard-interactive on after a key only: no
			 * password way in, and commenting it out would lock its accounts out */
			if (strncasecmp(dv->args, "yes", 3) != 0 ||
			    mfa_block_match(cfg, &cfg->directives[dv->match]))
				continue;
			const struct sshd_directive *m = &cfg->directives[dv->match];
			const char *file = cfg->files[dv->file].path;
			if (h->req->fix_match) {
				size_t *g = realloc(fix, (n_fix + 1) * sizeof(*g));
				if (!g) {
					r = -ENOMEM;
					break;
				}
				fix = g;
				fix[n_fix++] = idx[i];
				dynbuf_printf(&h->res->plan,
					      "comment out %s:%lu (%s %s, in \"Match %s\")\n", file,
					      dv->line, dv->keyword, dv->args, m->args);
			} else {
				h->match_allows_passwords = true;
				dynbuf_printf(&h->res->warnings,
					      "\"Match %s\" (%s:%lu) turns %s back on (%s:%lu); "
					      "--fix-match comments it out\n",
					      m->args, cfg->files[m->file].path, m->line,
					      dv->keyword, file, dv->line);
			}
		}
		free(idx);
	}
	if (r < 0) {
		free(fix);
		return r;
	}
	*ret = fix;
	*ret_n = n_fix;
	return 0;
}

/* Accounts that log in with a password today and have no authorized key: after the change
 * they cannot log in over SSH at all, unless a Match block we only warned about still lets
 * them use a password. settled: the configuration on disk is the final one (written, or
 * nothing to change), so each such account's own sshd -T -C user=NAME tells; otherwise
 * (dry run) it cannot be known yet, and the warning says so. One line for all of them. */
static void warn_accounts(struct harden *h, bool settled)
{
	struct diag d;
	struct dynbuf list, names, eff;
	dynbuf_init(&list, 1024 * 1024);
	dynbuf_init(&names, 1024 * 1024);
	dynbuf_init(&eff, 1024 * 1024);
	size_t n_names = 0;
	char akf[1024];
	sshd_effective_values(&h->accounts[0].effective, "authorizedkeysfile", akf, sizeof(akf));
	if (server_admin_password_accounts(h->admin, &list, &d) < 0 || !list.len)
		goto out;
	dynbuf_append(&list, "", 1);
	for (char *line = (char *)list.data; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		char name[256], home[1024];
		bool has_key = false;
		if (sscanf(line, "%255s %1023s", name, home) == 2) {
			char copy[1024];
			snprintf(copy, sizeof(copy), "%s", akf);
			char *save = NULL;
			for (char *pat = strtok_r(copy, " ", &save); pat && !has_key;
			     pat = strtok_r(NULL, " ", &save)) {
				char path[2048];
				sshd_authorized_keys_path(pat, home, name, -1, path, sizeof(path));
				bool nonempty = false;
				if (strcmp(pat, "none") != 0 && !strstr(pat, "%U") &&
				    server_admin_nonempty(h->admin, path, &nonempty, &d) == 0)
					has_key = nonempty;
			}
			/* a Match block that keeps passwords on for it: not locked out */
			bool still_in =
				!has_key && settled && h->match_allows_passwords &&
				server_admin_sshd_effective(h->admin, name, &eff, &d) == 0 &&
				harden_password_possible(&eff);
			if (!has_key && !still_in) {
				dynbuf_printf(&names, "%s%s", n_names ? ", " : "", name);
				n_names++;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	if (n_names)
		dynbuf_printf(
			&h->res->warnings, "%s %.*s %s a password and no authorized key: %s%s\n",
			n_names == 1 ? "account" : "accounts", (int)names.len,
			(const char *)names.data, n_names == 1 ? "has" : "have",
			n_names == 1 ? "it can no longer log in over SSH"
				     : "they can no longer log in over SSH",
			!settled && h->match_allows_passwords
				? " (unless a Match block above still lets them use a password)"
				: "");
out:
	dynbuf_free(&list);
	dynbuf_free(&names);
	dynbuf_free(&eff);
}

/* After the write, before the reload: sshd -T must show what we set, except where a Match
 * block we only warned about keeps passwords on. */
static const char *check_hardened(struct harden *h, char *buf, size_t len)
{
	const struct account_check *login = &h->accounts[0];
	if (!harden_effective_is(&login->effective, "pubkeyauthentication", "yes")) {
		snprintf(buf, len, "sshd -T shows pubkeyauthentication off for %s", login->user);
		return buf;
	}
	for (size_t i = 0; i < h->n_accounts; i++) {
		const struct account_check *a = &h->accounts[i];
		if (!a->password_expected)
			continue;
		if (!h->match_allows_passwords) {
			snprintf(buf, len,
				 "the settings did not take effect: sshd -T still allows %s a "
				 "password",
				 a->user);
			return buf;
		}
		dynbuf_printf(&h->res->warnings, "%s can still log in with a password\n", a->user);
	}
	warn_accounts(h, true);
	return NULL;
}

/* sshd's defaults for the keywords harden sets (sshd_config(5)) */
static const char *default_value(const char *keyword)
{
	if (strcasecmp(keyword, "PermitEmptyPasswords") == 0)
		return "no";
	if (strcasecmp(keyword, "PermitRootLogin") == 0)
		return "prohibit-password";
	return "yes";
}

/* What each setting is today and where that comes from, for the plan: an administrator
 * sees why a drop-in is needed (cloud-init's file wins today). */
static size_t explain_settings(struct harden *h, const struct sshd_config *cfg,
			       const struct sshd_setting *settings, size_t n)
{
	size_t differ = 0;
	for (size_t i = 0; i < n; i++) {
		const struct sshd_directive *g = sshd_config_global(cfg, settings[i].keyword);
		char now[64];
		snprintf(now, sizeof(now), "%.*s", g ? (int)strcspn(g->args, " \t") : 63,
			 g ? g->args : default_value(settings[i].keyword));
		if (strcasecmp(now, settings[i].value) == 0 ||
		    (strcasecmp(now, "without-password") == 0 &&
		     strcmp(settings[i].value, "prohibit-password") == 0))
			continue;
		differ++;
		if (g)
			dynbuf_printf(&h->res->plan, "%s %s -> %s (today from %s:%lu)\n",
				      settings[i].keyword, now, settings[i].value,
				      cfg->files[g->file].path, g->line);
		else
			dynbuf_printf(&h->res->plan, "%s %s -> %s (today sshd's default)\n",
				      settings[i].keyword, now, settings[i].value);
	}
	return differ;
}

static bool any_password(const struct harden *h)
{
	for (size_t i = 0; i < h->n_accounts; i++)
		if (h->accounts[i].password_expected)
			return true;
	return false;
}

static void harden_change(struct harden *h)
{
	const struct harden_request *req = h->req;
	struct sshd_config *cfg = NULL;
	struct sshd_config_plan plan = {0};
	size_t *fix = NULL, n_fix = 0;
	struct file_change *changes = NULL;
	struct dynbuf root_eff;
	dynbuf_init(&root_eff, 1024 * 1024);
	struct diag d = {{0}};
	if (harden_open_server(h, &cfg) < 0)
		goto out;
	int r = 0;
	if (req->root_login == HARDEN_ROOT_DEFAULT)
		r = server_admin_sshd_effective(h->admin, "root", &root_eff, &d);
	if (r < 0) {
		harden_set_outcome(h, HARDEN_FAILED, r, "%s", d.text);
		goto out;
	}
	/* the settings */
	struct server_kind kind;
	server_kind_of(h->s, &kind);
	struct sshd_setting settings[5] = {
		{"PasswordAuthentication", "no"},
		{server_kbdinteractive_setting(&kind), "no"},
		{"PubkeyAuthentication", "yes"},
		{"PermitEmptyPasswords", "no"},
	};
	size_t n_settings = 4;
	const char *root_value = NULL;
	switch (req->root_login) {
	case HARDEN_ROOT_DEFAULT:
		root_value = root_login_is(&root_eff, "no") ? NULL : "prohibit-password";
		break;
	case HARDEN_ROOT_NO:
		if (strcmp(h->accounts[0].user, "root") == 0) {
			harden_set_outcome(
				h, HARDEN_REFUSED, -EINVAL,
				"--root-login no would lock out root, the account this connection "
				"logs in as (nothing changed)");
			goto out;
		}
		root_value = "no";
		break;
	case HARDEN_ROOT_PROHIBIT_PASSWORD:
		root_value = "prohibit-password";
		break;
	case HARDEN_ROOT_KEEP:
		break;
	}
	if (root_value)
		settings[n_settings++] = (struct sshd_setting){"PermitRootLogin", root_value};
	if ((r = match_overrides(h, cfg, &fix, &n_fix)) < 0) {
		harden_set_outcome(h, HARDEN_FAILED, r, "out of memory");
		goto out;
	}
	/* anything to do? */
	/* the global values (which every account without a Match block gets), then each
	 * account's own */
	bool needed =
		explain_settings(h, cfg, settings, n_settings) > 0 || n_fix > 0 || any_password(h);
	for (size_t i = 0; !needed && i < h->n_accounts; i++) {
		const struct dynbuf *e = &h->accounts[i].effective;
		needed = !harden_effective_is(e, "pubkeyauthentication", "yes") ||
			 !harden_effective_is(e, "permitemptypasswords", "no");
	}
	if (!needed && root_value) {
		const struct dynbuf *e = root_eff.len ? &root_eff : &h->accounts[0].effective;
		needed = !root_login_is(e, root_value);
	}
	if (!needed) {
		warn_accounts(h, true);
		if ((r = harden_prove(h, &d)) < 0) {
			harden_set_outcome(h, HARDEN_FAILED, r, "nothing needed changing, but %s",
					   d.text);
			goto out;
		}
		harden_note_proof(h);
		harden_set_outcome(h, h->match_allows_passwords ? HARDEN_WARN : HARDEN_ALREADY, 0,
				   NULL);
		goto out;
	}
	if ((r = sshd_config_plan_settings(cfg, settings, n_settings, "set by sshkeyctl harden",
					   fix, n_fix, &plan)) < 0) {
		harden_set_outcome(h, HARDEN_FAILED, r, "cannot plan the change");
		goto out;
	}
	changes = calloc(plan.n_edits ? plan.n_edits : 1, sizeof(*changes));
	if (!changes) {
		harden_set_outcome(h, HARDEN_FAILED, -ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < plan.n_edits; i++) {
		const struct sshd_file_edit *e = &plan.edits[i];
		const struct dynbuf *old = NULL;
		for (size_t f = 0; f < cfg->n_files && !e->create; f++)
			if (strcmp(cfg->files[f].path, e->path) == 0)
				old = &cfg->files[f].content;
		changes[i] = (struct file_change){e->path, old, &e->content};
		if (req->dry_run) {
			dynbuf_printf(&h->res->plan, "%s %s\n", e->create ? "create" : "edit",
				      e->path);
			line_diff_unified(old && old->len ? (const char *)old->data : "",
					  old ? old->len : 0, (const char *)e->content.data,
					  e->content.len, e->create ? "/dev/null" : e->path,
					  e->path, &h->res->diff);
		}
	}
	if (req->dry_run) {
		warn_accounts(h, false);
		harden_set_outcome(h, HARDEN_WOULD, 0, NULL);
		goto out;
	}
	harden_transaction(h, "harden", changes, plan.n_edits, check_hardened, HARDEN_DONE);
	/* a Match block that keeps passwords on for some account is a warning on every run,
	 * whether or not an account we prove is among those it matches */
	if (h->res->outcome == HARDEN_DONE && (any_password(h) || h->match_allows_passwords))
		h->res->outcome = HARDEN_WARN;
out:
	free(changes);
	free(fix);
	sshd_config_plan_clear(&plan);
	sshd_config_free(cfg);
	dynbuf_free(&root_eff);
}

/* after the write: sshd -T names our KRL (the login user's view) */
static const char *check_krl(struct harden *h, char *buf, size_t len)
{
	char v[1024];
	sshd_effective_values(&h->accounts[0].effective, "revokedkeys", v, sizeof(v));
	if (strcmp(v, h->req->krl_path) == 0)
		return NULL;
	snprintf(buf, len, "after the change sshd -T shows RevokedKeys %s, not %s",
		 v[0] ? v : "none", h->req->krl_path);
	return buf;
}

/* revoke --install-krl: the KRL file written first (sshd refuses every key while
 * RevokedKeys names a file it cannot read), then RevokedKeys set where it takes effect; a
 * RevokedKeys that already names another file is left alone (refused, said so). */
static void install_krl(struct harden *h)
{
	const struct harden_request *req = h->req;
	struct sshd_config *cfg = NULL;
	struct sshd_config_plan plan = {0};
	struct file_change changes[1 + 8];
	size_t n = 0;
	struct dynbuf old;
	struct diag d = {{0}};
	char current[1024];
	dynbuf_init(&old, 64 * 1024 * 1024);
	if (harden_open_server(h, &cfg) < 0)
		goto out;
	int r;
	sshd_effective_values(&h->accounts[0].effective, "revokedkeys", current, sizeof(current));
	bool named = strcmp(current, req->krl_path) == 0;
	if (current[0] && strcmp(current, "none") && !named) {
		harden_set_outcome(
			h, HARDEN_REFUSED, -EEXIST,
			"sshd already reads revoked keys from %s (RevokedKeys); nothing changed: "
			"add "
			"the keys there (ssh-keygen -k -u -f %s KEY...)",
			current, current);
		goto out;
	}
	r = server_admin_read(h->admin, req->krl_path, &old, &d);
	if (r < 0 && r != -ENOENT) {
		harden_set_outcome(h, HARDEN_FAILED, r, "%s", d.text);
		goto out;
	}
	bool exists = r == 0;
	bool same = exists && old.len == req->krl->len &&
		    memcmp(old.data, req->krl->data, old.len) == 0;
	if (!same)
		changes[n++] = (struct file_change){req->krl_path, exists ? &old : NULL, req->krl};
	if (!named) {
		const struct sshd_setting setting = {"RevokedKeys", req->krl_path};
		if ((r = sshd_config_plan_settings(cfg, &setting, 1,
						   "set by sshkeyctl revoke --install-krl", NULL, 0,
						   &plan)) < 0 ||
		    plan.n_edits > 8) {
			harden_set_outcome(h, HARDEN_FAILED, r < 0 ? r : -E2BIG,
					   "cannot plan the change");
			goto out;
		}
		for (size_t i = 0; i < plan.n_edits; i++) {
			const struct sshd_file_edit *e = &plan.edits[i];
			const struct dynbuf *was = NULL;
			for (size_t f = 0; f < cfg->n_files && !e->create; f++)
				if (strcmp(cfg->files[f].path, e->path) == 0)
					was = &cfg->files[f].content;
			changes[n++] = (struct file_change){e->path, was, &e->content};
		}
	}
	if (n == 0) {
		harden_prove_unchanged(h, "the KRL is in place");
		goto out;
	}
	if (req->dry_run) {
		for (size_t i = 0; i < n; i++) {
			bool krl = changes[i].content == req->krl;
			dynbuf_printf(&h->res->plan, "%s %s%s\n",
				      changes[i].expected ? "edit" : "create", changes[i].path,
				      krl ? " (the KRL)" : "");
			if (!krl)
				line_diff_unified(
					changes[i].expected && changes[i].expected->len
						? (const char *)changes[i].expected->data
						: "",
					changes[i].expected ? changes[i].expected->len : 0,
					(const char *)changes[i].content->data,
					changes[i].content->len,
					changes[i].expected ? changes[i].path : "/dev/null",
					changes[i].path, &h->res->diff);
		}
		harden_set_outcome(h, HARDEN_WOULD, 0, NULL);
		goto out;
	}
	harden_transaction(h, "install-krl", changes, n, check_krl, HARDEN_DONE);
out:
	sshd_config_plan_clear(&plan);
	sshd_config_free(cfg);
	dynbuf_free(&old);
}

/* --undo: the latest completed harden's backup goes back, as a transaction of its own. */
static void harden_undo(struct harden *h)
{
	struct diag d = {{0}};
	char *dir = NULL;
	struct server_admin_backup_entry *entries = NULL;
	size_t n = 0;
	struct dynbuf *now = NULL, *saved = NULL;
	struct file_change *changes = NULL;
	int r = server_admin_open(h->s, h->req->password, &h->admin, &d);
	if (r < 0) {
		harden_set_outcome(h, r == ERR_NO_ROOT ? HARDEN_REFUSED : HARDEN_FAILED, r, "%s",
				   d.text);
		goto out;
	}
	if (mfa_set_up(h)) {
		/* passwords back on while sshd's PAM stack asks a code: no password would work */
		harden_set_outcome(h, HARDEN_REFUSED, -EBUSY,
				   "mfa is set up here (sshd's PAM stack asks a code, not the "
				   "password): the password login undo brings back would not work; "
				   "run sshkeyctl mfa disable first (nothing changed)");
		goto out;
	}
	if ((r = harden_lock(h, &d)) < 0 ||
	    (r = server_admin_latest_backup(h->admin, &dir, &entries, &n, &d)) < 0) {
		harden_set_outcome(h, HARDEN_REFUSED, r, "%s", d.text);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (!entries[i].unchanged) {
			harden_set_outcome(
				h, HARDEN_REFUSED, ERR_CHANGED_UNDER_US,
				"%s changed since harden wrote it; undo would lose that change "
				"(backup in %s)",
				entries[i].path, dir);
			goto out;
		}
	now = calloc(n ? n : 1, sizeof(*now));
	saved = calloc(n ? n : 1, sizeof(*saved));
	changes = calloc(n ? n : 1, sizeof(*changes));
	if (!now || !saved || !changes) {
		harden_set_outcome(h, HARDEN_FAILED, -ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		dynbuf_init(&now[i], SSHD_CONFIG_FILE_MAX);
		dynbuf_init(&saved[i], SSHD_CONFIG_FILE_MAX);
	}
	for (size_t i = 0; r == 0 && i < n; i++) {
		bool exists = true;
		r = server_admin_read(h->admin, entries[i].path, &now[i], &d);
		if (r == -ENOENT)
			exists = false, r = 0;
		if (r == 0 && entries[i].existed)
			r = server_admin_backup_content(h->admin, dir, i, &saved[i], &d);
		changes[i] = (struct file_change){entries[i].path, exists ? &now[i] : NULL,
						  entries[i].existed ? &saved[i] : NULL};
		if (!exists && !entries[i].existed)
			changes[i].content = NULL; /* nothing there: removing it is a no-op */
	}
	if (r < 0) {
		harden_set_outcome(h, HARDEN_FAILED, r, "%s", d.text);
		goto out;
	}
	if (h->req->dry_run) {
		for (size_t i = 0; i < n; i++) {
			const struct file_change *c = &changes[i];
			dynbuf_printf(&h->res->plan, "%s %s (from %s)\n",
				      c->content ? "restore" : "remove", c->path, dir);
			line_diff_unified(c->expected ? (const char *)c->expected->data : "",
					  c->expected ? c->expected->len : 0,
					  c->content ? (const char *)c->content->data : "",
					  c->content ? c->content->len : 0, c->path,
					  c->content ? c->path : "/dev/null", &h->res->diff);
		}
		harden_set_outcome(h, HARDEN_WOULD, 0, NULL);
		goto out;
	}
	harden_transaction(h, "undo", changes, n, NULL, HARDEN_UNDONE);
	if (h->res->outcome == HARDEN_UNDONE &&
	    (r = server_admin_mark_undone(h->admin, dir, &d)) < 0)
		dynbuf_printf(&h->res->warnings,
			      "restored, but the backup is not marked undone: %s\n", d.text);
	if (h->res->outcome == HARDEN_UNDONE)
		dynbuf_printf(&h->res->plan, "restored the backup %s\n", dir);
out:
	for (size_t i = 0; now && saved && i < n; i++) {
		dynbuf_free(&now[i]);
		dynbuf_free(&saved[i]);
	}
	free(now);
	free(saved);
	free(changes);
	free(dir);
	server_admin_backup_entries_free(entries, n);
}

void harden_host(const struct target *t, const struct harden_request *req,
		 struct harden_result *res)
{
	struct harden h = {.t = t, .req = req, .res = res};
	h.deadline = remote_host_deadline(req->connect);
	if (log_in(&h) < 0)
		goto out;
	snprintf(h.login_user, sizeof(h.login_user), "%s", remote_user(h.s));
	if (add_account(&h, h.login_user) < 0)
		goto oom;
	for (size_t i = 0; i < req->n_users; i++)
		if (add_account(&h, req->users[i]) < 0)
			goto oom;
	if (req->undo)
		harden_undo(&h);
	else if (req->mfa)
		mfa_host_work(&h);
	else if (req->krl)
		install_krl(&h);
	else
		harden_change(&h);
	goto out;
oom:
	harden_set_outcome(&h, HARDEN_FAILED, -ENOMEM, "out of memory");
out:
	for (size_t i = 0; i < h.n_accounts; i++)
		dynbuf_free(&h.accounts[i].effective);
	free(h.accounts);
	server_admin_close(h.admin);
	remote_session_free(h.s);
	pubkey_free(h.used);
}
