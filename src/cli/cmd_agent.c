/* sshkeyctl agent list: what ssh-add -l and ssh-add -L print of the keys ssh-agent holds. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "cli/commands.h"
#include "keys/fingerprint.h"
#include "remote/agent.h"

#define AGENT_LINE_MAX (1024 * 1024)

/* One key as ssh-add prints it: -l "BITS HASH:FP COMMENT (TYPE)", else "TYPE BASE64
 * COMMENT" (the comment as the agent holds it, empty or not). */
static int print_identity(const struct agent_identity *id, bool fingerprints,
			  enum fingerprint_hash hash)
{
	struct dynbuf line;
	dynbuf_init(&line, AGENT_LINE_MAX);
	int r;
	if (fingerprints) {
		r = dynbuf_append_uint(&line, id->key->bits);
		if (r == 0)
			r = dynbuf_append_byte(&line, ' ');
		if (r == 0)
			r = fingerprint_format(id->key, hash, &line);
		if (r == 0)
			r = dynbuf_printf(&line, " %s (%s)\n", id->comment,
					  id->key->type->short_name);
	} else {
		r = pubkey_format_line(id->key, NULL, &line);
		if (r == 0)
			r = dynbuf_printf(&line, " %s\n", id->comment);
	}
	if (r == 0 && fwrite(line.data, 1, line.len, stdout) != line.len)
		r = -EIO;
	dynbuf_free(&line);
	return r;
}

static int agent_list(int argc, char **argv)
{
	static const struct option longopts[] = {{NULL, 0, NULL, 0}};
	bool fingerprints = false;
	enum fingerprint_hash hash = FINGERPRINT_SHA256;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":lE:", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			fingerprints = true;
			break;
		case 'E':
			if (fingerprint_hash_from_name(optarg, &hash) < 0)
				return cli_usage_error(&command_agent, "-E: unknown hash '%s'",
						       optarg);
			break;
		default:
			return cli_usage_error(&command_agent, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage_error(&command_agent, "agent list takes no arguments");
	struct agent_identities ids = {0};
	int r = agent_list_identities(NULL, &ids);
	if (r < 0) {
		if (r == -ENOENT && !getenv("SSH_AUTH_SOCK"))
			cli_error("no ssh-agent here (SSH_AUTH_SOCK is not set)");
		else
			cli_error("cannot ask ssh-agent (%s): %s",
				  getenv("SSH_AUTH_SOCK") ? getenv("SSH_AUTH_SOCK") : "",
				  error_to_string(r));
		return EXIT_FAIL;
	}
	/* as ssh-add: a key of a type not known here is left out */
	size_t shown = 0;
	for (size_t i = 0; r == 0 && i < ids.n; i++)
		if (ids.items[i].key &&
		    (r = print_identity(&ids.items[i], fingerprints, hash)) == 0)
			shown++;
	agent_identities_clear(&ids);
	if (r < 0) {
		cli_error("%s", error_to_string(r));
		return EXIT_FAIL;
	}
	if (shown == 0) {
		printf("The agent has no identities.\n");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int run_agent(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "list") != 0)
		return cli_usage_error(&command_agent, "the subcommand is 'list'");
	return agent_list(argc - 1, argv + 1);
}

const struct command command_agent = {
	.name = "agent",
	.summary = "The keys ssh-agent holds (ssh-add -l, ssh-add -L).",
	.usage = "sshkeyctl agent list [-l] [-E sha256|md5]",
	.help = "  -l                      fingerprints, as ssh-add -l prints them; without -l "
		"the\n"
		"                          public key lines, as ssh-add -L\n"
		"  -E HASH                 the fingerprint's hash: sha256 (default) or md5\n"
		"\nThe agent is the one SSH_AUTH_SOCK names. Exit status 0 with keys listed, 1 "
		"when\n"
		"the agent holds none (\"The agent has no identities.\", as ssh-add) or cannot be\n"
		"reached.\n",
	.run = run_agent,
};
