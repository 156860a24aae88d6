#include "ops/rotate.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "files/authorized_keys_edit.h"
#include "keys/fingerprint.h"
#include "ops/account_keys.h"
#include "ops/keys_edit.h"
#include "ops/login.h"
#include "ops/scan.h"
#include "remote/authorized_keys_remote.h"
#include "remote/server_kind.h"
#include "remote/sftp_client.h"

void rotate_result_init(struct rotate_result *res)
{
	memset(res, 0, sizeof(*res));
	res->outcome = ROTATE_FAILED; /* until the host's work says otherwise (never started) */
	dynbuf_init(&res->changes, 1024 * 1024);
	dynbuf_init(&res->diff, 64 * 1024 * 1024);
	dynbuf_init(&res->proof, 64 * 1024);
}

void rotate_result_clear(struct rotate_result *res)
{
	dynbuf_free(&res->changes);
	dynbuf_free(&res->diff);
	dynbuf_free(&res->proof);
	memset(res, 0, sizeof(*res));
}

/* One pass of the edit transaction over one file of the account. */
struct rotate_edit {
	const struct rotate_request *req;
	enum { EDIT_INSTALL, EDIT_REMOVE_OLD, EDIT_REMOVE_NEW } what;
	bool append_allowed; /* install: append when the old key is not in this file */
	/* what the last read of the file held */
	bool old_present, new_present;
	size_t lines; /* added or removed */
	unsigned long others_existing;
	unsigned long login_uid;
	char account[64];
	char path[4096];
};

static int rotate_edit(const struct keys_edit_request *er, const struct authorized_keys_state *st,
		       struct dynbuf *out, bool *ret_changed, struct diag *d)
{
	struct rotate_edit *re = er->arg;
	const struct rotate_request *req = re->req;
	const char *text = st->content.len ? (const char *)st->content.data : "";
	size_t len = st->content.len;
	struct authorized_key_to_add find[2] = {{.key = req->old->pub}, {.key = req->new_key->pub}};
	(void)d;
	re->others_existing = st->others_existing;
	re->login_uid = st->login_uid;
	re->lines = 0;
	snprintf(re->account, sizeof(re->account), "%s", st->account);
	snprintf(re->path, sizeof(re->path), "%s", st->path);
	int r = authorized_keys_find(text, len, find, 2);
	if (r < 0)
		return r;
	re->old_present = find[0].present;
	re->new_present = find[1].present;
	switch (re->what) {
	case EDIT_INSTALL:
		if (re->new_present)
			break;
		if (re->old_present) {
			r = authorized_keys_add_beside(text, len, req->old->pub, req->new_key->pub,
						       req->new_comment, out, &re->lines);
			*ret_changed = r == 0 && re->lines > 0;
			return r;
		}
		if (re->append_allowed) {
			struct authorized_key_to_add add = {
				.key = req->new_key->pub,
				.comment = req->new_comment ? req->new_comment
							    : req->new_key->comment};
			r = authorized_keys_add(text, len, &add, 1, out, ret_changed);
			re->lines = *ret_changed;
			return r;
		}
		break;
	case EDIT_REMOVE_OLD:
	case EDIT_REMOVE_NEW: {
		const struct pubkey *gone =
			re->what == EDIT_REMOVE_OLD ? req->old->pub : req->new_key->pub;
		r = authorized_keys_remove(text, len, &gone, 1, out, NULL, &re->lines);
		*ret_changed = r == 0 && re->lines > 0;
		return r;
	}
	}
	/* unchanged: the same bytes (a mode fix writes them back) */
	*ret_changed = false;
	return dynbuf_append(out, text, len);
}

/* The edit on entry number entry of the account's AuthorizedKeysFile list. */
static int edit_entry(struct remote_session *s, const struct rotate_request *req,
		      struct rotate_edit *re, unsigned entry, struct rotate_result *res,
		      struct diag *d)
{
	struct account_ref acct = {0};
	struct authorized_keys_state st = {0};
	struct remote_sftp *sftp = NULL;
	struct keys_edit_outcome done = {0};
	struct keys_edit_request er = {
		.s = s,
		.acct = &acct,
		.entry = entry,
		/* a new line in a file sshd already reads; a path sshd would refuse is fixed
		 * as copy fixes it */
		.modes = re->what == EDIT_INSTALL ? KEYS_EDIT_MODES_FIX : KEYS_EDIT_MODES_IGNORE,
		.dry_run = req->dry_run,
		.edit = rotate_edit,
		.arg = re,
	};
	/* the transaction's own lines, but its "write PATH" (said better below) */
	struct dynbuf log;
	dynbuf_init(&log, 64 * 1024);
	int r = keys_edit_run(&er, &sftp, &st, &log, &res->diff, &done, d);
	for (size_t at = 0; at < log.len;) {
		const char *line = (const char *)log.data + at;
		const char *nl = memchr(line, '\n', log.len - at);
		size_t len = nl ? (size_t)(nl - line) + 1 : log.len - at;
		if (r == 0 && !(len > 6 && !memcmp(line, "write ", 6)))
			r = dynbuf_append(&res->changes, line, len);
		at += len;
	}
	dynbuf_free(&log);
	if (r == 0 && done.changed && !req->dry_run)
		r = dynbuf_printf(&res->changes, "%s %zu line%s %s %s\n",
				  re->what == EDIT_INSTALL ? "added" : "removed", re->lines,
				  re->lines == 1 ? "" : "s",
				  re->what == EDIT_INSTALL ? "of the new key to"
				  : re->what == EDIT_REMOVE_OLD
					  ? "of the old key from"
					  : "of the new key (rolled back) from",
				  re->path);
	if (r == 0 && done.changed && req->dry_run && re->what == EDIT_INSTALL)
		r = dynbuf_printf(&res->changes, "would add %zu line%s of the new key to %s\n",
				  re->lines, re->lines == 1 ? "" : "s", re->path);
	if (r == 0 && !done.changed)
		re->lines = 0;
	authorized_keys_state_clear(&st);
	remote_sftp_free(sftp);
	return r;
}

/* Step 2: beside the old key wherever it is; else appended to the first file. */
static int install(struct remote_session *s, const struct rotate_request *req,
		   struct rotate_edit *re, unsigned *ret_entry, struct rotate_result *res,
		   struct diag *d)
{
	*re = (struct rotate_edit){.req = req, .what = EDIT_INSTALL};
	int r = edit_entry(s, req, re, 0, res, d);
	unsigned long others = re->others_existing;
	*ret_entry = 0;
	for (unsigned e = 1; r == 0 && e < 64 && !re->old_present && !re->new_present; e++) {
		if (!(others & (1UL << e)))
			continue;
		*ret_entry = e;
		r = edit_entry(s, req, re, e, res, d);
	}
	if (r == 0 && !re->old_present && !re->new_present) {
		/* the old key is in no file (gone already, or the login was the password) */
		*re = (struct rotate_edit){
			.req = req, .what = EDIT_INSTALL, .append_allowed = true};
		*ret_entry = 0;
		r = edit_entry(s, req, re, 0, res, d);
	}
	res->lines_added = (unsigned)re->lines;
	re->others_existing = others;
	return r;
}

/* Step 4: the old key out of every file that holds it. */
static int remove_old(struct remote_session *s, const struct rotate_request *req,
		      struct rotate_result *res, char *account, size_t account_len, struct diag *d)
{
	struct rotate_edit re = {.req = req, .what = EDIT_REMOVE_OLD};
	int r = edit_entry(s, req, &re, 0, res, d);
	unsigned long others = re.others_existing;
	size_t removed = re.lines;
	snprintf(account, account_len, "%s", re.account);
	for (unsigned e = 1; r == 0 && e < 64; e++)
		if (others & (1UL << e)) {
			struct rotate_edit more = {.req = req, .what = EDIT_REMOVE_OLD};
			r = edit_entry(s, req, &more, e, res, d);
			removed += more.lines;
		}
	res->lines_removed = (unsigned)removed;
	return r;
}

/* Step 3: a new connection that logs in with the new key alone (an ssh-agent key that
 * logs in instead proves nothing). The session, kept for step 4, into *ret. */
static int prove_new_key(const struct target *t, const struct rotate_request *req,
			 struct remote_session **ret, struct diag *d)
{
	struct pubkey *used = NULL;
	struct remote_session *s = NULL;
	int r = login_for_work_keys(t, req->connect, req->new_key, 1, NULL, &s, &used, d);
	if (r == 0 && (!used || !pubkey_same_key(used, req->new_key->pub))) {
		diag_set(d, "the server refused the new key (another key of ssh-agent logged in)");
		r = ERR_AUTH_DENIED;
	}
	pubkey_free(used);
	if (r < 0) {
		remote_session_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

/* The tests' injected faults (rotate.h). */
static void fault_at(const struct rotate_request *req, const char *step)
{
	if (!req->fault)
		return;
	size_t n = strlen(step);
	if (!strncmp(req->fault, "kill-", 5) && !strcmp(req->fault + 5, step))
		raise(SIGKILL);
	if (!strncmp(req->fault, "wait-", 5) && !strncmp(req->fault + 5, step, n) &&
	    req->fault[5 + n] == ':')
		for (int i = 0; i < 1200 && access(req->fault + 6 + n, F_OK) < 0; i++)
			usleep(50 * 1000);
}

/* account is a target of this run on t's host and port (rotated there by its own login) */
static bool rotated_too(const struct rotate_request *req, const struct target *t,
			const char *account)
{
	for (size_t i = 0; req->targets && i < req->targets->n; i++) {
		const struct target *u = &req->targets->items[i];
		if (u->user && !strcmp(u->user, account) && !strcmp(u->host, t->host) &&
		    u->port == t->port)
			return true;
	}
	return false;
}

/* Logged in as root: the other accounts of the host whose files hold the old key (root's
 * inventory, read-only), named in the result; the rotation did not touch them. */
static void old_key_elsewhere(const struct target *t, const struct rotate_request *req,
			      struct rotate_result *res)
{
	struct scan_session ss;
	struct diag d = {{0}};
	const struct scan_request sr = {
		.keys = (struct local_key *)req->new_key, .n_keys = 1, .connect = req->connect};
	struct dynbuf names;
	dynbuf_init(&names, 64 * 1024);
	int r = scan_session_open(t, &sr, &ss, &d);
	for (size_t i = 0; r == 0 && ss.answer.all_accounts && i < ss.answer.n_accounts; i++) {
		const struct scan_account *acc = &ss.answer.accounts[i];
		bool holds = false;
		for (size_t f = 0; acc->uid != ss.login_uid && f < acc->n_files; f++) {
			struct authorized_key_to_add old = {.key = req->old->pub};
			const struct scan_file *file = &acc->files[f];
			holds = holds ||
				(file->state == SCAN_FILE_READ && !file->from_command &&
				 authorized_keys_find(file->content_len ? file->content : "",
						      file->content_len, &old, 1) == 0 &&
				 old.present);
		}
		if (holds && !rotated_too(req, t, acc->name))
			r = dynbuf_printf(&names, "%s%s", names.len ? ", " : "", acc->name);
	}
	scan_session_close(&ss);
	if (r == 0 && names.len) {
		res->outcome = ROTATE_OLD_ELSEWHERE;
		diag_set(&res->diag,
			 "rotated for root, but the old key also logs in here as %.*s (their files "
			 "were not changed: give each as a target, ACCOUNT@%s, to rotate it there)",
			 (int)names.len, (const char *)names.data, t->host);
	} else if (r < 0 && r != -ENOMEM) {
		dynbuf_printf(&res->changes,
			      "other accounts' files not checked for the old key: %s\n", d.text);
	}
	dynbuf_free(&names);
}

static void fingerprint_line(struct dynbuf *proof, const struct pubkey *key, const char *what)
{
	char fp[FINGERPRINT_SHA256_TEXT_MAX] = "";
	fingerprint_sha256_text(key, fp, sizeof(fp));
	dynbuf_printf(proof, "%s %s\n", fp, what);
}

void rotate_host(const struct target *t, const struct rotate_request *req,
		 struct rotate_result *res)
{
	struct remote_session *s = NULL, *proven = NULL;
	struct pubkey *used = NULL;
	struct timespec deadline = remote_host_deadline(req->connect);
	struct rotate_edit re;
	unsigned entry = 0;
	char account[64] = "";
	struct diag why = {{0}};
	const struct local_key both[2] = {*req->old, *req->new_key};
	res->outcome = ROTATE_FAILED;
	/* 1. the old key, else the new one (a rerun), else the password */
	int r = login_for_work_keys(t, req->connect, both, 2, req->password, &s, &used, &res->diag);
	if (r < 0) {
		if (r == ERR_CONNECT || r == ERR_TIMEOUT)
			res->outcome = ROTATE_UNREACHABLE;
		goto out;
	}
	struct server_kind kind;
	server_kind_of(s, &kind);
	/* 2. the new key beside the old */
	if ((r = install(s, req, &re, &entry, res, &res->diag)) < 0)
		goto out;
	fault_at(req, "after-install");
	if (req->dry_run) {
		if (!req->keep_old)
			dynbuf_printf(&res->changes,
				      "would then remove the old key once the new one logs in "
				      "from a new connection%s\n",
				      re.old_present ? "" : " (it is in no file now)");
		res->outcome = ROTATE_WOULD;
		goto out;
	}
	/* 3. the proof, with the first connection still open to take the line out again */
	if ((r = prove_new_key(t, req, &proven, &why)) < 0) {
		if (res->lines_added) {
			struct rotate_edit back = {.req = req, .what = EDIT_REMOVE_NEW};
			struct diag ignored = {{0}};
			if (edit_entry(s, req, &back, entry, res, &ignored) < 0)
				dynbuf_printf(&res->changes,
					      "could not take the new key out again: %s\n",
					      ignored.text);
		}
		diag_set(&res->diag,
			 "the new key does not log in from a new connection (%s); the old key "
			 "stays",
			 why.text);
		res->state = ROTATE_HOST_PENDING;
		res->state_known = true;
		goto out;
	}
	fault_at(req, "after-proof");
	fingerprint_line(&res->proof, req->new_key->pub, "logs in (new key, a new connection)");
	res->state = ROTATE_HOST_INSTALLED;
	res->state_known = true;
	remote_session_free(s);
	s = proven;
	proven = NULL;
	if (req->keep_old) {
		res->outcome = ROTATE_INSTALLED;
		goto out;
	}
	/* 4. the old key out, through the connection the new key made */
	if ((r = remove_old(s, req, res, account, sizeof(account), &res->diag)) < 0)
		goto out;
	remote_session_free(s);
	s = NULL;
	fault_at(req, "after-remove");
	/* 5. refused? */
	bool refused = false;
	const struct pubkey *old = req->old->pub;
	if ((r = login_prove_refused(t, NULL, account[0] ? account : "the account", req->connect,
				     &deadline, &old, 1, kind.software == SERVER_TINYSSH,
				     &res->proof, &refused)) < 0)
		goto out;
	res->outcome = refused ? ROTATE_DONE : ROTATE_UNPROVEN;
	res->state = refused ? ROTATE_HOST_DONE : ROTATE_HOST_UNPROVEN;
	if (!refused)
		diag_set(&res->diag, "the old key was removed, but not proven refused: %s",
			 kind.software == SERVER_TINYSSH
				 ? "tinysshd answers every key query with yes"
				 : "see the proof lines");
	else if (re.login_uid == 0)
		old_key_elsewhere(t, req, res);
out:
	if (r < 0) {
		res->outcome =
			res->outcome == ROTATE_UNREACHABLE ? ROTATE_UNREACHABLE : ROTATE_FAILED;
		res->error = r;
		if (!res->diag.text[0])
			diag_set(&res->diag, "%s", error_to_string(r));
	}
	if (res->outcome == ROTATE_FAILED && !res->error)
		res->error = ERR_AUTH_DENIED;
	remote_session_free(proven);
	remote_session_free(s);
	pubkey_free(used);
}
