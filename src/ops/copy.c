#include "ops/copy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/error.h"
#include "base/random.h"
#include "files/authorized_keys_edit.h"
#include "keys/fingerprint.h"
#include "ops/strict_modes.h"
#include "ops/account_keys.h"
#include "ops/keys_edit.h"
#include "ops/login.h"
#include "remote/authorized_keys_remote.h"
#include "remote/sftp_client.h"

void copy_result_init(struct copy_result *res)
{
	memset(res, 0, sizeof(*res));
	res->outcome = COPY_FAILED; /* until the host's work says otherwise (never started) */
	dynbuf_init(&res->changes, 1024 * 1024);
	dynbuf_init(&res->diff, 64 * 1024 * 1024);
}

void copy_result_clear(struct copy_result *res)
{
	dynbuf_free(&res->changes);
	dynbuf_free(&res->diff);
	free(res->path);
	memset(res, 0, sizeof(*res));
}

/* Prove each key with a private half logs in on a new connection. */
static void prove(const struct target *t, const struct copy_request *req,
		  const struct timespec *deadline, struct copy_result *res)
{
	size_t proven = 0, provable = 0;
	for (size_t i = 0; i < req->n_keys; i++) {
		if (!req->keys[i].priv && !req->keys[i].in_agent)
			continue;
		provable++;
		struct diag d = {{0}};
		/* the proof logs in as the account the key was installed for: with the private
		 * key, or through ssh-agent, which holds it */
		int r = login_prove(t, req->for_user, req->connect, deadline, req->keys[i].pub,
				    req->keys[i].priv, NULL, &d);
		if (r < 0) {
			res->outcome = COPY_FAILED;
			res->error = r;
			diag_set(&res->diag,
				 "installed, but %s does not log in from a new connection: %s",
				 req->keys[i].path, d.text);
			return;
		}
		proven++;
	}
	if (provable < req->n_keys) {
		res->outcome = COPY_INSTALLED_UNVERIFIED;
		for (size_t i = 0; i < req->n_keys; i++)
			if (!req->keys[i].priv && !req->keys[i].in_agent)
				diag_set(&res->diag, "not verified: %s",
					 req->keys[i].no_proof ? req->keys[i].no_proof
							       : "no private key");
	} else {
		res->outcome = COPY_INSTALLED;
	}
}

/* copy's edit: the keys not yet in the file (nor in a later AuthorizedKeysFile entry that
 * sshd reads) appended */
struct copy_edit {
	const struct copy_request *creq;
	const bool *accepted; /* the server already takes key i */
	struct authorized_key_to_add *adds;
	struct copy_result *res;
};

/* Is key i in another file sshd reads for the account (a later AuthorizedKeysFile entry:
 * authorized_keys2)? A copy there that sshd ignores, say for its modes, does not count. */
static int mark_elsewhere(const struct keys_edit_request *req, const struct copy_edit *ce,
			  const struct authorized_keys_state *st, struct diag *d)
{
	const struct copy_request *creq = ce->creq;
	struct authorized_keys_state *others = NULL;
	size_t n_others = 0;
	int r = 0;
	if (!st->conversation)
		return 0; /* over SFTP: the first file only */
	if ((r = account_keys_read_others(req->s, req->acct, st, &others, &n_others, d)) < 0)
		return r;
	for (size_t o = 0; o < n_others; o++) {
		if (!others[o].exists || others[o].unreadable)
			continue;
		struct authorized_key_to_add *found = calloc(creq->n_keys, sizeof(*found));
		for (size_t i = 0; found && i < creq->n_keys; i++)
			found[i].key = creq->keys[i].pub;
		r = found ? authorized_keys_find((const char *)others[o].content.data,
						 others[o].content.len, found, creq->n_keys)
			  : -ENOMEM;
		/* for the login account the server said whether it takes the key; for
		 * --for-user (we log in as root) the file's path must pass StrictModes */
		bool file_read = true;
		if (creq->for_user) {
			struct strict_modes_finding *f = NULL;
			size_t n_f = 0;
			file_read = account_keys_strict_modes(req->s, &others[o], false, &f, &n_f,
							      d) == 0 &&
				    n_f == 0;
			free(f);
			d->text[0] = 0;
		}
		for (size_t i = 0; r == 0 && i < creq->n_keys; i++)
			ce->adds[i].elsewhere = ce->adds[i].elsewhere ||
						(found[i].present &&
						 (creq->for_user ? file_read : ce->accepted[i]));
		free(found);
		/* a file we cannot parse is not a reason to stop adding to ours */
		if (r == -ENOMEM)
			break;
		r = 0;
	}
	account_keys_others_free(others, n_others);
	return r;
}

static int copy_edit(const struct keys_edit_request *req, const struct authorized_keys_state *st,
		     struct dynbuf *out, bool *ret_changed, struct diag *d)
{
	struct copy_edit *ce = req->arg;
	const struct copy_request *creq = ce->creq;
	for (size_t i = 0; i < creq->n_keys; i++)
		ce->adds[i] = (struct authorized_key_to_add){.key = creq->keys[i].pub,
							     .comment = creq->keys[i].comment};
	int r = mark_elsewhere(req, ce, st, d);
	if (r == 0)
		r = authorized_keys_add((const char *)st->content.data, st->content.len, ce->adds,
					creq->n_keys, out, ret_changed);
	ce->res->keys_added = ce->res->keys_present = 0;
	for (size_t i = 0; r == 0 && i < creq->n_keys; i++) {
		if (ce->adds[i].present || ce->adds[i].elsewhere)
			ce->res->keys_present++;
		else
			ce->res->keys_added++;
	}
	return r;
}

void copy_to_host(const struct target *t, const struct copy_request *req, struct copy_result *res)
{
	struct remote_session *s = NULL;
	struct remote_sftp *sftp = NULL;
	struct authorized_keys_state st = {0};
	struct account_ref acct = {0};
	struct authorized_key_to_add *adds = calloc(req->n_keys, sizeof(*adds));
	bool *accepted = calloc(req->n_keys, sizeof(*accepted));
	struct keys_edit_outcome done = {0};
	int r;
	res->outcome = COPY_FAILED;
	if (!adds || !accepted) {
		r = -ENOMEM;
		goto out;
	}
	/* every host gets the same time, however its server behaves */
	struct timespec deadline = remote_host_deadline(req->connect);
	struct login_request lr = {.target = t,
				   .connect = req->connect,
				   .deadline = &deadline,
				   .keys = req->keys,
				   .n_keys = req->n_keys,
				   .password = req->password};
	if ((r = login_for_work(&lr, accepted, &s, &res->diag)) < 0)
		goto out;
	/* --for-user: as root, directly or through sudo */
	if ((r = account_ref_open(s, req->for_user, req->password, &acct, &res->diag)) < 0)
		goto out;
	bool all_accepted = true;
	for (size_t i = 0; i < req->n_keys; i++)
		all_accepted = all_accepted && accepted[i];
	struct copy_edit ce = {.creq = req, .accepted = accepted, .adds = adds, .res = res};
	struct keys_edit_request er = {
		.s = s,
		.acct = &acct,
		.use_sftp = req->sftp,
		.modes = req->fix ? KEYS_EDIT_MODES_FIX : KEYS_EDIT_MODES_REFUSE,
		.dry_run = req->dry_run,
		/* the key is there but the server does not take it: rewritten, owner and
		 * mode restored */
		.write_unchanged = !all_accepted,
		.edit = copy_edit,
		.arg = &ce,
	};
	r = keys_edit_run(&er, &sftp, &st, &res->changes, &res->diff, &done, &res->diag);
	if (st.path) {
		free(res->path);
		res->path = strdup(st.path);
	}
	if (r < 0)
		goto out;
	if (!done.changed && done.n_fixes == 0 && (all_accepted || req->dry_run)) {
		res->outcome = COPY_PRESENT;
		goto out;
	}
	if (req->dry_run) {
		res->outcome = COPY_WOULD_CHANGE;
		goto out;
	}
	authorized_keys_state_clear(&st); /* its helper session first, then the connection */
	remote_sftp_free(sftp);
	sftp = NULL;
	remote_session_free(s);
	s = NULL;
	prove(t, req, &deadline, res);
	r = res->outcome == COPY_FAILED ? res->error : 0;
out:
	if (r < 0) {
		res->outcome = COPY_FAILED;
		res->error = r;
		if (!res->diag.text[0])
			diag_set(&res->diag, "%s", error_to_string(r));
	}
	authorized_keys_state_clear(&st);
	account_ref_clear(&acct);
	remote_sftp_free(sftp);
	remote_session_free(s);
	free(adds);
	free(accepted);
}
