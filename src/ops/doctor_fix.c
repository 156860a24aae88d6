/* doctor --fix: the safe fixes only, with copy's discipline (compare-and-swap writes under
 * the lock, proof by a key login), each reported; what needs a decision (AllowUsers, an
 * expired account, from=, a host key) is left to the administrator. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/error.h"
#include "files/authorized_keys.h"
#include "files/authorized_keys_edit.h"
#include "ops/account_keys.h"
#include "ops/copy.h"
#include "ops/doctor_checks.h"
#include "ops/keys_edit.h"
#include "remote/sftp_client.h"
#include "remote/authorized_keys_remote.h"

static int fix_private_key(const struct doctor_request *req, struct doctor_result *res)
{
	struct stat st;
	if (!req->private_path || stat(req->private_path, &st) < 0)
		return -ENOENT;
	mode_t mode = st.st_mode & 0700;
	if (req->dry_run)
		return dynbuf_printf(&res->fixes, "would chmod %o %s\n", (unsigned)mode,
				     req->private_path);
	if (chmod(req->private_path, mode) < 0) {
		dynbuf_printf(&res->fixes, "chmod %o %s failed: %s\n", (unsigned)mode,
			      req->private_path, strerror(errno));
		return -errno;
	}
	return dynbuf_printf(&res->fixes, "chmod %o %s\n", (unsigned)mode, req->private_path);
}

/* The file's new content: the split line joined, or the byte-order mark dropped; only when
 * the result holds our key where it was broken. */
static int mended_content(const struct doctor_result *res, const struct pubkey *key,
			  const struct dynbuf *old, struct dynbuf *out)
{
	const char *text = old->len ? (const char *)old->data : "";
	if (res->repair == DOCTOR_REPAIR_BOM) {
		int r = authorized_keys_strip_bom(text, old->len, out);
		return r == ERR_FORMAT ? ERR_CHANGED_UNDER_US : r;
	}
	return authorized_keys_join_split_line(text, old->len, res->repair_line, key, out);
}

/* Logged in to change the file (as the account with the password or another key, or as
 * root with --for-user, where our key may be root's). */
static int open_for_change(const struct target *t, const struct doctor_request *req,
			   struct remote_session **ret_s, struct account_ref *acct, struct diag *d)
{
	struct timespec deadline = remote_host_deadline(req->connect);
	bool accepted = false;
	struct login_request lr = {.target = t,
				   .connect = req->connect,
				   .deadline = &deadline,
				   .keys = req->for_user ? req->key : NULL,
				   .n_keys = req->for_user ? 1 : 0,
				   .password = req->password};
	int r = login_for_work(&lr, &accepted, ret_s, d);
	/* --for-user: as root, directly or through sudo (needed only to start the helper) */
	if (r == 0)
		r = account_ref_open(*ret_s, req->for_user, req->password, acct, d);
	return r;
}

struct mend {
	const struct doctor_request *dreq;
	const struct doctor_result *res;
};

static int mend_edit(const struct keys_edit_request *req, const struct authorized_keys_state *st,
		     struct dynbuf *out, bool *ret_changed, struct diag *d)
{
	const struct mend *m = req->arg;
	(void)d;
	int r = mended_content(m->res, m->dreq->key->pub, &st->content, out);
	*ret_changed = r == 0;
	return r;
}

static int repair_key_line(const struct target *t, const struct doctor_request *req,
			   struct doctor_result *res)
{
	struct diag d = {{0}};
	struct remote_session *s = NULL;
	struct remote_sftp *sftp = NULL;
	struct account_ref acct = {0};
	struct authorized_keys_state st = {0};
	struct keys_edit_outcome done;
	struct dynbuf diff;
	dynbuf_init(&diff, AUTHORIZED_KEYS_STATE_MAX);
	struct mend m = {req, res};
	int r = open_for_change(t, req, &s, &acct, &d);
	if (r == 0) {
		struct keys_edit_request er = {.s = s,
					       .acct = &acct,
					       .modes = KEYS_EDIT_MODES_IGNORE,
					       .dry_run = req->dry_run,
					       .edit = mend_edit,
					       .arg = &m};
		r = keys_edit_run(&er, &sftp, &st, NULL, &diff, &done, &d);
	}
	if (r == 0 && req->dry_run) {
		r = dynbuf_printf(&res->fixes, "would mend %s:\n", st.path);
		if (r == 0)
			r = dynbuf_append(&res->fixes, diff.data, diff.len);
	} else if (r == 0) {
		r = dynbuf_printf(&res->fixes, "%s %s\n",
				  res->repair == DOCTOR_REPAIR_BOM
					  ? "removed the byte-order mark from"
					  : "joined the split key line in",
				  st.path);
	}
	if (r < 0)
		dynbuf_printf(&res->fixes, "mending the key line failed: %s\n",
			      d.text[0] ? d.text : error_to_string(r));
	authorized_keys_state_clear(&st);
	account_ref_clear(&acct);
	dynbuf_free(&diff);
	remote_sftp_free(sftp);
	remote_session_free(s);
	return r;
}

/* As root: the account's authorized_keys given back to it (sshd reads it as the account). */
static int give_back(const struct target *t, const struct doctor_request *req,
		     struct doctor_result *res)
{
	struct diag d = {{0}};
	struct remote_session *s = NULL;
	struct authorized_keys_state st = {0};
	struct account_ref acct = {0};
	int r = open_for_change(t, req, &s, &acct, &d);
	if (r == 0)
		r = authorized_keys_remote_read(s, req->for_user,
						acct.through_root ? &acct.root : NULL, &st, &d);
	if (r == 0 && (st.login_uid != 0 || !st.exists))
		r = -EPERM;
	const char *path = st.real_path ? st.real_path : st.path;
	if (r == 0 && req->dry_run) {
		r = dynbuf_printf(&res->fixes, "would chown %lu:%lu %s\n", (unsigned long)st.uid,
				  (unsigned long)st.gid, path);
	} else if (r == 0) {
		r = authorized_keys_remote_fix(&st, NULL, 0, true, &res->fixes, &d);
	}
	if (r < 0)
		dynbuf_printf(&res->fixes, "giving the file back to the account failed: %s\n",
			      d.text[0] ? d.text : error_to_string(r));
	authorized_keys_state_clear(&st);
	account_ref_clear(&acct);
	remote_session_free(s);
	return r;
}

/* copy's work: the key installed where sshd reads it, the path's modes fixed, proven. */
static int install_key(const struct target *t, const struct doctor_request *req,
		       struct doctor_result *res)
{
	struct copy_result cr;
	copy_result_init(&cr);
	struct copy_request creq = {.keys = (struct local_key *)req->key,
				    .n_keys = 1,
				    .connect = req->connect,
				    .for_user = req->for_user,
				    .fix = true,
				    .dry_run = req->dry_run,
				    .password = req->password};
	copy_to_host(t, &creq, &cr);
	int r = cr.outcome == COPY_FAILED ? cr.error : 0;
	const char *lines = cr.changes.len ? (const char *)cr.changes.data : "";
	dynbuf_printf(&res->fixes, "%s%s", lines,
		      cr.changes.len && lines[cr.changes.len - 1] != '\n' ? "\n" : "");
	if (cr.diff.len)
		dynbuf_append(&res->fixes, cr.diff.data, cr.diff.len);
	if (r < 0)
		dynbuf_printf(&res->fixes, "installing the key failed: %s\n", cr.diag.text);
	copy_result_clear(&cr);
	return r;
}

int doctor_fix(const struct target *t, const struct doctor_request *req, struct doctor_result *res)
{
	bool tried = false;
	if (res->private_key_mode) {
		fix_private_key(req, res);
		tried = true;
	}
	if (res->owner_fix) {
		give_back(t, req, res);
		tried = true;
	} else if (res->repair != DOCTOR_REPAIR_NONE) {
		repair_key_line(t, req, res);
		tried = true;
	} else if (res->fixable_key_file) {
		install_key(t, req, res);
		tried = true;
	}
	if (!tried) {
		snprintf(res->fix_outcome, sizeof(res->fix_outcome),
			 "no safe fix applies: the cause needs an administrator's decision");
		return -ENOENT;
	}
	if (req->dry_run)
		snprintf(res->fix_outcome, sizeof(res->fix_outcome),
			 "dry run: nothing was changed");
	return 0;
}
