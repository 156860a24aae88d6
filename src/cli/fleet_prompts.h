/* What a fleet run asks the person at the terminal, one question at a time and never drawn
 * over (the status line pauses while a prompt waits):
 * - before the run fans out (fleet_prepare): the host keys not yet in known_hosts, gathered
 *   from every host side by side and asked about once as a list (accept all, none, or one by
 *   one), unless --host-keys FILE decides; then, when some host will need the password to
 *   log in, the password, once; for harden, when some host's sudo will want its password
 *   (each logged in to with the keys and asked), sudo's, once;
 * - during the run: a password for another account, or one a host the passes before did not
 *   reach needs, asked once for the fleet; every password is tried on one host first (the
 *   canary): a refused password reaches no other host. */
#ifndef SSHKEYCTL_CLI_FLEET_PROMPTS_H
#define SSHKEYCTL_CLI_FLEET_PROMPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/fleet_options.h"
#include "cli/local_keys.h"

/* The connect options' question for a host key not in known_hosts (data: the options). */
bool fleet_host_key_question(const struct host_key_seen *seen, void *data);

/* Before a run fans out, at a terminal or with --host-keys: host keys decided, and the
 * password asked when a host will need it (password_login: the command may log in with
 * one; sudo_password: it works as root, through sudo; keys: each target's, may be NULL).
 * EXIT_OK, or an exit status when the person could not be asked what the run needs. */
int fleet_prepare(struct fleet_options *o, const struct target_keys *keys, bool password_login,
		  bool sudo_password);

/* The password for ops (&o->password_source): --password-file, --password-stdin, else the
 * terminal, once; tried on one host first (the canary). */
int fleet_password(const char *user, const char *label, enum password_purpose purpose, char **ret,
		   void *data);
void fleet_password_verdict(const char *user, const char *label, enum password_verdict v,
			    void *data);
/* After a run: "the password was refused by HOST, ..." on stderr when the canary fell. */
void fleet_password_report(const struct fleet_options *o);

/* The status line on stderr, for runs that show one (stderr a terminal, several hosts):
 * "12/30 done, 1 failed, 17 pending; slowest: web7 (41 s)". Drawn under the terminal lock;
 * fleet_status_clear erases it before a report line. */
struct fleet_status {
	size_t done, failed, total;
	const char *slowest; /* the pending host running longest; NULL when none runs */
	long slowest_seconds;
	bool interrupted; /* "stopping: N running" */
};
void fleet_status_show(const struct fleet_status *st);
void fleet_status_clear(void);

#endif
