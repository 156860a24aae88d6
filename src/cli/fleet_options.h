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
	const char *password_file;
	bool password_stdin;
	/* the password cache: one password per user name for the whole run */
	pthread_mutex_t password_lock;
	char *password_user;
	char *password;
	bool password_asked;
};

enum {
	FLEET_OPT_CONNECT_TIMEOUT = 1000,
	FLEET_OPT_ACCEPT_NEW,
	FLEET_OPT_PASSWORD_FILE,
	FLEET_OPT_PASSWORD_STDIN,
	FLEET_OPT_JSON,
	FLEET_OPT_DRY_RUN,
};

#define FLEET_SHORT_OPTIONS "i:p:l:o:F:H:j:"
#define FLEET_LONG_OPTIONS                                                               \
	{"identity", required_argument, NULL, 'i'},                                      \
		{"connect-timeout", required_argument, NULL, FLEET_OPT_CONNECT_TIMEOUT}, \
		{"accept-new", no_argument, NULL, FLEET_OPT_ACCEPT_NEW},                 \
		{"password-file", required_argument, NULL, FLEET_OPT_PASSWORD_FILE},     \
		{"password-stdin", no_argument, NULL, FLEET_OPT_PASSWORD_STDIN},         \
		{"json", no_argument, NULL, FLEET_OPT_JSON},                             \
	{                                                                                \
		"dry-run", no_argument, NULL, FLEET_OPT_DRY_RUN                          \
	}

void fleet_options_init(struct fleet_options *o);
void fleet_options_free(struct fleet_options *o);
/* Handle option c if it is one of ours: 1 handled, 0 not ours, or an exit status < 0
 * negated (usage error printed). */
int fleet_options_handle(struct fleet_options *o, const struct command *cmd, int c,
			 const char *arg);
/* After getopt: targets from the arguments; EXIT_OK or a usage error status. */
int fleet_options_finish(struct fleet_options *o, const struct command *cmd, int argc, char **argv);
/* password_fn for ops: --password-file, --password-stdin, else the terminal, once. */
int fleet_password(const char *user, const char *label, char **ret, void *data);

/* --users a,b,c: appended to *users (the strings point into arg); a usage error for a name
 * that is not an account name. */
int fleet_add_users(const struct command *cmd, char ***users, size_t *n_users, char *arg);

/* The live progress line on stderr, for runs that show one (stderr a terminal, several
 * hosts): shown after each host, cleared before each report line. */
void fleet_progress_show(size_t done, size_t total);
void fleet_progress_clear(void);

#endif
