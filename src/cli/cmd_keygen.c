/* sshkeyctl keygen: a new key pair, written and announced exactly as ssh-keygen does. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/error.h"
#include "base/file_io.h"
#include "base/user_info.h"
#include "cli/commands.h"
#include "cli/key_output.h"
#include "cli/passphrase.h"
#include "keys/key_file.h"
#include "keys/keygen.h"
#include "keys/openssh_key_v1.h"

struct keygen_options {
	const char *type;
	unsigned bits;
	const char *file;
	const char *comment;
	struct passphrase_source passphrase;
	unsigned rounds;
	bool quiet;
	bool force;
};

static int parse_options(int argc, char **argv, struct keygen_options *o)
{
	enum { OPT_PASSPHRASE_FILE = 256, OPT_NO_PASSPHRASE, OPT_FORCE };
	static const struct option longopts[] = {
		{"passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE},
		{"no-passphrase", no_argument, NULL, OPT_NO_PASSPHRASE},
		{"force", no_argument, NULL, OPT_FORCE},
		{"type", required_argument, NULL, 't'},
		{"bits", required_argument, NULL, 'b'},
		{"file", required_argument, NULL, 'f'},
		{"comment", required_argument, NULL, 'C'},
		{"quiet", no_argument, NULL, 'q'},
		{"rounds", required_argument, NULL, 'a'},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	opterr = 0;
	*o = (struct keygen_options){.type = "ed25519", .rounds = OPENSSH_KEY_V1_DEFAULT_ROUNDS};
	while ((c = getopt_long(argc, argv, ":t:b:f:C:N:a:q", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			o->type = keygen_canonical_type(optarg);
			if (!o->type)
				return cli_usage_error(
					&command_keygen,
					"unknown key type '%s' (ed25519, rsa or ecdsa)", optarg);
			break;
		case 'b':
			if (parse_unsigned_option(optarg, 1, 1u << 20, &o->bits) < 0)
				return cli_usage_error(&command_keygen,
						       "invalid number of bits '%s'", optarg);
			break;
		case 'f':
			o->file = optarg;
			break;
		case 'C':
			o->comment = optarg;
			break;
		case 'N':
			o->passphrase.option = optarg;
			break;
		case 'a':
			if (parse_unsigned_option(optarg, 1, OPENSSH_KEY_V1_MAX_ROUNDS,
						  &o->rounds) < 0)
				return cli_usage_error(&command_keygen, "rounds must be 1..%u",
						       OPENSSH_KEY_V1_MAX_ROUNDS);
			break;
		case 'q':
			o->quiet = true;
			break;
		case OPT_PASSPHRASE_FILE:
			o->passphrase.file = optarg;
			break;
		case OPT_NO_PASSPHRASE:
			o->passphrase.none = true;
			break;
		case OPT_FORCE:
			o->force = true;
			break;
		case ':':
			return cli_usage_error(&command_keygen, "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return cli_usage_error(&command_keygen, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage_error(&command_keygen, "unexpected argument '%s'", argv[optind]);
	if (!!o->passphrase.option + !!o->passphrase.file + o->passphrase.none > 1)
		return cli_usage_error(
			&command_keygen,
			"give only one of -N, --passphrase-file and --no-passphrase");
	return EXIT_OK;
}

/* The size rules of OpenSSH 9.5+, with one line of reason when refused. */
int cli_key_bits_check(const char *type, unsigned bits)
{
	if (!strcmp(type, "rsa") && bits) {
		if (bits < KEYGEN_RSA_MIN_BITS) {
			cli_error("RSA keys must be at least %u bits: %u-bit keys are within reach "
				  "of attackers",
				  KEYGEN_RSA_MIN_BITS, bits);
			return EXIT_USAGE;
		}
		if (bits > KEYGEN_RSA_MAX_BITS) {
			cli_error("RSA keys can be at most %u bits: larger keys are refused by "
				  "OpenSSH",
				  KEYGEN_RSA_MAX_BITS);
			return EXIT_USAGE;
		}
	}
	if (!strcmp(type, "ecdsa") && bits && bits != 256 && bits != 384 && bits != 521) {
		cli_error("ECDSA keys must be 256, 384 or 521 bits");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* Default path ~/.ssh/id_TYPE under the passwd home, creating ~/.ssh (0700) when the key
 * goes there, as ssh-keygen does. */
static int resolve_path(const struct keygen_options *o, char **ret_path)
{
	char *path = NULL, *ssh_dir = NULL;
	char name[32];
	int r;
	snprintf(name, sizeof(name), "id_%s", o->type);
	if (o->file)
		path = strdup(o->file);
	else if ((r = user_ssh_path(name, &path)) < 0) {
		cli_error("cannot find your home directory: %s", error_to_string(r));
		return EXIT_FAIL;
	}
	if (!path || (r = user_ssh_dir(&ssh_dir)) < 0) {
		free(path);
		cli_error("out of memory");
		return EXIT_FAIL;
	}
	char *copy = strdup(path);
	bool under_ssh_dir = copy && strcmp(dirname(copy), ssh_dir) == 0;
	free(copy);
	if (under_ssh_dir) {
		bool created;
		if ((r = ensure_directory(ssh_dir, 0700, &created)) < 0) {
			cli_error("cannot create %s: %s", ssh_dir, error_to_string(r));
			free(ssh_dir);
			free(path);
			return EXIT_FAIL;
		}
		if (created && !o->quiet)
			printf("Created directory '%s'.\n", ssh_dir);
	}
	free(ssh_dir);
	*ret_path = path;
	return EXIT_OK;
}

/* An existing key is replaced only with --force or a yes at the terminal. */
static int confirm_overwrite(const struct keygen_options *o, const char *path, bool *ret_replace)
{
	struct stat st;
	*ret_replace = false;
	if (lstat(path, &st) < 0)
		return EXIT_OK;
	if (S_ISLNK(st.st_mode)) {
		cli_error("%s is a symbolic link; refusing to write a key through it", path);
		return EXIT_FAIL;
	}
	if (o->force) {
		*ret_replace = true;
		return EXIT_OK;
	}
	if (!terminal_available()) {
		cli_error("%s already exists (use --force to replace it)", path);
		return EXIT_FAIL;
	}
	printf("%s already exists.\n", path);
	fflush(stdout);
	bool yes = false;
	if (terminal_confirm("Overwrite (y/n)? ", &yes) < 0 || !yes)
		return EXIT_FAIL;
	*ret_replace = true;
	return EXIT_OK;
}

static int run_keygen(int argc, char **argv)
{
	struct keygen_options o;
	struct privkey *key = NULL;
	char *path = NULL, *comment = NULL, *passphrase = NULL;
	bool replace;
	int status, r;

	if ((status = parse_options(argc, argv, &o)) != EXIT_OK ||
	    (status = cli_key_bits_check(o.type, o.bits)) != EXIT_OK)
		return status;
	if (!o.quiet) {
		printf("Generating public/private %s key pair.\n", o.type);
		fflush(stdout);
	}
	if ((status = resolve_path(&o, &path)) != EXIT_OK)
		goto out;
	if ((status = confirm_overwrite(&o, path, &replace)) != EXIT_OK)
		goto out;
	if (!o.comment && (r = user_default_comment(&comment)) < 0) {
		cli_error("cannot make the default comment: %s", error_to_string(r));
		status = EXIT_FAIL;
		goto out;
	}
	fflush(stdout);
	r = passphrase_for_new_key(&o.passphrase,
				   "Enter passphrase (empty for no passphrase): ", &passphrase);
	if (r < 0) {
		if (r == -ENXIO)
			cli_error("no terminal to ask for a passphrase: use --passphrase-file "
				  "FILE, -N PASSPHRASE or --no-passphrase");
		else
			cli_error("cannot read the passphrase: %s", error_to_string(r));
		status = EXIT_PASSPHRASE;
		goto out;
	}
	if ((r = keygen_generate(o.type, o.bits, o.comment ? o.comment : comment, &key)) < 0) {
		cli_error("key generation failed: %s", error_to_string(r));
		status = EXIT_FAIL;
		goto out;
	}
	if ((r = key_pair_save(path, key, passphrase, o.rounds, replace ? KEY_PAIR_REPLACE : 0)) <
	    0) {
		if (r == -EEXIST)
			cli_error("%s already exists (use --force to replace it)", path);
		else if (r == -ELOOP)
			cli_error("%s: is a symbolic link; refusing to write a key through it",
				  path);
		else
			cli_error("saving key \"%s\" failed: %s", path, error_to_string(r));
		status = EXIT_FAIL;
		goto out;
	}
	if (!o.quiet) {
		printf("Your identification has been saved in %s\n", path);
		printf("Your public key has been saved in %s.pub\n", path);
		printf("The key fingerprint is:\n");
		print_fingerprint_short(stdout, key->pub, key->comment);
		printf("The key's randomart image is:\n");
		print_randomart(stdout, key->pub, FINGERPRINT_SHA256);
	}
	status = EXIT_OK;
out:
	privkey_free(key);
	secret_string_free(passphrase);
	free(comment);
	free(path);
	return status;
}

const struct command command_keygen = {
	.name = "keygen",
	.summary = "Create a new key pair, as ssh-keygen does.",
	.usage = "sshkeyctl keygen [-t ed25519|rsa|ecdsa] [-b BITS] [-f FILE] [-C COMMENT]\n"
		 "                        [-N PASSPHRASE | --passphrase-file FILE | "
		 "--no-passphrase]\n"
		 "                        [-a ROUNDS] [-q] [--force]",
	.help = "  -t TYPE                 ed25519 (default), rsa or ecdsa\n"
		"  -b BITS                 rsa: 2048..16384 (default 3072); ecdsa: 256 (default), "
		"384, 521\n"
		"  -f FILE                 private key file (default ~/.ssh/id_TYPE); FILE.pub "
		"gets the public key\n"
		"  -C COMMENT              comment (default user@hostname)\n"
		"  -N PASSPHRASE           passphrase (for ssh-keygen compatibility; visible to "
		"other users)\n"
		"  --passphrase-file FILE  read the passphrase from the first line of FILE ('-': "
		"stdin)\n"
		"  --no-passphrase         no passphrase (same as -N '')\n"
		"  -a ROUNDS               bcrypt_pbkdf rounds for the passphrase (default 24)\n"
		"  -q                      print nothing but errors\n"
		"  --force                 replace an existing key without asking\n"
		"\nOn a terminal the passphrase is asked twice without echo. The private key is "
		"written\n"
		"in openssh-key-v1 format with mode 0600 (aes256-ctr + bcrypt_pbkdf when "
		"protected),\n"
		"atomically; an existing key is never replaced without --force or a typed yes.\n",
	.run = run_keygen,
};
