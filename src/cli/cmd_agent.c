/* sshkeyctl agent: keys into ssh-agent with lifetimes (ssh-add -t, -c), the keys it holds
 * (ssh-add -l, -L), taking them out (-d, -D), locking it (-x, -X). */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/file_io.h"
#include "base/number.h"
#include "cli/commands.h"
#include "cli/passphrase.h"
#include "files/public_key_file.h"
#include "keys/fingerprint.h"
#include "keys/key_file.h"
#include "keys/privkey.h"
#include "remote/agent.h"

#define AGENT_LINE_MAX (1024 * 1024)

static void agent_failed(const char *what, int r)
{
	const char *sock = getenv("SSH_AUTH_SOCK");
	if (r == -ENOENT && !sock)
		cli_error("no ssh-agent here (SSH_AUTH_SOCK is not set)");
	else if (r == ERR_AGENT_REFUSED)
		cli_error("%s: ssh-agent does not hold it", what);
	else
		cli_error("%s: cannot ask ssh-agent (%s): %s", what, sock ? sock : "",
			  error_to_string(r));
}

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
		agent_failed("list", r);
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

/* KEY-cert.pub for KEY or KEY.pub (where ssh-keygen -s puts a key's certificate); NULL when
 * memory runs out */
static char *cert_path_of(const char *path)
{
	size_t len = strlen(path);
	char *cert;
	if (len > 4 && !strcmp(path + len - 4, ".pub"))
		len -= 4;
	return asprintf(&cert, "%.*s-cert.pub", (int)len, path) < 0 ? NULL : cert;
}

/* KEY: a public key file, or a private key's path (its .pub beside it); its certificate
 * (KEY-cert.pub) goes with it when the agent holds that too, as ssh-add -d does. */
static int remove_key_file(const char *path)
{
	struct pubkey *key = NULL;
	char *comment = NULL, *pub = NULL, *cert = NULL;
	size_t len = strlen(path);
	bool is_pub = len > 4 && !strcmp(path + len - 4, ".pub");
	int r = 0;
	if (!is_pub && asprintf(&pub, "%s.pub", path) < 0) {
		pub = NULL; /* undefined after a failure */
		r = -ENOMEM;
	}
	if (r == 0)
		r = public_key_file_read(is_pub ? path : pub, &key, &comment);
	if (r < 0) {
		cli_error("%s: %s", is_pub ? path : pub, error_to_string(r));
		goto out;
	}
	if ((r = agent_remove_identity(NULL, key)) < 0) {
		agent_failed(path, r);
		goto out;
	}
	printf("removed from ssh-agent: %s (%s)\n", path, comment ? comment : "no comment");
	struct pubkey *cert_key = NULL;
	char *cert_comment = NULL;
	if ((cert = cert_path_of(path)) &&
	    public_key_file_read(cert, &cert_key, &cert_comment) == 0 &&
	    agent_remove_identity(NULL, cert_key) == 0)
		printf("removed from ssh-agent: %s\n", cert);
	pubkey_free(cert_key);
	free(cert_comment);
out:
	pubkey_free(key);
	free(comment);
	free(pub);
	free(cert);
	return r;
}

static int agent_remove(int argc, char **argv, bool all)
{
	if (all) {
		if (argc != 1)
			return cli_usage_error(&command_agent,
					       "agent remove-all takes no arguments");
		int r = agent_remove_all(NULL);
		if (r < 0) {
			agent_failed("remove-all", r);
			return EXIT_FAIL;
		}
		printf("every key removed from ssh-agent\n");
		return EXIT_OK;
	}
	if (argc < 2)
		return cli_usage_error(&command_agent, "agent remove: which key?");
	int status = EXIT_OK;
	for (int i = 1; i < argc; i++)
		if (remove_key_file(argv[i]) < 0)
			status = EXIT_FAIL;
	return status;
}

#define ADD_PASSPHRASE_TRIES 3

/* --passphrase-file, the one long option of add, lock and unlock */
enum { OPT_PASSPHRASE_FILE = 256 };
static const struct option passphrase_file_option[] = {
	{"passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE},
	{NULL, 0, NULL, 0},
};

struct add_options {
	unsigned long lifetime; /* seconds; 0: for ever */
	bool confirm;
	struct passphrase_source passphrase;
	char *last_passphrase; /* the one that opened the previous key: tried first */
};

/* Open the private key at path: without a passphrase, with the last one that worked, then
 * asked (ADD_PASSPHRASE_TRIES times at most; once from a file). */
static int open_private_key(const char *path, struct add_options *o, struct privkey **ret)
{
	struct dynbuf data;
	dynbuf_init(&data, KEY_FILE_MAX);
	int r = read_file(path, READ_FILE_REGULAR, &data);
	if (r == 0)
		r = private_key_read(data.data, data.len, NULL, ret);
	if (r == ERR_PASSPHRASE_NEEDED && o->last_passphrase)
		r = private_key_read(data.data, data.len, o->last_passphrase, ret);
	for (int tries = 0; (r == ERR_PASSPHRASE_NEEDED || r == ERR_PASSPHRASE_WRONG) &&
			    tries < ADD_PASSPHRASE_TRIES;
	     tries++) {
		char prompt[4200], *passphrase = NULL;
		snprintf(prompt, sizeof(prompt), "%sassphrase for %s: ",
			 r == ERR_PASSPHRASE_WRONG && tries ? "Wrong passphrase. P" : "P", path);
		int q = passphrase_for_existing_key(&o->passphrase, prompt, &passphrase);
		if (q < 0)
			break; /* no way to ask: r says why */
		r = private_key_read(data.data, data.len, passphrase, ret);
		if (r == 0) {
			secret_string_free(o->last_passphrase);
			o->last_passphrase = passphrase;
		} else {
			secret_string_free(passphrase);
		}
		if (o->passphrase.file || o->passphrase.option)
			break; /* the same answer would come again */
	}
	dynbuf_free(&data);
	return r;
}

static void print_added(const char *path, const char *comment, const struct add_options *o)
{
	printf("added to ssh-agent: %s (%s)", path, comment);
	if (o->lifetime)
		printf(", for %lu seconds", o->lifetime);
	if (o->confirm)
		printf(", each use confirmed");
	printf("\n");
}

static int add_key(const char *path, struct add_options *o)
{
	struct privkey *key = NULL;
	int r = open_private_key(path, o, &key);
	if (r < 0) {
		cli_error("%s: %s", path, error_to_string(r));
		return r;
	}
	/* as ssh-add: a key without a comment goes in under its file's name, and its
	 * certificate beside it (KEY-cert.pub) goes in too, with the same comment */
	const char *comment = key->comment[0] ? key->comment : path;
	r = agent_add_identity(NULL, key->fields, key->fields_len, comment, (uint32_t)o->lifetime,
			       o->confirm);
	if (r == 0)
		print_added(path, comment, o);
	char *cert_path = NULL;
	struct pubkey *cert = NULL;
	char *cert_comment = NULL;
	struct dynbuf fields;
	dynbuf_init(&fields, KEY_FILE_MAX);
	if (r == 0 && !(cert_path = cert_path_of(path)))
		r = -ENOMEM;
	if (r == 0 && public_key_file_read(cert_path, &cert, &cert_comment) == 0) {
		r = privkey_cert_fields(key, cert, &fields);
		if (r < 0)
			cli_error("%s: %s", cert_path, error_to_string(r));
		else if ((r = agent_add_identity(NULL, fields.data, fields.len, comment,
						 (uint32_t)o->lifetime, o->confirm)) == 0)
			print_added(cert_path, comment, o);
		path = cert_path;
	}
	if (r == ERR_AGENT_REFUSED)
		cli_error("%s: ssh-agent refused the key", path);
	else if (r < 0 && r != ERR_KEY_MISMATCH && r != ERR_KEY_TYPE_UNSUPPORTED)
		agent_failed(path, r);
	dynbuf_free(&fields);
	pubkey_free(cert);
	free(cert_comment);
	free(cert_path);
	privkey_free(key);
	return r;
}

static int agent_add(int argc, char **argv)
{
	struct add_options o = {0};
	int c, status = EXIT_OK;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:c", passphrase_file_option, NULL)) != -1) {
		switch (c) {
		case 't':
			/* the agent's field is 32 bits */
			if (duration_parse(optarg, UINT32_MAX, &o.lifetime) < 0 || o.lifetime == 0)
				return cli_usage_error(&command_agent,
						       "-t: '%s' is no lifetime (seconds, or "
						       "as 30m, 1h, 2d, 1w)",
						       optarg);
			break;
		case 'c':
			o.confirm = true;
			break;
		case OPT_PASSPHRASE_FILE:
			o.passphrase.file = optarg;
			break;
		default:
			return cli_usage_error(&command_agent, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind == argc)
		return cli_usage_error(&command_agent, "agent add: which key?");
	/* before any passphrase is asked */
	if (!getenv("SSH_AUTH_SOCK")) {
		agent_failed("add", -ENOENT);
		return EXIT_FAIL;
	}
	for (int i = optind; i < argc; i++) {
		int r = add_key(argv[i], &o);
		if (r < 0 && status == EXIT_OK)
			status = r == ERR_PASSPHRASE_WRONG || r == ERR_PASSPHRASE_NEEDED
					 ? EXIT_PASSPHRASE
					 : EXIT_FAIL;
	}
	secret_string_free(o.last_passphrase);
	return status;
}

/* agent lock / unlock [--passphrase-file FILE]: the password asked twice to lock (as
 * ssh-add -x), once to unlock */
static int agent_lock_unlock(int argc, char **argv, bool lock)
{
	struct passphrase_source src = {0};
	char *password = NULL;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", passphrase_file_option, NULL)) != -1) {
		if (c != OPT_PASSPHRASE_FILE)
			return cli_usage_error(&command_agent, "unknown option '%s'",
					       argv[optind - 1]);
		src.file = optarg;
	}
	if (optind != argc)
		return cli_usage_error(&command_agent, "agent %s takes no key",
				       lock ? "lock" : "unlock");
	int r = lock ? passphrase_for_new_key(&src, "Lock password: ", &password)
		     : passphrase_for_existing_key(&src, "Unlock password: ", &password);
	if (r < 0) {
		cli_error("no password (--passphrase-file FILE, or a terminal): %s",
			  error_to_string(r));
		return EXIT_PASSPHRASE;
	}
	r = agent_lock(NULL, password, lock);
	secret_string_free(password);
	if (r == ERR_AGENT_REFUSED) {
		cli_error(lock ? "ssh-agent refused to lock (it is locked already)"
			       : "ssh-agent refused to unlock (not locked, or another password)");
		return EXIT_FAIL;
	}
	if (r < 0) {
		agent_failed(lock ? "lock" : "unlock", r);
		return EXIT_FAIL;
	}
	printf(lock ? "ssh-agent locked: it lists and signs nothing until unlocked\n"
		    : "ssh-agent unlocked\n");
	return EXIT_OK;
}

static int run_agent(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "lock") || !strcmp(argv[1], "unlock")))
		return agent_lock_unlock(argc - 1, argv + 1, !strcmp(argv[1], "lock"));
	if (argc >= 2 && !strcmp(argv[1], "add"))
		return agent_add(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "list"))
		return agent_list(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "remove"))
		return agent_remove(argc - 1, argv + 1, false);
	if (argc >= 2 && !strcmp(argv[1], "remove-all"))
		return agent_remove(argc - 1, argv + 1, true);
	return cli_usage_error(&command_agent,
			       "the subcommands are add, list, remove, remove-all, lock, unlock");
}

const struct command command_agent = {
	.name = "agent",
	.summary = "Keys in ssh-agent: add with a lifetime, list, remove, lock (ssh-add).",
	.usage = "sshkeyctl agent add [-t LIFETIME] [-c] [--passphrase-file FILE] KEY...\n"
		 "       sshkeyctl agent list [-l] [-E sha256|md5]\n"
		 "       sshkeyctl agent remove KEY...\n"
		 "       sshkeyctl agent remove-all\n"
		 "       sshkeyctl agent lock|unlock [--passphrase-file FILE]",
	.help = "  -t LIFETIME             add: the agent forgets the key after it (seconds, or "
		"30m,\n"
		"                          1h, 2d, 1w: as ssh-add -t)\n"
		"  -c                      add: each use of the key is confirmed (ssh-askpass)\n"
		"  --passphrase-file FILE  add: the keys' passphrase, its first line (else asked "
		"once,\n"
		"                          and again only for a key it does not open); lock, "
		"unlock:\n"
		"                          the agent's password\n"
		"  -l                      fingerprints, as ssh-add -l prints them; without -l "
		"the\n"
		"                          public key lines, as ssh-add -L\n"
		"  -E HASH                 the fingerprint's hash: sha256 (default) or md5\n"
		"  KEY                     add: a private key, in any format show reads; remove: "
		"a\n"
		"                          public key file, or a private key's path (its .pub);\n"
		"                          its certificate (KEY-cert.pub) goes too, as with "
		"ssh-add -d\n"
		"\nThe agent is the one SSH_AUTH_SOCK names. Exit status 0 done; 1 when the agent\n"
		"holds no keys to list (\"The agent has no identities.\", as ssh-add), does not "
		"hold\n"
		"the key to remove, or cannot be reached.\n",
	.run = run_agent,
};
