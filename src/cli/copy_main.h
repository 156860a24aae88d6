/* What copy and setup share: their options and the run over the fleet (cmd_copy.c).
 * setup (cmd_setup.c) adds two steps: create a key when there is none, and print how to
 * log in afterwards. */
#ifndef SSHKEYCTL_CLI_COPY_MAIN_H
#define SSHKEYCTL_CLI_COPY_MAIN_H

#include <stdbool.h>

#include "cli/commands.h"
#include "cli/fleet_options.h"
#include "cli/passphrase.h"
#include "ops/copy.h"

struct copy_options {
	struct fleet_options fleet;
	const char *for_user;
	bool no_fix;
	bool sftp;
	const char *exclusive_file; /* --exclusive FILE (copy only) */
	/* setup only: the key to create when there is none */
	bool setup;
	const char *key_type;
	unsigned key_bits; /* -b, 0: keygen's default */
	struct passphrase_source passphrase;
	bool harden;              /* setup --harden */
	const char *config_alias; /* setup --config-alias NAME */
};

struct copy_setup {
	/* make a key at *path (NULL: the default place), setting *path and the passphrase */
	int (*create_key)(struct copy_options *o, char **path, char **ret_passphrase);
	/* --config-alias, and (text output) how to log in now; an exit status */
	int (*next_steps)(const struct copy_options *o, const struct local_key *key,
			  const struct copy_result *results);
	/* --harden: on the hosts where the key is proven; the exit status */
	int (*harden)(struct copy_options *o, struct local_key *keys, size_t n_keys,
		      const struct copy_result *results);
};

/* Parse the options, load the keys, work on every target, report; the exit status.
 * setup is NULL for copy. */
int copy_main(int argc, char **argv, const struct command *cmd, const struct copy_setup *setup);

#endif
