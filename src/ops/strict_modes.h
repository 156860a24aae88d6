/* The checks sshd's StrictModes makes on the path to authorized_keys (OpenSSH misc.c
 * safe_path): the file, with every symbolic link resolved, must be a regular file, and it
 * and each directory above it up to and including the home directory (up to / when the file
 * lies outside it) must be owned by the account or root and not be writable by group or
 * others. Debian's and Ubuntu's sshd let group write pass when the group's only member is
 * the owner (a user-private group); the rules say which sshd it is. */
#ifndef SSHKEYCTL_OPS_STRICT_MODES_H
#define SSHKEYCTL_OPS_STRICT_MODES_H

#include "remote/authorized_keys_remote.h"

struct strict_modes_rules {
	bool debian_groups; /* Debian's user-private-group exception (its sshd banner says so) */
	/* also the directories above home, which sshd does not check when the file lies under
	 * home, but whose writers could replace the home directory */
	bool above_home;
};

struct strict_modes_finding {
	const struct remote_node *node;
	bool not_regular;    /* the file is not a regular file */
	bool bad_owner;      /* owned by neither the account nor root: chown (root only) */
	bool group_writable; /* and the group is not the owner's alone */
	bool other_writable;
	mode_t fixed_mode; /* the smallest change that satisfies sshd (never looser) */
	bool above_home;   /* not checked by sshd (rules.above_home) */
};

/* The sshd of this banner ("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3") carries Debian's
 * group-writability patch (Debian and Ubuntu builds). */
bool strict_modes_debian_sshd(const char *banner);

/* Group-writable nodes whose group st->groups must describe before the check can apply
 * the Debian exception: their gids (duplicates dropped). Free with free(). */
int strict_modes_groups_needed(const struct authorized_keys_state *st, gid_t **ret, size_t *ret_n);

/* Findings for every node sshd would refuse; ret_n 0 when all is well. Free with free(). */
int strict_modes_check(const struct authorized_keys_state *st,
		       const struct strict_modes_rules *rules, struct strict_modes_finding **ret,
		       size_t *ret_n);

#endif
