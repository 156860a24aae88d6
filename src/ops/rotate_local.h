/* The local side of a key rotation: the new pair beside the old one (KEY.new, KEY.new.pub),
 * the state file (KEY.rotate.json), and, once every host is done, the swap: the new pair
 * takes the old one's names, so IdentityFile lines keep working, and the old pair is kept
 * as KEY.retired-DATE (0600) or removed. ssh-agent follows: the old key out, the new one in.
 *
 * The swap is a few renames in the key's directory, each done only while its source is
 * still there, so a swap cut short (a crash, Ctrl-C) is finished by the next run; a link
 * anywhere in the names is refused. */
#ifndef SSHKEYCTL_OPS_ROTATE_LOCAL_H
#define SSHKEYCTL_OPS_ROTATE_LOCAL_H

#include <stdbool.h>
#include <stdint.h>

#include "base/dynbuf.h"
#include "base/error.h"
#include "keys/privkey.h"
#include "keys/pubkey.h"

/* "KEY.new" and "KEY.rotate.json" for key path KEY (free them). */
int rotate_local_new_path(const char *key, char **ret);
int rotate_local_state_path(const char *key, char **ret);
/* A name for the old pair that nothing holds yet: "KEY.retired-YYYY-MM-DD", then "-2", "-3"
 * (neither it nor its .pub exists). */
int rotate_local_retired_path(const char *key, char **ret);

/* The swap. retired: where the old pair goes (NULL: removed). KEY.new.pub must hold
 * new_key, KEY.pub the old key (its SHA256 fingerprint old_fingerprint) or new_key already
 * (a swap cut short). test_fault: NULL, or (sshkeyctl-faults only) "kill-between-renames",
 * the tests' kill -9 between the private key's rename and the public key's. ret_moved: what
 * was done, one line per step ("KEY -> KEY.retired-..."). */
int rotate_local_swap(const char *key, const char *retired, const char *old_fingerprint,
		      const struct pubkey *new_key, const char *test_fault,
		      struct dynbuf *ret_moved, struct diag *d);

/* ssh-agent (SSH_AUTH_SOCK): when it holds old_key, old_key out and new_key in, with
 * lifetime (seconds; 0: none) and comment. *ret_swapped: the agent held the old key.
 * No agent: 0, not swapped. */
int rotate_local_agent_swap(const struct pubkey *old_key, const struct privkey *new_key,
			    const char *comment, uint32_t lifetime, bool *ret_swapped);

#endif
