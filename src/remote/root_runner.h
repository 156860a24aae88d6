/* Running a helper as root on a server, for work that needs root (harden, and copy, perms
 * and doctor with --for-user): directly when the login account is root, else through sudo
 * (`sudo -n` when sudoers asks no password, else `sudo -S` with the login password, asked
 * through the password source once for the fleet and checked with sudo alone before
 * anything else is sent). The password line travels ahead of a one-time marker that sh must
 * read before it runs anything, so a line sudo leaves unread is never evaluated. */
#ifndef SSHKEYCTL_REMOTE_ROOT_RUNNER_H
#define SSHKEYCTL_REMOTE_ROOT_RUNNER_H

#include <stdbool.h>

#include "base/dynbuf.h"
#include "remote/session.h"

#define ROOT_RUNNER_SUDO_NO_PASSWORD "sudo -n "

struct root_runner {
	bool via_sudo;
	const char *runner;  /* "", "sudo -n ", or sudo -S's prefix */
	char *password;      /* for sudo -S; NULL otherwise; wiped by root_runner_clear */
	struct dynbuf probe; /* what the probe said: uid, sudo, connection lines */
};

/* Find out how to become root on s's server: ERR_NO_ROOT with the reason (sudo's own words)
 * when there is no way; ERR_NO_SHELL when the account cannot run commands. */
int root_runner_open(struct remote_session *s, const struct password_source *password,
		     struct root_runner *ret, struct diag *d);
void root_runner_clear(struct root_runner *r);
/* The runner when the login account is known to be root already (a helper said uid 0):
 * no probe, no sudo. */
void root_runner_as_root(struct root_runner *ret);
/* Before a run: would becoming root here need sudo's password? (the probe alone: nothing
 * asked, nothing sent) */
int root_runner_needs_password(struct remote_session *s, bool *ret_needs, struct diag *d);
/* A line of the probe's answer ("connection", "uid", ...), "" when absent. */
void root_runner_probe_value(const struct root_runner *r, const char *key, char *buf, size_t len);
/* Start script as root with runner (root->runner, or ROOT_RUNNER_SUDO_NO_PASSWORD for the
 * second try); root (may be NULL) gives sudo's password line when runner reads one. */
int root_runner_start(struct remote_session *s, const struct root_runner *root, const char *runner,
		      const char *script, struct dynbuf *out, struct dynbuf *err,
		      struct remote_process **ret, struct diag *d);
/* A helper as the login account (root NULL) or as root, its first input lines in, then
 * its output read until complete(out, arg) says so or it ends: started again with
 * ROOT_RUNNER_SUDO_NO_PASSWORD when sudo read no password (below). ret: the process,
 * still running (the caller finishes and frees it, also on error). */
int root_runner_run(struct remote_session *s, const struct root_runner *root, const char *script,
		    const struct dynbuf *in, struct dynbuf *out, struct dynbuf *err,
		    bool (*complete)(const struct dynbuf *out, void *arg), void *arg,
		    struct remote_process **ret, struct diag *d);
/* After a start with a password: the process ended before answering because sudo read no
 * password and sh found no marker (sudoers lets the command run without one): start again
 * with ROOT_RUNNER_SUDO_NO_PASSWORD. */
bool root_runner_ended_unmarked(struct remote_process *p, const struct dynbuf *out);

#endif
