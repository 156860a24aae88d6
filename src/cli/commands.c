#include "cli/commands.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

const struct command *const commands[] = {
	&command_keygen,      &command_show,   &command_passwd,
	&command_copy,        &command_setup,  &command_verify,
	&command_perms,       &command_harden, &command_doctor,
	&command_scan,        &command_revoke, &command_rotate,
	&command_agent,       &command_logs,   &command_mfa,
	&command_known_hosts, &command_help,   NULL,
};

const struct command *command_find(const char *name)
{
	for (size_t i = 0; commands[i]; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

void command_print_help(const struct command *cmd)
{
	printf("usage: %s\n\n%s\n\n%s", cmd->usage, cmd->summary, cmd->help);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;
	fputs("sshkeyctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_usage_error(const struct command *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "sshkeyctl %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s\nTry 'sshkeyctl %s --help' for more.\n", cmd->usage,
		cmd->name);
	return EXIT_USAGE;
}

int exit_status_for_error(int err)
{
	if (err == ERR_PASSPHRASE_WRONG || err == ERR_PASSPHRASE_NEEDED)
		return EXIT_PASSPHRASE;
	return EXIT_FAIL;
}

int parse_unsigned_option(const char *text, unsigned min, unsigned max, unsigned *ret)
{
	char *end;
	errno = 0;
	if (!*text || *text == '-' || *text == '+')
		return -EINVAL;
	unsigned long v = strtoul(text, &end, 10);
	if (errno || *end || v < min || v > max)
		return -ERANGE;
	*ret = (unsigned)v;
	return 0;
}

bool account_name_valid(const char *name)
{
	return *name && name[0] != '-' && strlen(name) < 256 &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
		       strlen(name);
}

const char *cli_test_fault(void)
{
#ifdef SSHKEYCTL_TEST_HOOKS
	return getenv("SSHKEYCTL_TEST_FAULT");
#else
	return NULL;
#endif
}
