#include "ops/perms.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/error.h"
#include "files/authorized_keys_edit.h"
#include "ops/account_keys.h"
#include "remote/sftp_client.h"

void perms_result_init(struct perms_result *res)
{
	memset(res, 0, sizeof(*res));
	dynbuf_init(&res->findings, 1024 * 1024);
	dynbuf_init(&res->changes, 1024 * 1024);
}

void perms_result_clear(struct perms_result *res)
{
	dynbuf_free(&res->findings);
	dynbuf_free(&res->changes);
	free(res->path);
	free(res->real_path);
	memset(res, 0, sizeof(*res));
}

/* Is node at or below the home directory (the account's own levels)? */
static bool own_level(const struct authorized_keys_state *st, const struct remote_node *node)
{
	const char *home = st->real_home ? st->real_home : st->home;
	size_t n = strlen(home);
	if (strcmp(home, "/") == 0)
		return false;
	return strncmp(node->path, home, n) == 0 && (node->path[n] == 0 || node->path[n] == '/');
}

int perms_describe(const struct authorized_keys_state *st, const struct strict_modes_finding *f,
		   bool as_root, struct dynbuf *out, bool *ret_fixable)
{
	const struct remote_node *node = f->node;
	const char *what = node->type == 'd' ? "directory" : "file";
	bool shared = (node->mode & 01000) != 0; /* sticky: /tmp and the like */
	int r = 0;
	*ret_fixable = !f->not_regular && !shared;
	if (f->not_regular)
		return dynbuf_printf(out,
				     "%s: not a regular file, so sshd reads no keys from it; fix: "
				     "make it a regular file\n",
				     node->path);
	if (f->bad_owner) {
		/* a third account's node: whoever owns it could have put it there on purpose,
		 * and root changing it by a path others control is how accounts get root
		 * (SECURITY.md); an administrator decides */
		bool own = own_level(st, node);
		char owner[64], account[64], to[40];
		remote_node_owner_text(node, owner, sizeof(owner));
		authorized_keys_account_text(st, account, sizeof(account));
		if (!own)
			snprintf(to, sizeof(to), "root");
		else if (st->account[0])
			snprintf(to, sizeof(to), "%s", st->account);
		else
			snprintf(to, sizeof(to), "%lu", (unsigned long)st->uid);
		r = dynbuf_printf(out,
				  "%s: %s owned by %s, neither the account (%s) nor root; "
				  "sshkeyctl changes no third account's files: find out why, then "
				  "(as root) chown %s %s\n",
				  node->path, what, owner, account, to, node->path);
		*ret_fixable = false;
	}
	if (r == 0 && (f->group_writable || f->other_writable)) {
		const char *who = f->group_writable && f->other_writable ? "group and others"
				  : f->group_writable                    ? "group"
									 : "others";
		const char *bits = f->group_writable && f->other_writable ? "go-w"
				   : f->group_writable                    ? "g-w"
									  : "o-w";
		if (shared)
			r = dynbuf_printf(out,
					  "%s: %s writable by %s (%04o), shared with other users; "
					  "fix: keep authorized_keys out of it (a regular file "
					  "under the home directory, not a link here)\n",
					  node->path, what, who, (unsigned)node->mode);
		else if (f->above_home)
			r = dynbuf_printf(
				out,
				"%s: %s writable by %s (%04o); sshd does not check above "
				"the home directory, but whoever can write here can replace "
				"%s; fix: chmod %s %s\n",
				node->path, what, who, (unsigned)node->mode, st->home, bits,
				node->path);
		else
			r = dynbuf_printf(out, "%s: %s writable by %s (%04o); fix: chmod %s %s\n",
					  node->path, what, who, (unsigned)node->mode, bits,
					  node->path);
	}
	return r;
}

static int note_link(const struct authorized_keys_state *st, struct perms_result *res)
{
	if (!st->is_link)
		return 0;
	free(res->real_path);
	res->real_path = strdup(st->real_path);
	return dynbuf_printf(&res->findings,
			     "%s: a symbolic link to %s; sshd checks %s and every directory "
			     "above it\n",
			     st->path, st->real_path, st->real_path);
}

/* Apply the fixes (or, dry run, list them). */
static int apply(struct remote_sftp *sftp, const struct authorized_keys_state *st,
		 const struct perms_request *req, const struct strict_modes_finding *f, size_t n,
		 struct perms_result *res)
{
	struct mode_fix *modes = calloc(n ? n : 1, sizeof(*modes));
	size_t n_modes = 0;
	int r = modes ? 0 : -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++) {
		const struct remote_node *node = f[i].node;
		if (f[i].not_regular || f[i].bad_owner || (node->mode & 01000))
			continue;
		if (f[i].fixed_mode != node->mode)
			modes[n_modes++] = (struct mode_fix){node->path, f[i].fixed_mode};
	}
	if (r == 0 && req->dry_run) {
		for (size_t i = 0; r == 0 && i < n_modes; i++)
			r = dynbuf_printf(&res->changes, "would chmod %o %s\n",
					  (unsigned)modes[i].mode, modes[i].path);
	} else if (r == 0 && sftp) {
		for (size_t i = 0; r == 0 && i < n_modes; i++)
			if ((r = remote_sftp_chmod(sftp, modes[i].path, modes[i].mode,
						   &res->diag)) == 0)
				r = dynbuf_printf(&res->changes, "chmod %o %s\n",
						  (unsigned)modes[i].mode, modes[i].path);
	} else if (r == 0) {
		r = authorized_keys_remote_fix(st, modes, n_modes, false, &res->changes,
					       &res->diag);
	}
	free(modes);
	return r;
}

/* Which of our keys the account's file lists (by key, as sshd matches them), added to
 * ret_listed. */
static int listed_keys(const struct authorized_keys_state *st, const struct perms_request *req,
		       bool *ret_listed)
{
	struct authorized_key_to_add *adds = calloc(req->n_keys ? req->n_keys : 1, sizeof(*adds));
	if (!adds)
		return -ENOMEM;
	for (size_t i = 0; i < req->n_keys; i++)
		adds[i].key = req->keys[i].pub;
	int r = authorized_keys_find((const char *)st->content.data, st->content.len, adds,
				     req->n_keys);
	for (size_t i = 0; r == 0 && i < req->n_keys; i++)
		ret_listed[i] = ret_listed[i] || adds[i].present;
	free(adds);
	return r;
}

/* After a fix: a key of ours that the account's file lists logs in as the account. */
static void prove(const struct target *t, const struct perms_request *req, const bool *listed,
		  const struct timespec *deadline, struct perms_result *res)
{
	res->outcome = PERMS_FIXED_UNVERIFIED;
	for (size_t i = 0; i < req->n_keys; i++) {
		if (!req->keys[i].priv || !listed[i])
			continue;
		struct diag d = {{0}};
		if (login_prove_key(t, req->for_user, req->connect, deadline, req->keys[i].priv,
				    &d) == 0) {
			res->outcome = PERMS_FIXED;
			return;
		}
		diag_set(&res->diag, "fixed, but %s still does not log in: %s", req->keys[i].path,
			 d.text);
		return;
	}
	diag_set(&res->diag, "fixed; not verified: no private key at hand that %s lists",
		 res->path ? res->path : "authorized_keys");
}

/* One file: its findings described (counted in res), and with fix or dry run, applied. */
static int check_file(struct remote_session *s, struct remote_sftp *sftp,
		      struct authorized_keys_state *st, const struct perms_request *req,
		      bool *listed, bool *any_fixable, struct perms_result *res)
{
	struct strict_modes_finding *f = NULL;
	size_t n = 0;
	int r = account_keys_strict_modes(s, st, true, &f, &n, &res->diag);
	if (r == 0)
		r = note_link(st, res);
	for (size_t i = 0; r == 0 && i < n; i++) {
		bool fixable;
		r = perms_describe(st, &f[i], st->login_uid == 0, &res->findings, &fixable);
		res->n_findings++;
		res->n_unfixable += !fixable;
		*any_fixable = *any_fixable || fixable;
	}
	if (r == 0 && n && (req->fix || req->dry_run))
		r = apply(sftp, st, req, f, n, res);
	if (r == 0)
		r = listed_keys(st, req, listed);
	free(f);
	return r;
}

/* The files perms names: those of sshd's AuthorizedKeysFile entries that exist. */
static int add_path(struct perms_result *res, const char *path)
{
	char *joined = NULL;
	if (asprintf(&joined, "%s%s%s", res->path ? res->path : "", res->path ? ", " : "", path) <
	    0)
		return -ENOMEM;
	free(res->path);
	res->path = joined;
	return 0;
}

void perms_host(const struct target *t, const struct perms_request *req, struct perms_result *res)
{
	struct remote_session *s = NULL;
	struct remote_sftp *sftp = NULL;
	struct authorized_keys_state st = {0}, *others = NULL;
	struct account_ref acct = {0};
	size_t n_others = 0;
	bool *accepted = calloc(req->n_keys ? req->n_keys : 1, sizeof(*accepted));
	bool *listed = calloc(req->n_keys ? req->n_keys : 1, sizeof(*listed));
	struct timespec deadline = remote_host_deadline(req->connect);
	struct login_request lr = {.target = t,
				   .connect = req->connect,
				   .deadline = &deadline,
				   .keys = req->keys,
				   .n_keys = req->n_keys,
				   .password = req->password};
	res->outcome = PERMS_FAILED;
	int r = accepted && listed ? 0 : -ENOMEM;
	/* --for-user: as root, directly or through sudo */
	if (r < 0 || (r = login_for_work(&lr, accepted, &s, &res->diag)) < 0 ||
	    (r = account_ref_open(s, req->for_user, req->password, &acct, &res->diag)) < 0 ||
	    (r = account_keys_read(s, &acct, req->sftp, &sftp, &st, &res->diag)) < 0 ||
	    (!sftp &&
	     (r = account_keys_read_others(s, &acct, &st, &others, &n_others, &res->diag)) < 0))
		goto out;
	/* every file sshd reads that exists, each checked as sshd checks it; the first one's
	 * directories even when it does not exist (copy creates it there) */
	bool any_fixable = false;
	size_t n_files = 0;
	for (size_t i = 0; r == 0 && i <= n_others; i++) {
		struct authorized_keys_state *file = i ? &others[i - 1] : &st;
		if (!file->exists && i)
			continue;
		n_files += file->exists;
		if (!file->exists || (r = add_path(res, file->path)) == 0)
			r = check_file(s, sftp, file, req, listed, &any_fixable, res);
	}
	if (r < 0)
		goto out;
	if (n_files == 0 && res->n_findings == 0) {
		/* nothing to check is not "OK": no key can log in through a file */
		res->outcome = PERMS_NO_FILE;
		diag_set(&res->diag,
			 "no authorized_keys file: sshd reads %s%s, which does not exist", st.path,
			 n_others ? " and the other AuthorizedKeysFile entries" : "");
		goto out;
	}
	if (res->n_findings == 0) {
		res->outcome = PERMS_OK;
		goto out;
	}
	if (!req->fix && !req->dry_run) {
		res->outcome = PERMS_FOUND;
		goto out;
	}
	if (req->dry_run) {
		res->outcome = PERMS_WOULD_FIX;
		goto out;
	}
	account_keys_others_free(others, n_others);
	others = NULL, n_others = 0;
	authorized_keys_state_clear(&st); /* its helper session first, then the connection */
	remote_sftp_free(sftp);
	sftp = NULL;
	remote_session_free(s);
	s = NULL;
	if (res->n_unfixable || !any_fixable) {
		res->outcome = PERMS_FOUND;
		diag_set(&res->diag, "%u problem%s need%s a change no automatic fix makes",
			 res->n_unfixable, res->n_unfixable == 1 ? "" : "s",
			 res->n_unfixable == 1 ? "s" : "");
		goto out;
	}
	prove(t, req, listed, &deadline, res);
out:
	if (r < 0) {
		res->outcome = PERMS_FAILED;
		res->error = r;
		if (!res->diag.text[0])
			diag_set(&res->diag, "%s", error_to_string(r));
	}
	account_keys_others_free(others, n_others);
	authorized_keys_state_clear(&st);
	account_ref_clear(&acct);
	remote_sftp_free(sftp);
	remote_session_free(s);
	free(accepted);
	free(listed);
}
