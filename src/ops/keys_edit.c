#include "ops/keys_edit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/error.h"
#include "base/line_diff.h"
#include "base/random.h"
#include "ops/strict_modes.h"
#include "remote/authorized_keys_remote.h"
#include "remote/sftp_client.h"

/* concurrent writers to one file retry their compare-and-swap this often */
#define MAX_WRITE_ATTEMPTS 40

static void random_pause(void)
{
	/* from the kernel: rand() is neither seeded nor thread-safe in the workers */
	unsigned short r = 0;
	random_bytes(&r, sizeof(r));
	struct timespec ts = {0, (50 + r % 200) * 1000000L};
	nanosleep(&ts, NULL);
}

static int read_file_state(const struct keys_edit_request *req, struct remote_sftp **sftp,
			   struct authorized_keys_state *st, struct diag *d)
{
	if (req->entry == 0)
		return account_keys_read(req->s, req->acct, req->use_sftp, sftp, st, d);
	return authorized_keys_remote_read_entry(req->s, req->acct->for_user,
						 req->acct->through_root ? &req->acct->root : NULL,
						 req->entry, st, d);
}

/* The mode fixes the path needs, or the reason the edit cannot go on. */
static int mode_fixes(const struct keys_edit_request *req, struct authorized_keys_state *st,
		      struct mode_fix **ret, size_t *ret_n, struct diag *d)
{
	struct strict_modes_finding *findings = NULL;
	size_t n_findings = 0, n = 0;
	*ret = NULL;
	*ret_n = 0;
	if (req->modes == KEYS_EDIT_MODES_IGNORE)
		return 0;
	int r = account_keys_strict_modes(req->s, st, false, &findings, &n_findings, d);
	struct mode_fix *fixes = calloc(n_findings ? n_findings : 1, sizeof(*fixes));
	if (r == 0 && !fixes)
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < n_findings; i++) {
		const struct remote_node *node = findings[i].node;
		if (findings[i].not_regular) {
			diag_set(d, "%s is not a regular file; refusing to replace it", node->path);
			r = ERR_REMOTE;
		} else if (findings[i].bad_owner) {
			char owner[64], account[64];
			remote_node_owner_text(node, owner, sizeof(owner));
			authorized_keys_account_text(st, account, sizeof(account));
			diag_set(d,
				 "%s is owned by %s, not by the account (%s) or root, so sshd "
				 "ignores the keys; find out why, then as root: chown %s %s",
				 node->path, owner, account, st->account[0] ? st->account : account,
				 node->path);
			r = ERR_REMOTE;
		} else if (req->modes == KEYS_EDIT_MODES_REFUSE) {
			diag_set(
				d,
				"%s is writable by group or others, so sshd ignores the keys; fix: "
				"chmod go-w %s (or run without --no-fix)",
				node->path, node->path);
			r = ERR_REMOTE;
		} else {
			fixes[n++] = (struct mode_fix){node->path, findings[i].fixed_mode};
		}
	}
	free(findings);
	if (r < 0) {
		free(fixes);
		return r;
	}
	*ret = fixes;
	*ret_n = n;
	return 0;
}

static int dry_run_lines(const struct authorized_keys_state *st, const struct mode_fix *fixes,
			 size_t n_fixes, const struct dynbuf *content, bool changed,
			 struct dynbuf *changes, struct dynbuf *diff)
{
	int r = 0;
	for (size_t i = 0; r == 0 && changes && i < n_fixes; i++)
		r = dynbuf_printf(changes, "would chmod %o %s\n", (unsigned)fixes[i].mode,
				  fixes[i].path);
	if (r == 0 && changes && !st->exists && changed)
		r = dynbuf_printf(changes, "would create %s\n", st->path);
	if (r == 0 && changed && diff)
		r = line_diff_unified(st->content.len ? (const char *)st->content.data : "",
				      st->content.len,
				      content->len ? (const char *)content->data : "", content->len,
				      st->path, st->path, diff);
	return r;
}

int keys_edit_run(const struct keys_edit_request *req, struct remote_sftp **sftp,
		  struct authorized_keys_state *st, struct dynbuf *changes, struct dynbuf *diff,
		  struct keys_edit_outcome *ret, struct diag *d)
{
	struct keys_edit_outcome out = {0};
	struct mode_fix *fixes = NULL;
	struct dynbuf content;
	int r;
	dynbuf_init(&content, AUTHORIZED_KEYS_STATE_MAX);
	for (int attempt = 0;; attempt++) {
		authorized_keys_state_clear(st);
		dynbuf_reset(&content);
		free(fixes);
		fixes = NULL;
		out = (struct keys_edit_outcome){0};
		if ((r = read_file_state(req, sftp, st, d)) < 0)
			break;
		if (st->is_link) {
			diag_set(d, "%s is a symbolic link; refusing to replace it", st->path);
			r = -ELOOP;
			break;
		}
		if ((r = req->edit(req, st, &content, &out.changed, d)) < 0 ||
		    (r = mode_fixes(req, st, &fixes, &out.n_fixes, d)) < 0)
			break;
		if (!out.changed && out.n_fixes == 0 && !req->write_unchanged)
			break;
		if (req->dry_run) {
			r = dry_run_lines(st, fixes, out.n_fixes, &content, out.changed, changes,
					  diff);
			break;
		}
		if (*sftp)
			r = authorized_keys_sftp_write(*sftp, st, fixes, out.n_fixes, content.data,
						       content.len, changes, d);
		else
			r = authorized_keys_remote_write(st, fixes, out.n_fixes, content.data,
							 content.len, changes, d);
		if (r == 0)
			out.written = true;
		if (r != ERR_CHANGED_UNDER_US || attempt + 1 >= MAX_WRITE_ATTEMPTS)
			break;
		d->text[0] = 0;
		random_pause(); /* another writer got there first: read again, edit again */
	}
	free(fixes);
	dynbuf_free(&content);
	if (r == 0)
		*ret = out;
	return r;
}
