#include "ops/copy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/error.h"
#include "base/random.h"
#include "files/authorized_keys_edit.h"
#include "keys/fingerprint.h"
#include "remote/server_kind.h"
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
	dynbuf_init(&res->proof, 64 * 1024);
}

void copy_result_clear(struct copy_result *res)
{
	dynbuf_free(&res->changes);
	dynbuf_free(&res->diff);
	dynbuf_free(&res->proof);
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

/* --exclusive: the key lines wanted: the listed ones as listed, then copy's keys not among
 * them, each as the file has it already (its options kept), else plain */
static bool listed(const struct authorized_keys *ak, const struct pubkey *key)
{
	for (size_t i = 0; ak && i < ak->n_entries; i++)
		if (ak->entries[i].kind == KEY_LINE_KEY && pubkey_same_key(ak->entries[i].key, key))
			return true;
	return false;
}

static int wanted_lines(const struct copy_request *req, const struct authorized_keys *now,
			struct dynbuf *text, struct authorized_keys **ret)
{
	int r = 0;
	const struct authorized_keys *list = req->exclusive;
	for (size_t i = 0; r == 0 && i < list->n_entries; i++) {
		const struct authorized_keys_entry *e = &list->entries[i];
		if (e->kind != KEY_LINE_KEY)
			continue;
		if ((r = dynbuf_append(text, e->raw, e->raw_len - (e->crlf ? 1 : 0))) == 0)
			r = dynbuf_append_byte(text, '\n');
	}
	for (size_t k = 0; r == 0 && k < req->n_keys; k++) {
		const struct pubkey *key = req->keys[k].pub;
		if (listed(list, key))
			continue;
		const struct authorized_keys_entry *there = NULL;
		for (size_t i = 0; !there && i < now->n_entries; i++)
			if (now->entries[i].kind == KEY_LINE_KEY &&
			    pubkey_same_key(now->entries[i].key, key))
				there = &now->entries[i];
		r = there ? dynbuf_append(text, there->raw, there->raw_len - (there->crlf ? 1 : 0))
			  : pubkey_format_line(key, req->keys[k].comment, text);
		if (r == 0)
			r = dynbuf_append_byte(text, '\n');
	}
	if (r == 0)
		r = authorized_keys_parse(text->len ? (const char *)text->data : "", text->len,
					  ret);
	return r;
}

struct exclusive_edit {
	const struct copy_request *req;
	bool no_keys;                /* another file sshd reads: no key at all */
	struct authorized_keys *now; /* the file as read, and the lines wanted in it */
	struct authorized_keys *want;
	struct dynbuf want_text;
	struct pubkey **removed; /* this file's last edit's */
	size_t n_removed, unreadable;
	unsigned long others_existing;
};

static void exclusive_edit_reset(struct exclusive_edit *xe)
{
	authorized_keys_free(xe->now);
	authorized_keys_free(xe->want);
	xe->now = xe->want = NULL;
	dynbuf_reset(&xe->want_text);
	pubkey_list_free(xe->removed, xe->n_removed);
	xe->removed = NULL, xe->n_removed = 0, xe->unreadable = 0;
}

static int exclusive_edit(const struct keys_edit_request *req,
			  const struct authorized_keys_state *st, struct dynbuf *out,
			  bool *ret_changed, struct diag *d)
{
	struct exclusive_edit *xe = req->arg;
	const char *text = st->content.len ? (const char *)st->content.data : "";
	const struct authorized_keys none = {0};
	(void)d;
	xe->others_existing = st->others_existing;
	exclusive_edit_reset(xe);
	int r = 0;
	if (!xe->no_keys && (r = authorized_keys_parse(text, st->content.len, &xe->now)) == 0)
		r = wanted_lines(xe->req, xe->now, &xe->want_text, &xe->want);
	if (r == 0)
		r = authorized_keys_make_exact(text, st->content.len, xe->want ? xe->want : &none,
					       out, ret_changed, &xe->removed, &xe->n_removed,
					       &xe->unreadable);
	return r;
}

/* A listed line whose options limit where or until when it logs in: a query from here
 * proves nothing about it. */
static bool limited(const struct authorized_keys_entry *e)
{
	struct authorized_keys_option o;
	size_t pos = 0;
	const char *opts = e->raw + e->options.off;
	while (e->options.len && authorized_keys_option_next(opts, e->options.len, &pos, &o) == 1)
		if ((o.name.len == 4 && !strncasecmp(opts + o.name.off, "from", 4)) ||
		    (o.name.len == 11 && !strncasecmp(opts + o.name.off, "expiry-time", 11)))
			return true;
	return false;
}

/* After --exclusive's edit: each wanted key the server takes (copy's keys log in; the
 * listed ones answer a publickey query), each removed key refused. */
static void prove_exclusive(const struct target *t, const struct copy_request *req,
			    const struct timespec *deadline, const char *label,
			    struct pubkey **removed, size_t n_removed, bool tinysshd,
			    struct copy_result *res)
{
	const struct authorized_keys *want = req->exclusive;
	prove(t, req, deadline, res);
	if (res->outcome == COPY_FAILED)
		return;
	for (size_t k = 0; k < req->n_keys; k++) {
		char fp[FINGERPRINT_SHA256_TEXT_MAX] = "";
		fingerprint_sha256_text(req->keys[k].pub, fp, sizeof(fp));
		if (req->keys[k].priv || req->keys[k].in_agent)
			dynbuf_printf(&res->proof, "%s: %s logs in (a new connection)\n", label,
				      fp);
	}
	const struct pubkey **ask = calloc(want->n_entries ? want->n_entries : 1, sizeof(*ask));
	bool *accepted = calloc(want->n_entries ? want->n_entries : 1, sizeof(*accepted));
	size_t n_ask = 0;
	for (size_t i = 0; ask && i < want->n_entries; i++) {
		const struct authorized_keys_entry *e = &want->entries[i];
		bool ours = false;
		for (size_t k = 0; k < req->n_keys; k++)
			ours = ours || pubkey_same_key(req->keys[k].pub, e->key);
		if (e->kind != KEY_LINE_KEY || ours)
			continue; /* copy's keys: proven above */
		char fp[FINGERPRINT_SHA256_TEXT_MAX] = "";
		fingerprint_sha256_text(e->key, fp, sizeof(fp));
		if (limited(e) || tinysshd)
			dynbuf_printf(&res->proof, "%s: %s not asked (%s)\n", label, fp,
				      tinysshd ? "tinysshd answers every key query with yes"
					       : "from= or expiry-time limits where and when it "
						 "logs in");
		else
			ask[n_ask++] = e->key;
	}
	struct diag d = {{0}};
	int r = !ask || !accepted ? -ENOMEM
		: n_ask ? login_probe_keys(t, req->for_user, req->connect, deadline, ask, n_ask,
					   accepted, &d)
			: 0;
	for (size_t i = 0; r == 0 && i < n_ask; i++) {
		char fp[FINGERPRINT_SHA256_TEXT_MAX] = "";
		fingerprint_sha256_text(ask[i], fp, sizeof(fp));
		dynbuf_printf(&res->proof, "%s: %s %s (publickey query)\n", label, fp,
			      accepted[i] ? "accepted" : "NOT ACCEPTED");
		if (!accepted[i] && res->outcome != COPY_FAILED) {
			res->outcome = COPY_FAILED;
			res->error = ERR_AUTH_DENIED;
			diag_set(&res->diag, "the server does not take the listed key %s", fp);
		}
	}
	if (r < 0) {
		res->outcome = COPY_FAILED;
		res->error = r;
		diag_set(&res->diag, "the listed keys could not be asked about: %s", d.text);
	}
	free(ask);
	free(accepted);
	bool refused = true;
	if (n_removed && login_prove_refused(t, req->for_user, label, req->connect, deadline,
					     (const struct pubkey *const *)removed, n_removed,
					     tinysshd, &res->proof, &refused) < 0)
		refused = false;
	if (!refused && res->outcome != COPY_FAILED) {
		res->outcome = COPY_INSTALLED_UNVERIFIED;
		diag_set(&res->diag, "a removed key is not proven refused (see the proof lines)");
	}
}

/* --exclusive on the open session: the first file exact, the others without keys. */
static int make_exclusive(struct remote_session *s, const struct account_ref *acct,
			  const struct copy_request *req, const struct pubkey *used,
			  struct authorized_keys_state *st, struct remote_sftp **sftp,
			  struct pubkey ***removed, size_t *n_removed, bool *ret_changed,
			  struct copy_result *res)
{
	/* the key this run logged in with stays, unless listed: refused before any change */
	bool own = !req->for_user || !strcmp(req->for_user, remote_user(s));
	bool login_key_kept = !used || !own || listed(req->exclusive, used);
	for (size_t k = 0; !login_key_kept && k < req->n_keys; k++)
		login_key_kept = pubkey_same_key(req->keys[k].pub, used);
	if (!login_key_kept) {
		char fp[FINGERPRINT_SHA256_TEXT_MAX] = "";
		fingerprint_sha256_text(used, fp, sizeof(fp));
		diag_set(&res->diag,
			 "refusing: the key this run logged in with (%s) is not in the list, and "
			 "--exclusive would remove it; nothing changed",
			 fp);
		return -EPERM;
	}
	struct exclusive_edit xe = {.req = req};
	dynbuf_init(&xe.want_text, AUTHORIZED_KEYS_FILE_MAX);
	struct keys_edit_outcome done = {0};
	struct keys_edit_request er = {
		.s = s,
		.acct = acct,
		.use_sftp = req->sftp,
		.modes = req->fix ? KEYS_EDIT_MODES_FIX : KEYS_EDIT_MODES_REFUSE,
		.dry_run = req->dry_run,
		.edit = exclusive_edit,
		.arg = &xe,
	};
	int r = keys_edit_run(&er, sftp, st, &res->changes, &res->diff, &done, &res->diag);
	unsigned long others = xe.others_existing;
	*ret_changed = r == 0 && (done.changed || done.n_fixes);
	if (st->path) {
		free(res->path);
		res->path = strdup(st->path);
	}
	for (unsigned e = 0; r == 0 && e < 64; e++) {
		if (e > 0) {
			if (!(others & (1UL << e)))
				continue;
			/* another file sshd reads: no key at all */
			struct authorized_keys_state other = {0};
			xe.no_keys = true;
			er.entry = e;
			er.modes = KEYS_EDIT_MODES_IGNORE;
			r = keys_edit_run(&er, sftp, &other, &res->changes, &res->diff, &done,
					  &res->diag);
			authorized_keys_state_clear(&other);
			*ret_changed = *ret_changed || (r == 0 && done.changed);
		}
		for (size_t k = 0; r == 0 && k < xe.n_removed; k++)
			r = pubkey_list_add_distinct(removed, n_removed, xe.removed[k]);
		res->lines_unreadable += r == 0 ? (unsigned)xe.unreadable : 0;
		exclusive_edit_reset(&xe);
	}
	exclusive_edit_reset(&xe);
	dynbuf_free(&xe.want_text);
	res->keys_removed = (unsigned)*n_removed;
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
	struct pubkey *used = NULL, **removed = NULL;
	size_t n_removed = 0;
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
	if ((r = login_for_work_with(&lr, accepted, &s, &used, &res->diag)) < 0)
		goto out;
	/* --for-user: as root, directly or through sudo */
	if ((r = account_ref_open(s, req->for_user, req->password, &acct, &res->diag)) < 0)
		goto out;
	if (req->exclusive) {
		bool changed = false;
		if ((r = make_exclusive(s, &acct, req, used, &st, &sftp, &removed, &n_removed,
					&changed, res)) < 0)
			goto out;
		res->outcome = !changed       ? COPY_PRESENT
			       : req->dry_run ? COPY_WOULD_CHANGE
					      : COPY_INSTALLED;
		if (!changed || req->dry_run)
			goto out;
		struct server_kind kind;
		char label[64];
		server_kind_of(s, &kind);
		snprintf(label, sizeof(label), "%s",
			 req->for_user ? req->for_user : remote_user(s));
		authorized_keys_state_clear(&st);
		remote_sftp_free(sftp);
		sftp = NULL;
		remote_session_free(s);
		s = NULL;
		prove_exclusive(t, req, &deadline, label, removed, n_removed,
				kind.software == SERVER_TINYSSH, res);
		r = res->outcome == COPY_FAILED ? res->error : 0;
		goto out;
	}
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
	pubkey_free(used);
	pubkey_list_free(removed, n_removed);
}
