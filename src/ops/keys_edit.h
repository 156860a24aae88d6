/* The one authorized_keys edit transaction every command that changes the file uses (copy,
 * doctor --fix, revoke; rotate next): read the file (the sh helper, or SFTP), compute the
 * new content in C (the caller's edit, pure), the StrictModes fixes the path needs (made by
 * the helper root-safely: as the account where the account owns the node), then write with
 * compare-and-swap under the lock; when another writer came first, read again and edit
 * again. A dry run stops before the write and says what would change (a unified diff). */
#ifndef SSHKEYCTL_OPS_KEYS_EDIT_H
#define SSHKEYCTL_OPS_KEYS_EDIT_H

#include <stdbool.h>

#include "base/dynbuf.h"
#include "ops/account_keys.h"

enum keys_edit_modes {
	KEYS_EDIT_MODES_IGNORE, /* the edit needs none (a removal) */
	KEYS_EDIT_MODES_REFUSE, /* a path sshd would refuse stops the edit, with the fix named */
	KEYS_EDIT_MODES_FIX,    /* fixed with the smallest chmod */
};

struct keys_edit_request;
/* The edit: st's content (st->exists false: no file) into out; *ret_changed when out
 * differs. A negative return stops the transaction (d says why). */
typedef int (*keys_edit_fn)(const struct keys_edit_request *req,
			    const struct authorized_keys_state *st, struct dynbuf *out,
			    bool *ret_changed, struct diag *d);

struct keys_edit_request {
	struct remote_session *s;
	const struct account_ref *acct;
	bool use_sftp;
	unsigned entry; /* the AuthorizedKeysFile entry (0: the first; only it over SFTP) */
	enum keys_edit_modes modes;
	bool dry_run;
	/* write even when the edit changed nothing (copy: the key is there, but sshd did
	 * not take it: the rewrite restores owner and mode) */
	bool write_unchanged;
	keys_edit_fn edit;
	void *arg; /* the edit's own */
};

struct keys_edit_outcome {
	bool changed; /* the content changed (dry run: would) */
	bool written;
	size_t n_fixes; /* mode fixes made (dry run: would be) */
};

/* Run it. *sftp: started on first use (free with remote_sftp_free). st: the last read
 * (its path, content); clear it after. changes: one line per change made ("would ..."
 * in a dry run; may be NULL); diff (may be NULL): the dry run's unified diff. */
int keys_edit_run(const struct keys_edit_request *req, struct remote_sftp **sftp,
		  struct authorized_keys_state *st, struct dynbuf *changes, struct dynbuf *diff,
		  struct keys_edit_outcome *ret, struct diag *d);

#endif
