/* rotate's state file: where a key rotation stands on each host, so that a rerun finishes
 * only what is not done and `rotate --status` can tell. JSON, written 0600 beside the key
 * (KEY.rotate.json), documented in sshkeyctl(1), "ROTATION STATE":
 *
 *   {"format": "sshkeyctl-rotate-1",
 *    "key": "/home/alice/.ssh/id_ed25519",          the key rotated (its path stays)
 *    "new_key": "/home/alice/.ssh/id_ed25519.new",  the new pair until the swap
 *    "old_fingerprint": "SHA256:...", "new_fingerprint": "SHA256:...",
 *    "started": "2026-12-01T04:00:00Z",
 *    "keep_old": false,                             --keep-old: hosts stop at "installed"
 *    "finished": null,                              the time of the local swap
 *    "retired": null,                               where the old pair went (null: removed)
 *    "hosts": [{"target": "alice@web1", "state": "done",
 *               "updated": "2026-12-01T04:00:09Z", "reason": null}]}
 *
 * A host's state: "pending" (nothing proven yet: the old key is what logs in), "installed"
 * (the new key logs in, proven from a new connection; the old one still does), "done" (the
 * old key removed and refused, proven), "unproven" (the old key removed, but the server
 * would still take it: another source, or tinysshd). "reason": why the last attempt on the
 * host failed. Parsed from a memory buffer, bounded; anything else is an error that says
 * where (line and column), and nothing is changed. */
#ifndef SSHKEYCTL_FILES_ROTATE_STATE_H
#define SSHKEYCTL_FILES_ROTATE_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/dynbuf.h"
#include "base/error.h"

#define ROTATE_STATE_FILE_MAX  (4 * 1024 * 1024)
#define ROTATE_STATE_HOSTS_MAX 100000
#define ROTATE_STATE_FORMAT    "sshkeyctl-rotate-1"

enum rotate_host_state {
	ROTATE_HOST_PENDING,
	ROTATE_HOST_INSTALLED,
	ROTATE_HOST_DONE,
	ROTATE_HOST_UNPROVEN,
};
#define ROTATE_HOST_STATES 4
/* "pending", "installed", "done", "unproven" */
const char *rotate_host_state_name(enum rotate_host_state s);

struct rotate_state_host {
	char *target;
	enum rotate_host_state state;
	char *updated; /* UTC, ISO 8601 */
	char *reason;  /* NULL: the last attempt did not fail */
};

struct rotate_state {
	char *key;
	char *new_key;
	char *old_fingerprint;
	char *new_fingerprint;
	char *started;
	char *finished; /* NULL: the local swap is not done */
	char *retired;  /* NULL: not yet, or the old pair was removed */
	bool keep_old;
	struct rotate_state_host *hosts;
	size_t n_hosts;
};

/* name: the file's name for messages. */
int rotate_state_parse(const char *data, size_t len, const char *name, struct rotate_state *ret,
		       struct diag *d);
int rotate_state_format(const struct rotate_state *st, struct dynbuf *out);
void rotate_state_clear(struct rotate_state *st);
/* The host with this target (NULL: none); with add, a new pending one when missing (NULL:
 * out of memory or over ROTATE_STATE_HOSTS_MAX). */
struct rotate_state_host *rotate_state_host(struct rotate_state *st, const char *target, bool add);
/* Record a host's state now (updated: now, in UTC; reason copied, NULL: none). */
int rotate_state_set(struct rotate_state_host *h, enum rotate_host_state state, const char *reason);

#endif
