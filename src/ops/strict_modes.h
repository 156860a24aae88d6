/* The checks sshd's StrictModes makes on the path to authorized_keys (OpenSSH misc.c
 * safe_path): the file and each directory up to and including the home directory (up to /
 * when the file lies outside it) must be owned by the account or root and must not be
 * writable by group or others. */
#ifndef SSHKEYCTL_OPS_STRICT_MODES_H
#define SSHKEYCTL_OPS_STRICT_MODES_H

#include "remote/authorized_keys_remote.h"

struct strict_modes_finding {
	const struct remote_node *node;
	bool bad_owner;    /* needs a chown (root only) */
	mode_t fixed_mode; /* the mode without group/other write; == node->mode when fine */
};

/* Findings for every node sshd would refuse; ret_n 0 when all is well. Free with free(). */
int strict_modes_check(const struct authorized_keys_state *st, struct strict_modes_finding **ret,
		       size_t *ret_n);

#endif
