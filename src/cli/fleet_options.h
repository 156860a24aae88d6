/* The connection and fleet options every command that talks to servers shares:
 * -i -p -l -o -F -H -j --connect-timeout --accept-new --password-file --password-stdin
 * --json --dry-run, the targets, and the password asked once per user. */
#ifndef SSHKEYCTL_CLI_FLEET_OPTIONS_H
#define SSHKEYCTL_CLI_FLEET_OPTIONS_H

#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>

#include "cli/commands.h"
#include "fleet/target.h"
#include "remote/session.h"

struct fleet_options {
	struct connect_options connect;
	const char **key_files; /* -i KEY, in order */
	size_t n_key_files;
	char **ssh_options;
	size_t n_ssh_options;
	struct target_list targets;
	unsigned jobs;
	bool json;
	bool dry_run;
	bool quiet;      /* -q: only the hosts that did not end OK, and the summary */
	bool verbose;    /* -v: each connection's steps on stderr */
	bool order_done; /* --order done: results as hosts finish */
	/* after a run: Ctrl-C or SIGTERM stopped it; the hosts never started */
	bool interrupted;
	bool *not_started;
	const char *password_file;
	const char *failed_file; /* --failed-file: the targets that did not end OK */
	bool password_stdin;
	/* the password cache: one password per user name for the whole run */
	pthread_mutex_t password_lock;
	char *password_user;
	char *password;
	bool password_asked;
	/* the canary: the first host to get the password tries it alone; the others wait for
	 * its verdict, and a refused password goes to no other host */
	pthread_cond_t password_tried;
	enum {
		PASSWORD_STATE_UNTRIED,
		PASSWORD_STATE_TRYING,
		PASSWORD_STATE_PROVEN,
		PASSWORD_STATE_REFUSED
	} password_state;
	char password_refused_by[512];          /* the host that refused it */
	struct password_source password_source; /* fleet_password's */
	/* host keys not in known_hosts: --host-keys FILE's content (known_hosts lines from a
	 * trusted source), and the answers given before the run (fleet_prepare) */
	const char *host_keys_file;
	char *host_keys;
	size_t host_keys_len;
	struct host_key_decision {
		char *name; /* as known_hosts names the host */
		char fingerprint[128];
		bool accepted;
	} * host_key_decisions;
	size_t n_host_key_decisions;
};

enum {
	FLEET_OPT_CONNECT_TIMEOUT = 1000,
	FLEET_OPT_ACCEPT_NEW,
	FLEET_OPT_PASSWORD_FILE,
	FLEET_OPT_PASSWORD_STDIN,
	FLEET_OPT_JSON,
	FLEET_OPT_DRY_RUN,
	FLEET_OPT_FAILED_FILE,
	FLEET_OPT_HOST_KEYS,
	FLEET_OPT_ORDER,
};

/* A command's own options beside the shared ones. handle returns EXIT_OK when it took
 * option c, FLEET_OPTION_UNKNOWN when c is not one of its options, or an exit status (a usage
 * error it printed). */
#define FLEET_OPTION_UNKNOWN (-1)
struct fleet_extra_options {
	const char *short_options;         /* getopt letters, e.g. "t:"; "" for none */
	const struct option *long_options; /* ends with a zero entry; NULL for none */
	int (*handle)(int c, char *arg, void *data);
	void *data;
};

void fleet_options_init(struct fleet_options *o);
void fleet_options_free(struct fleet_options *o);
/* getopt over argv: the shared options into o, the command's through extra (may be NULL),
 * usage errors printed; EXIT_OK or an exit status. The targets come after, from
 * fleet_options_finish. */
int fleet_options_parse(struct fleet_options *o, const struct command *cmd, int argc, char **argv,
			const struct fleet_extra_options *extra);
/* After getopt: targets from the arguments; EXIT_OK or a usage error status. */
int fleet_options_finish(struct fleet_options *o, const struct command *cmd, int argc, char **argv);
/* --users a,b,c: appended to *users (the strings point into arg); a usage error for a name
 * that is not an account name. */
int fleet_add_users(const struct command *cmd, char ***users, size_t *n_users, char *arg);

/* --for-user NAME: *ret set, or a usage error for a name that is not an account name. */
int fleet_for_user(const struct command *cmd, const char *arg, const char **ret);

#endif
