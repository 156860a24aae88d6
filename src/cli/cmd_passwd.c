/* sshkeyctl passwd: add, change or remove a private key's passphrase (ssh-keygen -p). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/error.h"
#include "base/file_io.h"
#include "base/user_info.h"
#include "cli/commands.h"
#include "cli/passphrase.h"
#include "keys/key_file.h"
#include "keys/openssh_key_v1.h"

struct passwd_options {
	const char *file;
	struct passphrase_source old_passphrase;
	struct passphrase_source new_passphrase;
	unsigned rounds;
	bool quiet;
};

static int parse_options(int argc, char **argv, struct passwd_options *o)
{
	enum { OPT_OLD_FILE = 256, OPT_NEW_FILE, OPT_NO_PASSPHRASE };
	static const struct option longopts[] = {
		{"old-passphrase-file", required_argument, NULL, OPT_OLD_FILE},
		{"passphrase-file", required_argument, NULL, OPT_NEW_FILE},
		{"new-passphrase-file", required_argument, NULL, OPT_NEW_FILE},
		{"no-passphrase", no_argument, NULL, OPT_NO_PASSPHRASE},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	opterr = 0;
	*o = (struct passwd_options){.rounds = OPENSSH_KEY_V1_DEFAULT_ROUNDS};
	while ((c = getopt_long(argc, argv, ":f:P:N:a:q", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->file = optarg;
			break;
		case 'P':
			o->old_passphrase.option = optarg;
			break;
		case 'N':
			o->new_passphrase.option = optarg;
			break;
		case 'a':
			if (parse_unsigned_option(optarg, 1, OPENSSH_KEY_V1_MAX_ROUNDS,
						  &o->rounds) < 0)
				return cli_usage_error(&command_passwd, "rounds must be 1..%u",
						       OPENSSH_KEY_V1_MAX_ROUNDS);
			break;
		case 'q':
			o->quiet = true;
			break;
		case OPT_OLD_FILE:
			o->old_passphrase.file = optarg;
			break;
		case OPT_NEW_FILE:
			o->new_passphrase.file = optarg;
			break;
		case OPT_NO_PASSPHRASE:
			o->new_passphrase.none = true;
			break;
		case ':':
			return cli_usage_error(&command_passwd, "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return cli_usage_error(&command_passwd, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind < argc && !o->file)
		o->file = argv[optind++];
	if (optind != argc)
		return cli_usage_error(&command_passwd, "unexpected argument '%s'", argv[optind]);
	if (!!o->new_passphrase.option + !!o->new_passphrase.file + o->new_passphrase.none > 1)
		return cli_usage_error(
			&command_passwd,
			"give only one of -N, --passphrase-file and --no-passphrase");
	if (o->old_passphrase.option && o->old_passphrase.file)
		return cli_usage_error(&command_passwd,
				       "give only one of -P and --old-passphrase-file");
	return EXIT_OK;
}

static int run_passwd(int argc, char **argv)
{
	struct passwd_options o;
	struct dynbuf data, out;
	struct privkey *key = NULL;
	char *path = NULL, *old_pass = NULL, *new_pass = NULL;
	int status, r;

	if ((status = parse_options(argc, argv, &o)) != EXIT_OK)
		return status;
	dynbuf_init(&data, KEY_FILE_MAX);
	dynbuf_init(&out, KEY_FILE_MAX);
	status = EXIT_FAIL;
	if (o.file)
		path = strdup(o.file);
	else if (user_default_identity(false, &path) < 0) {
		cli_error("no key found in ~/.ssh (id_ed25519, id_ecdsa, id_rsa); name one with -f "
			  "FILE");
		goto out;
	}
	if (!path)
		goto out;
	if ((r = read_file(path, READ_FILE_NOFOLLOW | READ_FILE_REGULAR, &data)) < 0) {
		cli_error("%s: %s", path,
			  r == -ELOOP ? "is a symbolic link; refusing to rewrite it"
				      : error_to_string(r));
		goto out;
	}
	r = private_key_read(data.data, data.len, NULL, &key);
	if (r == ERR_PASSPHRASE_NEEDED) {
		r = passphrase_for_existing_key(&o.old_passphrase,
						"Enter old passphrase: ", &old_pass);
		if (r == -ENXIO)
			r = ERR_PASSPHRASE_NEEDED;
		if (r == 0)
			r = private_key_read(data.data, data.len, old_pass, &key);
	}
	if (r < 0) {
		cli_error("Failed to load key %s: %s", path, error_to_string(r));
		status = exit_status_for_error(r);
		goto out;
	}
	if (!o.quiet)
		printf("Key has comment '%s'\n", key->comment);
	fflush(stdout);
	r = passphrase_for_new_key(&o.new_passphrase,
				   "Enter new passphrase (empty for no passphrase): ", &new_pass);
	if (r < 0) {
		if (r == -ENXIO)
			cli_error("no terminal to ask for the new passphrase: use "
				  "--passphrase-file FILE, -N PASSPHRASE or --no-passphrase");
		else
			cli_error("cannot read the new passphrase: %s", error_to_string(r));
		status = EXIT_PASSPHRASE;
		goto out;
	}
	if ((r = openssh_key_v1_write(key, new_pass, o.rounds, &out)) < 0 ||
	    (r = write_file_atomic(path, out.data, out.len, 0600, 0)) < 0) {
		cli_error("saving key \"%s\" failed: %s", path, error_to_string(r));
		goto out;
	}
	if (!o.quiet)
		printf("Your identification has been saved with the new passphrase.\n");
	status = EXIT_OK;
out:
	privkey_free(key);
	secret_string_free(old_pass);
	secret_string_free(new_pass);
	dynbuf_free(&data);
	dynbuf_free(&out);
	free(path);
	return status;
}

const struct command command_passwd = {
	.name = "passwd",
	.summary = "Add, change or remove a private key's passphrase (ssh-keygen -p).",
	.usage = "sshkeyctl passwd [-f FILE] [-P OLD | --old-passphrase-file FILE]\n"
		 "                        [-N NEW | --passphrase-file FILE | --no-passphrase] [-a "
		 "ROUNDS] [-q]",
	.help = "  -f FILE                    the private key (default: first of "
		"~/.ssh/id_ed25519,\n"
		"                             id_ecdsa, id_rsa)\n"
		"  -P OLD                     current passphrase (ssh-keygen compatibility)\n"
		"  --old-passphrase-file FILE read the current passphrase from FILE\n"
		"  -N NEW                     new passphrase (ssh-keygen compatibility)\n"
		"  --passphrase-file FILE     read the new passphrase from FILE ('-': stdin)\n"
		"  --no-passphrase            remove the passphrase\n"
		"  -a ROUNDS                  bcrypt_pbkdf rounds (default 24)\n"
		"  -q                         print nothing but errors\n"
		"\nPassphrases not given are asked on the terminal. The key is rewritten "
		"atomically in\n"
		"openssh-key-v1 format, mode 0600; a wrong old passphrase changes nothing (exit "
		"4).\n",
	.run = run_passwd,
};
