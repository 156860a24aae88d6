/* An account's authorized_keys on a host, for the use cases that read or change it (copy,
 * perms): read with the sh helper, or over SFTP when asked or when the account cannot run
 * commands; and the StrictModes findings as that server's sshd sees them. */
#ifndef SSHKEYCTL_OPS_ACCOUNT_KEYS_H
#define SSHKEYCTL_OPS_ACCOUNT_KEYS_H

#include <stdbool.h>

#include "ops/strict_modes.h"
#include "remote/authorized_keys_remote.h"
#include "remote/root_runner.h"
#include "remote/session.h"

/* Whose authorized keys: the login account's (for_user NULL), or another account's
 * (--for-user), worked on as root: directly when the login account is root, else through
 * sudo, with the password asked once for the fleet (password). */
struct account_ref {
	const char *for_user;
	struct root_runner root;
	bool through_root;
};
int account_ref_open(struct remote_session *s, const char *for_user,
		     const struct password_source *password, struct account_ref *ret,
		     struct diag *d);
void account_ref_clear(struct account_ref *a);

/* *sftp is started on first use and kept for the write (free it with remote_sftp_free). */
int account_keys_read(struct remote_session *s, const struct account_ref *acct, bool use_sftp,
		      struct remote_sftp **sftp, struct authorized_keys_state *st, struct diag *d);
/* The account's other AuthorizedKeysFile entries that exist (after first, which
 * account_keys_read gave by the sh helper), each with its helper still open (perms fixes
 * through it): none over
 * SFTP, and none on a server other than OpenSSH, whose default second file
 * (.ssh/authorized_keys2) only OpenSSH reads. Free with account_keys_others_free. */
int account_keys_read_others(struct remote_session *s, const struct account_ref *acct,
			     const struct authorized_keys_state *first,
			     struct authorized_keys_state **ret, size_t *ret_n, struct diag *d);
void account_keys_others_free(struct authorized_keys_state *others, size_t n);

/* above_home: also the directories above home (strict_modes_rules) */
int account_keys_strict_modes(struct remote_session *s, struct authorized_keys_state *st,
			      bool above_home, struct strict_modes_finding **ret, size_t *ret_n,
			      struct diag *d);

#endif
