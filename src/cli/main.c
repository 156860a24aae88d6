/* sshkeyctl: set up, prove and keep SSH key logins. Entry point and dispatch. */
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "cli/commands.h"
#include "cli/report.h"
#include "cli/terminal_safe.h"
#include "config.h"

static void print_main_help(void)
{
	printf("usage: sshkeyctl [--version] [--help] COMMAND [ARGS...]\n\n"
	       "Create, install and prove SSH key logins.\n\ncommands:\n");
	for (size_t i = 0; commands[i]; i++)
		printf("  %-10s %s\n", commands[i]->name, commands[i]->summary);
	printf("\n'sshkeyctl help COMMAND' or 'sshkeyctl COMMAND --help' shows a command's "
	       "options.\n"
	       "Exit status: 0 success, 1 failure, 2 usage error, 3 some hosts or files failed,\n"
	       "4 wrong or missing passphrase or password, 5 done with warnings (a host\n"
	       "not proven, a password still accepted). See sshkeyctl(1).\n");
}

/* Passwords and passphrases pass through memory in most commands: no core file may hold
 * them, and no other process of the same user may read our memory (ptrace, /proc/PID/mem).
 * For the whole run, as a secret's lifetime is not known in advance. */
static void protect_secrets(void)
{
	struct rlimit none = {0, 0};
	setrlimit(RLIMIT_CORE, &none);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
	protect_secrets();
	terminal_safe_install();
	/* the system's OpenSSL configuration applies as usual; the cleanup OpenSSL registers
	 * with atexit only frees memory the process is about to give back anyway, and costs a
	 * short command such as keygen a tenth of its CPU time */
	OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT, NULL);
	if (argc < 2) {
		print_main_help();
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_main_help();
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("sshkeyctl %s\n", SSHKEYCTL_VERSION);
		return EXIT_OK;
	}
	const struct command *cmd = command_find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "sshkeyctl: '%s' is not a command. See 'sshkeyctl --help'.\n",
			argv[1]);
		return EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--help")) {
			command_print_help(cmd);
			return EXIT_OK;
		}
	}
	int status = cmd->run(argc - 1, argv + 1);
	if (terminal_safe_finish() != 0 && status == EXIT_OK) {
		perror("sshkeyctl: standard output");
		status = EXIT_FAIL;
	}
	if (report_json_failed() && status == EXIT_OK)
		status = EXIT_FAIL;
	return status;
}
