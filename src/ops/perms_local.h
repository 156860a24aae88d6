/* perms on this machine, both sides: the client files ssh checks (private keys not readable
 * by others, ~/.ssh/config not writable by others, ~/.ssh 0700 advised) and the path to the
 * account's ~/.ssh/authorized_keys as the local sshd's StrictModes checks it. */
#ifndef SSHKEYCTL_OPS_PERMS_LOCAL_H
#define SSHKEYCTL_OPS_PERMS_LOCAL_H

#include <stdbool.h>

#include "ops/perms.h"

/* for_user: NULL for ourselves, else an account (root only). Never fails as a function. */
void perms_local(const char *for_user, bool fix, bool dry_run, struct perms_result *res);

#endif
