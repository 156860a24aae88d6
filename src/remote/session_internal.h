/* What the parts of a session share (remote/session.h is the interface): the session
 * itself and the step deadlines. session.c makes the connection (configuration, proxy,
 * deadlines, interrupts), session_host_key.c checks and records the server's host key,
 * session_auth.c authenticates, session_exec.c runs commands, scripts and subsystems.
 * Only those files include this. */
#ifndef SSHKEYCTL_REMOTE_SESSION_INTERNAL_H
#define SSHKEYCTL_REMOTE_SESSION_INTERNAL_H

#include <stdbool.h>
#include <time.h>

#include "remote/libssh_api.h"
#include "remote/openssh_client.h"
#include "remote/proxy.h"
#include "remote/session.h"

#define OUTPUT_MAX (64 * 1024 * 1024)

struct remote_session {
	ssh_session ssh;
	char *user;
	char *label;
	long timeout;
	bool authenticated;
	int agent_socket;              /* the last one handed to libssh, or -1 */
	struct timespec host_deadline; /* tv_sec 0: none */
	bool host_key_new;             /* not in known_hosts; accepted now */
	/* what ssh -G resolved for the target; NULL when OpenSSH's ssh is not installed (then
	 * libssh reads the configuration itself) */
	const struct openssh_client_config *client;
	struct proxy proxy;   /* the ProxyJump or ProxyCommand program, pid 0 when none */
	char *identity_agent; /* IdentityAgent, expanded; NULL: $SSH_AUTH_SOCK */
	bool no_agent;        /* IdentityAgent none */
};

/* The end of the next blocking step: the operation timeout from now, but never past the
 * host's deadline nor an interrupt's; libssh's own timeout is set to match. ERR_TIMEOUT
 * once the time is up. */
int session_step_begin(struct remote_session *s, struct timespec *ret_deadline, struct diag *d);
/* Milliseconds left until deadline (CLOCK_MONOTONIC), negative when past. */
long session_remaining_ms(const struct timespec *deadline);
/* The server's host key against known_hosts, as OpenSSH checks it; new keys recorded when
 * the options (or the question) accept them. */
int session_check_host_key(struct remote_session *s, const struct connect_options *o,
			   struct diag *d);
/* A host key was accepted: tell the observer (remote_set_host_key_observer). */
void session_host_key_accepted(const char *fingerprint);

#endif
