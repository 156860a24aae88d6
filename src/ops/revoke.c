#include "ops/revoke.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/error.h"
#include "files/authorized_keys.h"
#include "files/authorized_keys_edit.h"
#include "keys/fingerprint.h"
#include "ops/account_keys.h"
#include "ops/harden.h"
#include "ops/keys_edit.h"
#include "ops/login.h"
#include "ops/scan.h"
#include "remote/root_runner.h"
#include "remote/scan_remote.h"
#include "remote/openssh_client.h"
#include "remote/server_kind.h"
#include "remote/sftp_client.h"

void revoke_result_init(struct revoke_result *res)
{
	memset(res, 0, sizeof(*res));
	res->outcome = REVOKE_FAILED;
	dynbuf_init(&res->changes, 1024 * 1024);
	dynbuf_init(&res->diff, 64 * 1024 * 1024);
	dynbuf_init(&res->proof, 1024 * 1024);
}

void revoke_result_clear(struct revoke_result *res)
{
	for (size_t i = 0; i < res->n_removed; i++)
		pubkey_free(res->removed[i]);
	free(res->removed);
	dynbuf_free(&res->changes);
	dynbuf_free(&res->diff);
	dynbuf_free(&res->proof);
	memset(res, 0, sizeof(*res));
}

/* The keys found in one of an account's files, to remove from it. */
struct file_match {
	size_t account; /* index into the answer's accounts */
	const struct scan_file *file;
	struct pubkey **keys; /* distinct blobs, owned */
	size_t n_keys;
	size_t lines;
};

struct matches {
	struct file_match *files;
	size_t n;
};

static void file_match_clear(struct file_match *fm)
{
	for (size_t k = 0; k < fm->n_keys; k++)
		pubkey_free(fm->keys[k]);
	free(fm->keys);
	fm->keys = NULL, fm->n_keys = 0, fm->lines = 0;
}

static void matches_free(struct matches *m)
{
	for (size_t i = 0; i < m->n; i++)
		file_match_clear(&m->files[i]);
	free(m->files);
	memset(m, 0, sizeof(*m));
}

static bool line_matches(const struct revoke_request *req, const struct authorized_keys_entry *e)
{
	for (size_t i = 0; i < req->n_revoke; i++)
		if (pubkey_same_key(e->key, req->revoke[i]))
			return true;
	char fp[80];
	if (req->n_fingerprints && fingerprint_sha256_text(e->key, fp, sizeof(fp)) == 0)
		for (size_t i = 0; i < req->n_fingerprints; i++)
			if (!strcmp(fp, req->fingerprints[i]))
				return true;
	if (req->comment_glob && e->comment.len) {
		char *comment = strndup(e->raw + e->comment.off, e->comment.len);
		bool hit = comment && fnmatch(req->comment_glob, comment, 0) == 0;
		free(comment);
		return hit;
	}
	return false;
}

/* The lines of an authorized_keys text holding a key to revoke: counted, their distinct
 * keys into fm (cleared first). */
static int match_lines(const struct revoke_request *req, const char *text, size_t len,
		       struct file_match *fm)
{
	struct authorized_keys *ak = NULL;
	file_match_clear(fm);
	int r = authorized_keys_parse(len ? text : "", len, &ak);
	for (size_t e = 0; r == 0 && e < ak->n_entries; e++) {
		const struct authorized_keys_entry *en = &ak->entries[e];
		if (en->kind != KEY_LINE_KEY || !line_matches(req, en))
			continue;
		fm->lines++;
		r = pubkey_list_add_distinct(&fm->keys, &fm->n_keys, en->key);
	}
	authorized_keys_free(ak);
	return r;
}

/* The key this run logged in with stays, unless asked */
static int refuse_login_key(struct diag *d)
{
	diag_set(d, "refusing to remove the key this run logged in with from the login "
		    "account (--including-login-key removes it once another way in is "
		    "proven); nothing changed");
	return -EPERM;
}

/* every file of every account holding a matching key, with the keys to remove */
static int find_matches(const struct revoke_request *req, const struct scan_answer *a,
			struct matches *m, struct revoke_result *res)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < a->n_accounts; i++) {
		const struct scan_account *acc = &a->accounts[i];
		if (req->for_user && strcmp(acc->name, req->for_user) != 0)
			continue;
		for (size_t j = 0; r == 0 && j < acc->n_files; j++) {
			const struct scan_file *f = &acc->files[j];
			if (f->state == SCAN_FILE_UNREADABLE || f->state == SCAN_FILE_TOO_LARGE) {
				r = dynbuf_printf(&res->changes,
						  "not read: %s (%s): the key may be there; the "
						  "proof will tell\n",
						  f->path, acc->name);
				continue;
			}
			/* a command's output is not a file to edit */
			if (f->state != SCAN_FILE_READ || f->from_command)
				continue;
			struct file_match fm = {.account = i, .file = f};
			r = match_lines(req, f->content, f->content_len, &fm);
			struct file_match *slot =
				r == 0 && fm.n_keys
					? array_append(&m->files, &m->n, sizeof(*slot), SIZE_MAX)
					: NULL;
			if (slot) {
				*slot = fm;
				fm.keys = NULL, fm.n_keys = 0;
			} else if (r == 0 && fm.n_keys) {
				r = -ENOMEM;
			}
			file_match_clear(&fm);
		}
	}
	return r;
}

static int remove_edit(const struct keys_edit_request *req, const struct authorized_keys_state *st,
		       struct dynbuf *out, bool *ret_changed, struct diag *d)
{
	const struct file_match *fm = req->arg;
	size_t lines = 0;
	(void)d;
	int r = authorized_keys_remove(st->content.len ? (const char *)st->content.data : "",
				       st->content.len, (const struct pubkey *const *)fm->keys,
				       fm->n_keys, out, NULL, &lines);
	*ret_changed = r == 0 && lines > 0;
	return r;
}

/* The login key is among those to remove from the login account: another way in first. */
static int other_way_in(const struct target *t, const struct revoke_request *req,
			const struct timespec *deadline, const struct pubkey *used, struct diag *d)
{
	for (size_t i = 0; i < req->n_keys; i++) {
		const struct local_key *k = &req->keys[i];
		bool revoked = pubkey_same_key(k->pub, used);
		for (size_t j = 0; j < req->n_revoke; j++)
			revoked = revoked || pubkey_same_key(k->pub, req->revoke[j]);
		if (revoked || (!k->priv && !k->in_agent))
			continue;
		struct diag ignored = {{0}};
		if (login_prove(t, NULL, req->connect, deadline, k->pub, k->priv, NULL, &ignored) ==
		    0)
			return 0;
	}
	if (req->password) {
		struct remote_session *s = NULL;
		struct diag ignored = {{0}};
		int r = login_for_work_keys(t, req->connect, NULL, 0, req->password, &s, NULL,
					    &ignored);
		remote_session_free(s);
		if (r == 0)
			return 0;
	}
	diag_set(d, "no other way in was proven (another key of -i that logs in, or the "
		    "password): the login key stays");
	return -EPERM;
}

/* after the removal: does each account's sshd still take the keys? */
static void prove(const struct target *t, const struct revoke_request *req,
		  const struct timespec *deadline, const struct scan_answer *a,
		  const struct matches *m, bool tinysshd, struct revoke_result *res)
{
	bool all_refused = true;
	for (size_t i = 0; i < a->n_accounts; i++) {
		const struct scan_account *acc = &a->accounts[i];
		struct pubkey **keys = NULL;
		size_t n = 0;
		for (size_t f = 0; f < m->n; f++)
			for (size_t k = 0; m->files[f].account == i && k < m->files[f].n_keys; k++)
				if (pubkey_list_add_distinct(&keys, &n, m->files[f].keys[k]) < 0)
					all_refused = false;
		if (!n) {
			free(keys);
			continue;
		}
		res->n_accounts++;
		bool refused = false;
		if (login_prove_refused(t, a->all_accounts ? acc->name : NULL, acc->name,
					req->connect, deadline, (const struct pubkey *const *)keys,
					n, tinysshd, &res->proof, &refused) < 0)
			refused = false;
		all_refused = all_refused && refused;
		for (size_t k = 0; k < n; k++)
			pubkey_free(keys[k]);
		free(keys);
	}
	res->outcome = all_refused ? REVOKE_PROVEN : REVOKE_UNPROVEN;
	if (!all_refused)
		diag_set(&res->diag, "removed, but not proven: %s",
			 tinysshd ? "tinysshd answers every key query with yes"
				  : "see the proof lines");
}

/* --install-krl on this host, after the removal: harden's transaction (backup, write,
 * sshd -t, dead-man, reload, proof from a new connection, rollback on failure) */
static void install_krl(const struct target *t, const struct revoke_request *req,
			struct revoke_result *res)
{
	struct harden_result hr;
	struct harden_request hreq = {.keys = req->keys,
				      .n_keys = req->n_keys,
				      .connect = req->connect,
				      .root_login = HARDEN_ROOT_KEEP,
				      .dry_run = req->dry_run,
				      .confirm_timeout = req->confirm_timeout
								 ? req->confirm_timeout
								 : HARDEN_DEFAULT_CONFIRM_TIMEOUT,
				      .password = req->password,
				      .krl = req->install_krl,
				      .krl_path = HARDEN_KRL_PATH};
	harden_result_init(&hr);
	harden_host(t, &hreq, &hr);
	switch (hr.outcome) {
	case HARDEN_DONE:
		dynbuf_printf(&res->changes,
			      "KRL installed: %s, named by RevokedKeys (backup %s)\n",
			      HARDEN_KRL_PATH, hr.backup_dir);
		dynbuf_printf(&res->proof,
			      "KRL: sshd -T names it; key login works from a new connection\n");
		break;
	case HARDEN_ALREADY:
		dynbuf_printf(&res->changes, "KRL already in place: %s\n", HARDEN_KRL_PATH);
		break;
	case HARDEN_WOULD:
		if (hr.plan.len)
			dynbuf_append(&res->changes, hr.plan.data, hr.plan.len);
		if (hr.diff.len)
			dynbuf_append(&res->diff, hr.diff.data, hr.diff.len);
		break;
	default:
		res->outcome = REVOKE_FAILED;
		res->error = hr.error ? hr.error : ERR_REMOTE;
		diag_set(&res->diag, "%s; installing the KRL failed: %s",
			 res->n_lines ? "the key was removed" : "nothing to remove", hr.diag.text);
		break;
	}
	harden_result_clear(&hr);
}

/* The login account's own files when it is not root and only its first AuthorizedKeysFile
 * entry exists (the usual case): one helper reads, matches and writes (no inventory run
 * first). -EAGAIN: another entry exists, or root logged in: the inventory's way instead. */
struct own_edit {
	const struct revoke_request *req;
	const struct target *t;
	const struct timespec *deadline;
	const struct pubkey *used;
	struct file_match fm;
	char account[64];
	char path[4096];
};

static int own_edit(const struct keys_edit_request *er, const struct authorized_keys_state *st,
		    struct dynbuf *out, bool *ret_changed, struct diag *d)
{
	struct own_edit *oe = er->arg;
	/* root's own view is every account's (the inventory's way), unless one is named */
	if ((st->login_uid == 0 && !oe->req->for_user) || (st->others_existing & ~1UL) ||
	    st->is_link || st->unreadable)
		return -EAGAIN;
	snprintf(oe->account, sizeof(oe->account), "%s", st->account);
	snprintf(oe->path, sizeof(oe->path), "%s", st->path);
	int r = match_lines(oe->req, (const char *)st->content.data, st->content.len, &oe->fm);
	bool login_key = false;
	for (size_t k = 0; r == 0 && oe->used && k < oe->fm.n_keys; k++)
		login_key = login_key || pubkey_same_key(oe->fm.keys[k], oe->used);
	if (r == 0 && login_key && !oe->req->including_login_key)
		r = refuse_login_key(d);
	if (r == 0 && login_key && !oe->req->dry_run)
		r = other_way_in(oe->t, oe->req, oe->deadline, oe->used, d);
	if (r == 0)
		r = remove_edit(&(struct keys_edit_request){.arg = &oe->fm}, st, out, ret_changed,
				d);
	return r;
}

/* Will the login be root's (the target's user, -l, or ssh's configuration)? */
static bool logs_in_as_root(const struct target *t, const struct connect_options *c)
{
	const struct openssh_client_config *cfg = NULL;
	const char *user = t->user ? t->user : c->login_user;
	unsigned port = t->port ? t->port : c->port;
	if (openssh_client_config_get(t->host, port, user, c->config_file, c->ssh_options,
				      c->n_ssh_options, &cfg, NULL, 0) == 0 &&
	    cfg->user[0])
		return !strcmp(cfg->user, "root");
	return user && !strcmp(user, "root");
}

static int revoke_own(const struct target *t, const struct revoke_request *req,
		      struct revoke_result *res)
{
	struct remote_session *s = NULL;
	struct pubkey *used = NULL;
	struct timespec deadline = remote_host_deadline(req->connect);
	struct own_edit oe = {.req = req, .t = t, .deadline = &deadline};
	struct account_ref acct = {0};
	struct authorized_keys_state st = {0};
	struct remote_sftp *sftp = NULL;
	struct keys_edit_outcome done = {0};
	int r = 0;
	if (!req->for_user && logs_in_as_root(t, req->connect)) {
		r = -EAGAIN;
		goto out;
	}
	if ((r = login_for_work_keys(t, req->connect, req->keys, req->n_keys, req->password, &s,
				     &used, &res->diag)) < 0) {
		if (r == ERR_CONNECT || r == ERR_TIMEOUT)
			res->outcome = REVOKE_UNREACHABLE;
		goto out;
	}
	/* --for-user: that account's files, as root (or through sudo); the key this run
	 * logs in with is another account's then, unless it is that very account */
	if (req->for_user &&
	    (r = account_ref_open(s, req->for_user, req->password, &acct, &res->diag)) < 0)
		goto out;
	oe.used = req->for_user && strcmp(req->for_user, remote_user(s)) ? NULL : used;
	struct keys_edit_request er = {.s = s,
				       .acct = &acct,
				       .modes = KEYS_EDIT_MODES_IGNORE,
				       .dry_run = req->dry_run,
				       .edit = own_edit,
				       .arg = &oe};
	if ((r = keys_edit_run(&er, &sftp, &st, NULL, &res->diff, &done, &res->diag)) < 0)
		goto out;
	if (oe.fm.n_keys == 0) {
		res->outcome = REVOKE_NOT_FOUND;
		goto out;
	}
	res->n_files = 1;
	res->n_lines = (unsigned)oe.fm.lines;
	dynbuf_printf(&res->changes, "%s %zu line%s from %s (%s)\n",
		      req->dry_run ? "would remove" : "removed", oe.fm.lines,
		      oe.fm.lines == 1 ? "" : "s", oe.path, oe.account);
	if (req->dry_run) {
		res->outcome = REVOKE_WOULD;
		goto out;
	}
	for (size_t k = 0; r == 0 && k < oe.fm.n_keys; k++)
		r = pubkey_list_add_distinct(&res->removed, &res->n_removed, oe.fm.keys[k]);
	if (r < 0)
		goto out;
	struct server_kind kind;
	server_kind_of(s, &kind);
	authorized_keys_state_clear(&st);
	remote_session_free(s);
	s = NULL;
	/* the proof: as prove() makes it, for the one account */
	struct scan_account acc = {.name = oe.account};
	struct scan_answer a = {.accounts = &acc, .n_accounts = 1};
	struct file_match fm = oe.fm;
	fm.account = 0;
	struct matches m = {&fm, 1};
	prove(t, req, &deadline, &a, &m, kind.software == SERVER_TINYSSH, res);
out:
	file_match_clear(&oe.fm);
	authorized_keys_state_clear(&st);
	remote_sftp_free(sftp);
	account_ref_clear(&acct);
	remote_session_free(s);
	pubkey_free(used);
	return r;
}

void revoke_host(const struct target *t, const struct revoke_request *req,
		 struct revoke_result *res)
{
	/* the login account's own files, the usual way first */
	if (!req->all_accounts) {
		int own = revoke_own(t, req, res);
		if (own != -EAGAIN) {
			if (own == 0 && req->install_krl)
				install_krl(t, req, res);
			else if (own < 0) {
				res->outcome = res->outcome == REVOKE_UNREACHABLE
						       ? REVOKE_UNREACHABLE
						       : REVOKE_FAILED;
				res->error = own;
				if (!res->diag.text[0])
					diag_set(&res->diag, "%s", error_to_string(own));
			}
			return;
		}
		/* start again the inventory's way: what the first try found does not stay */
		res->diag.text[0] = 0;
		dynbuf_reset(&res->diff);
		res->outcome = REVOKE_FAILED;
	}
	struct scan_session ss;
	struct matches m = {0};
	struct timespec deadline = remote_host_deadline(req->connect);
	const struct scan_request sr = {.keys = req->keys,
					.n_keys = req->n_keys,
					.connect = req->connect,
					.password = req->password,
					.all_accounts = req->all_accounts || req->for_user};
	res->outcome = REVOKE_FAILED;
	int r = scan_session_open(t, &sr, &ss, &res->diag);
	if (r < 0) {
		if (ss.unreachable)
			res->outcome = REVOKE_UNREACHABLE;
		goto out;
	}
	const struct scan_answer *a = &ss.answer;
	if ((r = find_matches(req, a, &m, res)) < 0)
		goto out;
	if (m.n == 0) {
		res->outcome = REVOKE_NOT_FOUND;
		goto out;
	}
	/* the key this run logged in with, in the login account's files */
	bool login_key = false;
	for (size_t f = 0; ss.used && f < m.n; f++)
		for (size_t k = 0; k < m.files[f].n_keys; k++)
			login_key =
				login_key || (a->accounts[m.files[f].account].uid == ss.login_uid &&
					      pubkey_same_key(m.files[f].keys[k], ss.used));
	if (login_key && !req->including_login_key) {
		r = refuse_login_key(&res->diag);
		goto out;
	}
	/* a file that is a symbolic link is never replaced (the link would become a file):
	 * said before anything changes */
	for (size_t f = 0; f < m.n; f++)
		if (m.files[f].file->link) {
			diag_set(&res->diag,
				 "%s (%s) is a symbolic link (to %s); refusing to replace it; "
				 "nothing changed",
				 m.files[f].file->path, a->accounts[m.files[f].account].name,
				 m.files[f].file->link);
			r = -ELOOP;
			goto out;
		}
	if (login_key && !req->dry_run &&
	    (r = other_way_in(t, req, &deadline, ss.used, &res->diag)) < 0)
		goto out;
	struct server_kind kind;
	server_kind_of(ss.s, &kind);
	for (size_t f = 0; f < m.n; f++) {
		struct file_match *fm = &m.files[f];
		const struct scan_account *acc = &a->accounts[fm->account];
		/* tinysshd runs one command per connection */
		if (kind.software == SERVER_TINYSSH &&
		    (r = scan_session_reconnect(t, &sr, &ss, &res->diag)) < 0)
			goto out;
		/* as the account's helper runs it: as root for the account in root's view */
		struct account_ref acct = {0};
		if (a->all_accounts) {
			acct.for_user = acc->name;
			acct.root = ss.root;
			acct.through_root = true;
		}
		struct authorized_keys_state st = {0};
		struct remote_sftp *sftp = NULL;
		struct keys_edit_outcome done = {0};
		struct keys_edit_request er = {.s = ss.s,
					       .acct = &acct,
					       .entry = fm->file->entry,
					       .modes = KEYS_EDIT_MODES_IGNORE,
					       .dry_run = req->dry_run,
					       .edit = remove_edit,
					       .arg = fm};
		struct dynbuf log;
		dynbuf_init(&log, 64 * 1024);
		r = keys_edit_run(&er, &sftp, &st, &log, &res->diff, &done, &res->diag);
		if (r == 0 && done.changed) {
			res->n_files++;
			res->n_lines += (unsigned)fm->lines;
			dynbuf_printf(&res->changes, "%s %zu line%s from %s (%s)\n",
				      req->dry_run ? "would remove" : "removed", fm->lines,
				      fm->lines == 1 ? "" : "s", fm->file->path, acc->name);
		}
		dynbuf_free(&log);
		authorized_keys_state_clear(&st);
		remote_sftp_free(sftp);
		if (r < 0) {
			char prefix[4200];
			snprintf(prefix, sizeof(prefix), "%s (%s): ", fm->file->path, acc->name);
			struct diag why = res->diag;
			diag_set(&res->diag, "%s%s", prefix, why.text);
			goto out;
		}
	}
	if (req->dry_run) {
		res->outcome = REVOKE_WOULD;
		goto out;
	}
	for (size_t f = 0; r == 0 && f < m.n; f++)
		for (size_t k = 0; r == 0 && k < m.files[f].n_keys; k++)
			r = pubkey_list_add_distinct(&res->removed, &res->n_removed,
						     m.files[f].keys[k]);
	if (r < 0)
		goto out;
	remote_session_free(ss.s);
	ss.s = NULL;
	prove(t, req, &deadline, a, &m, kind.software == SERVER_TINYSSH, res);
out:
	/* the KRL too, once the files are done (a key removed or never there) */
	if (r == 0 && req->install_krl) {
		scan_session_close(&ss);
		install_krl(t, req, res);
	}
	if (r < 0) {
		res->outcome =
			res->outcome == REVOKE_UNREACHABLE ? REVOKE_UNREACHABLE : REVOKE_FAILED;
		res->error = r;
		if (!res->diag.text[0])
			diag_set(&res->diag, "%s", error_to_string(r));
	}
	matches_free(&m);
	scan_session_close(&ss);
}
