#include <stdio.h>

#include "cli/commands.h"

static int run_help(int argc, char **argv)
{
	if (argc < 2) {
		printf("usage: sshkeyctl help COMMAND\n\ncommands:");
		for (size_t i = 0; commands[i]; i++)
			printf(" %s", commands[i]->name);
		printf("\n");
		return EXIT_OK;
	}
	const struct command *cmd = command_find(argv[1]);
	if (!cmd)
		return cli_usage_error(&command_help, "unknown command '%s'", argv[1]);
	command_print_help(cmd);
	return EXIT_OK;
}

const struct command command_help = {
	.name = "help",
	.summary = "Show the options of a command.",
	.usage = "sshkeyctl help COMMAND",
	.help = "",
	.run = run_help,
};
