/* A client of ssh-agent (draft-miller-ssh-agent, OpenSSH's PROTOCOL.agent) over the Unix
 * socket $SSH_AUTH_SOCK names: list the identities it holds, and pass requests through.
 * Replies are bounded (OpenSSH's 256 KiB, 2048 keys) and parsed by agent_identities_parse,
 * which is fuzzed; every wait is bounded by a timeout, so a stuck agent cannot stall us. */
#ifndef SSHKEYCTL_REMOTE_AGENT_H
#define SSHKEYCTL_REMOTE_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/dynbuf.h"
#include "keys/pubkey.h"

#define AGENT_MAX_MESSAGE (256 * 1024)
#define AGENT_MAX_KEYS    2048
#define AGENT_TIMEOUT_MS  10000 /* long enough for a confirm-constrained key's dialog */

enum {
	AGENT_FAILURE = 5,
	AGENT_REQUEST_IDENTITIES = 11,
	AGENT_IDENTITIES_ANSWER = 12,
	AGENT_SIGN_REQUEST = 13,
	AGENT_SUCCESS = 6,
	AGENT_REMOVE_IDENTITY = 18,
	AGENT_REMOVE_ALL_IDENTITIES = 19,
	AGENT_ADD_IDENTITY = 17,
	AGENT_ADD_ID_CONSTRAINED = 25,
	AGENT_CONSTRAIN_LIFETIME = 1,
	AGENT_CONSTRAIN_CONFIRM = 2,
	AGENT_LOCK = 22,
	AGENT_UNLOCK = 23,
};

struct agent_identity {
	struct pubkey *key; /* NULL for a key type we do not know (still counted: it is offered) */
	char *comment;
};

struct agent_identities {
	struct agent_identity *items;
	size_t n;
};

/* Connect to the agent at path (NULL: $SSH_AUTH_SOCK). -ENOENT when there is none. */
int agent_connect(const char *path, int *ret_fd);
/* Read one message (length prefix removed) into out, which is reset first. */
int agent_read_message(int fd, struct dynbuf *out);
/* Write one message: the length prefix, then msg. */
int agent_write_message(int fd, const void *msg, size_t len);
/* The identities the agent offers, in its order (the order ssh offers them). */
int agent_list_identities(const char *path, struct agent_identities *ret);
/* Parse an IDENTITIES_ANSWER message (type byte first). */
int agent_identities_parse(const uint8_t *msg, size_t len, struct agent_identities *ret);
void agent_identities_clear(struct agent_identities *ids);
/* Take key (its blob: a certificate is a key of its own there) out of the agent.
 * ERR_AGENT_REFUSED when the agent says no (it does not hold it). */
int agent_remove_identity(const char *path, const struct pubkey *key);
/* Take every key out. */
int agent_remove_all(const char *path);
/* Lock the agent with password (it then lists and signs nothing), or unlock it.
 * ERR_AGENT_REFUSED: already locked, or the wrong password. */
int agent_lock(const char *path, const char *password, bool lock);
/* Give the agent a key: its private serialization (a privkey's fields, or
 * privkey_cert_fields for a certificate) and comment; lifetime seconds (0: for ever) and
 * confirm (ssh-askpass asks before each use) as constraints. The message holding the
 * secret is wiped. */
int agent_add_identity(const char *path, const uint8_t *fields, size_t fields_len,
		       const char *comment, uint32_t lifetime, bool confirm);

#endif
