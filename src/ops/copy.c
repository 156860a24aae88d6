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
#include "ops/login.h"
#include "remote/authorized_keys_remote.h"
#include "remote/sftp_client.h"

/* concurrent writers to one file retry their compare-and-swap this often */
#define MAX_WRITE_ATTEMPTS 40

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

static void random_pause(void)
{
	/* from the kernel: rand() is neither seeded nor thread-safe in the workers */
	unsigned short r = 0;
	random_bytes(&r, sizeof(r));
	struct timespec ts = {0, (50 + r % 200) * 1000000L};
	nanosleep(&ts, NULL);
}

static int add_change(struct copy_result *res, const char *verb, const char *arg, const char *path)
{
	return dynbuf_printf(&res->changes, "%s %s%s%s\n", verb, arg, *arg ? " " : "", path);
}

/* A unified diff for an append-only edit: the old last lines as context, ours added. */
static int append_diff(const char *path, const struct dynbuf *old, const struct dynbuf *new_content,
		       struct dynbuf *out)
{
	size_t old_lines = 0, start = 0, ctx_start_line;
	for (size_t i = 0; i < old->len; i++)
		old_lines += old->data[i] == '\n';
	if (old->len && old->data[old->len - 1] != '\n')
		old_lines++;
	/* context: the last (up to) three old lines */
	size_t ctx = old_lines < 3 ? old_lines : 3;
	size_t seen = 0;
	for (size_t i = old->len; i > 0; i--) {
		if (old->data[i - 1] == '\n' && i != old->len && ++seen == ctx) {
			start = i;
			break;
		}
	}
	if (seen < ctx)
		start = 0;
	ctx_start_line = old_lines - ctx + 1;
	size_t new_lines = 0;
	for (size_t i = 0; i < new_content->len; i++)
		new_lines += new_content->data[i] == '\n';
	int r = dynbuf_printf(out, "--- %s\n+++ %s\n@@ -%zu,%zu +%zu,%zu @@\n", path, path,
			      ctx ? ctx_start_line : 0, ctx, ctx ? ctx_start_line : 1,
			      new_lines - old_lines + ctx);
	const char *p = (const char *)new_content->data + start;
	const char *end = (const char *)new_content->data + new_content->len;
	size_t line = 0;
	while (r == 0 && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		bool is_old =
			(size_t)(p - (const char *)new_content->data) < old->len && line < ctx;
		r = dynbuf_printf(out, "%c%.*s\n", is_old ? ' ' : '+', (int)len, p);
		line++;
		p = nl ? nl + 1 : end;
	}
	return r;
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

void copy_to_host(const struct target *t, const struct copy_request *req, struct copy_result *res)
{
	struct remote_session *s = NULL;
	struct remote_sftp *sftp = NULL;
	struct authorized_keys_state st = {0}, *others = NULL;
	struct account_ref acct = {0};
	size_t n_others = 0;
	struct strict_modes_finding *findings = NULL;
	struct authorized_key_to_add *adds = calloc(req->n_keys, sizeof(*adds));
	bool *accepted = calloc(req->n_keys, sizeof(*accepted));
	struct dynbuf content;
	struct mode_fix *fixes = NULL;
	size_t n_findings = 0;
	int r;

	dynbuf_init(&content, 64 * 1024 * 1024);
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

	for (int attempt = 0;; attempt++) {
		authorized_keys_state_clear(&st);
		free(findings);
		findings = NULL;
		dynbuf_reset(&content);
		if ((r = account_keys_read(s, &acct, req->sftp, &sftp, &st, &res->diag)) < 0)
			goto out;
		free(res->path);
		res->path = strdup(st.path);
		if (st.is_link) {
			diag_set(&res->diag, "%s is a symbolic link; refusing to replace it",
				 st.path);
			r = -ELOOP;
			goto out;
		}
		/* a key in a later AuthorizedKeysFile entry (authorized_keys2) is there already */
		account_keys_others_free(others, n_others);
		others = NULL, n_others = 0;
		if (!sftp && (r = account_keys_read_others(s, &acct, &st, &others, &n_others,
							   &res->diag)) < 0)
			goto out;
		for (size_t i = 0; i < req->n_keys; i++)
			adds[i] = (struct authorized_key_to_add){.key = req->keys[i].pub,
								 .comment = req->keys[i].comment};
		for (size_t o = 0; o < n_others; o++) {
			if (!others[o].exists || others[o].unreadable)
				continue;
			struct authorized_key_to_add *found = calloc(req->n_keys, sizeof(*found));
			for (size_t i = 0; found && i < req->n_keys; i++)
				found[i].key = req->keys[i].pub;
			r = found ? authorized_keys_find((const char *)others[o].content.data,
							 others[o].content.len, found, req->n_keys)
				  : -ENOMEM;
			/* there and read by sshd (a copy there that sshd ignores, say for its
			 * modes, does not count: the key goes into the first file). For the login
			 * account the server said whether it takes the key; for --for-user (we
			 * log in as root) the file's path must pass StrictModes */
			bool file_read = true;
			if (req->for_user) {
				struct strict_modes_finding *f = NULL;
				size_t n_f = 0;
				file_read = account_keys_strict_modes(s, &others[o], false, &f,
								      &n_f, &res->diag) == 0 &&
					    n_f == 0;
				free(f);
				res->diag.text[0] = 0;
			}
			for (size_t i = 0; r == 0 && i < req->n_keys; i++)
				adds[i].elsewhere = adds[i].elsewhere ||
						    (found[i].present &&
						     (req->for_user ? file_read : accepted[i]));
			free(found);
			/* a file we cannot parse is not a reason to stop adding to ours */
			if (r == -ENOMEM)
				goto out;
			r = 0;
		}
		bool changed;
		if ((r = authorized_keys_add((const char *)st.content.data, st.content.len, adds,
					     req->n_keys, &content, &changed)) < 0)
			goto out;
		if ((r = account_keys_strict_modes(s, &st, false, &findings, &n_findings,
						   &res->diag)) < 0)
			goto out;
		free(fixes);
		fixes = calloc(n_findings ? n_findings : 1, sizeof(*fixes));
		if (!fixes) {
			r = -ENOMEM;
			goto out;
		}
		size_t n_fixes = 0;
		for (size_t i = 0; i < n_findings; i++) {
			const struct remote_node *node = findings[i].node;
			if (findings[i].not_regular) {
				diag_set(&res->diag,
					 "%s is not a regular file; refusing to replace it",
					 node->path);
				r = ERR_REMOTE;
				goto out;
			}
			if (findings[i].bad_owner) {
				char owner[64], account[64];
				remote_node_owner_text(node, owner, sizeof(owner));
				authorized_keys_account_text(&st, account, sizeof(account));
				diag_set(&res->diag,
					 "%s is owned by %s, not by the account (%s) or root, so "
					 "sshd ignores the keys; find out why, then as root: chown "
					 "%s %s",
					 node->path, owner, account,
					 st.account[0] ? st.account : account, node->path);
				r = ERR_REMOTE;
				goto out;
			}
			if (!req->fix) {
				diag_set(&res->diag,
					 "%s is writable by group or others, so sshd ignores the "
					 "keys; fix: chmod "
					 "go-w %s (or run without --no-fix)",
					 node->path, node->path);
				r = ERR_REMOTE;
				goto out;
			}
			fixes[n_fixes++] = (struct mode_fix){node->path, findings[i].fixed_mode};
		}
		res->keys_added = res->keys_present = 0;
		for (size_t i = 0; i < req->n_keys; i++) {
			if (adds[i].present || adds[i].elsewhere)
				res->keys_present++;
			else
				res->keys_added++;
		}
		bool all_accepted = true;
		for (size_t i = 0; i < req->n_keys; i++)
			all_accepted = all_accepted && accepted[i];
		if (!changed && n_fixes == 0 && all_accepted) {
			res->outcome = COPY_PRESENT;
			r = 0;
			goto out;
		}
		if (req->dry_run) {
			char mode[16];
			for (size_t i = 0; i < n_fixes; i++) {
				snprintf(mode, sizeof(mode), "%o", (unsigned)fixes[i].mode);
				add_change(res, "would chmod", mode, fixes[i].path);
			}
			if (!st.exists)
				add_change(res, "would create", "", st.path);
			if (changed)
				append_diff(st.path, &st.content, &content, &res->diff);
			res->outcome = changed || n_fixes ? COPY_WOULD_CHANGE : COPY_PRESENT;
			r = 0;
			goto out;
		}
		if (sftp)
			r = authorized_keys_sftp_write(sftp, &st, fixes, n_fixes, content.data,
						       content.len, &res->changes, &res->diag);
		else
			r = authorized_keys_remote_write(&st, fixes, n_fixes, content.data,
							 content.len, &res->changes, &res->diag);
		if (r != ERR_CHANGED_UNDER_US || attempt + 1 >= MAX_WRITE_ATTEMPTS)
			break;
		random_pause(); /* another writer got there first: read again and merge again */
	}
	if (r < 0)
		goto out;
	account_keys_others_free(others, n_others);
	others = NULL, n_others = 0;
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
	account_keys_others_free(others, n_others);
	authorized_keys_state_clear(&st);
	account_ref_clear(&acct);
	remote_sftp_free(sftp);
	remote_session_free(s);
	dynbuf_free(&content);
	free(findings);
	free(fixes);
	free(adds);
	free(accepted);
}
