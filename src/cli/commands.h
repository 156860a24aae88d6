/* The command table (after git's): one entry per `sshkeyctl COMMAND`, one file per command
 * (cmd_NAME.c) holding its options, its help text and its run function. Only src/cli
 * prints, reads the terminal or exits. */
#ifndef SSHKEYCTL_CLI_COMMANDS_H
#define SSHKEYCTL_CLI_COMMANDS_H

#include <stdbool.h>

/* Exit statuses, documented in sshkeyctl(1); stable. */
enum exit_status {
	EXIT_OK = 0,
	EXIT_FAIL = 1,       /* the command failed */
	EXIT_USAGE = 2,      /* bad options or arguments */
	EXIT_PARTIAL = 3,    /* some hosts or files failed, others succeeded */
	EXIT_PASSPHRASE = 4, /* a passphrase was wrong or none could be obtained */
	EXIT_WARN = 5,       /* every host answered, some with warnings (verify) */
};

struct command {
	const char *name;
	const char *summary; /* one line for `sshkeyctl --help` */
	const char *usage;   /* synopsis line(s) */
	const char *help;    /* option list, shown by COMMAND --help and help COMMAND */
	int (*run)(int argc, char **argv);
};

extern const struct command command_keygen;
extern const struct command command_show;
extern const struct command command_passwd;
extern const struct command command_help;
extern const struct command command_copy;
extern const struct command command_setup;
extern const struct command command_known_hosts;
extern const struct command command_verify;
extern const struct command command_perms;
extern const struct command command_harden;
extern const struct command command_doctor;
extern const struct command command_scan;
extern const struct command command_revoke;
extern const struct command command_rotate;
extern const struct command command_logs;
extern const struct command command_mfa;
extern const struct command command_agent;

/* NULL-terminated table in the order --help lists them */
extern const struct command *const commands[];

const struct command *command_find(const char *name);
void command_print_help(const struct command *cmd);
/* "sshkeyctl: " + message on stderr */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* usage error: message, the command's usage line, and EXIT_USAGE */
int cli_usage_error(const struct command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The tests' injected fault (SSHKEYCTL_TEST_FAULT), only in the sshkeyctl-faults build
 * (tests/integration/harden.sh, rotate.sh); NULL in the installed program. */
const char *cli_test_fault(void);
/* Map a library error to the exit status it deserves. */
int exit_status_for_error(int err);
/* A plausible account name for an option (--for-user, --users): POSIX portable characters,
 * not starting with '-'. */
bool account_name_valid(const char *name);
/* Whole-number option value within [min, max]. */
int parse_unsigned_option(const char *text, unsigned min, unsigned max, unsigned *ret);
/* A key size keygen and setup accept for type (OpenSSH 9.5's rules); EXIT_USAGE with one
 * line of reason printed when not. */
int cli_key_bits_check(const char *type, unsigned bits);

#endif
