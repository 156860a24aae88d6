/* sshkeyctl setup: the tutorial in one command: a key when there is none, installed with
 * proof as copy does, then how to log in. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/error.h"
#include "base/file_io.h"
#include "base/user_info.h"
#include "files/ssh_config.h"
#include "cli/commands.h"
#include "cli/copy_main.h"
#include "cli/harden_main.h"
#include "keys/keygen.h"
#include "keys/openssh_key_v1.h"
#include "keys/key_file.h"

/* setup: no key yet, so make one where copy would have looked (or at -i FILE), with
 * keygen's defaults and prompts. */
static int create_key(struct copy_options *o, char **path, char **ret_passphrase)
{
	const char *type = o->key_type ? o->key_type : "ed25519";
	char name[32], *comment = NULL, *passphrase = NULL;
	struct privkey *key = NULL;
	int r;
	snprintf(name, sizeof(name), "id_%s", type);
	if (!*path && (r = user_ssh_path(name, path)) < 0)
		return r;
	char *dir = strdup(*path);
	if (!dir)
		return -ENOMEM;
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		ensure_directory(dir, 0700, NULL);
	}
	free(dir);
	/* with --json, stdout carries only JSON */
	FILE *say = o->fleet.json ? stderr : stdout;
	fprintf(say, "No key yet: creating %s (%s).\n", *path, type);
	if (!o->passphrase.file && !o->passphrase.none)
		fprintf(say, "A passphrase protects the key if the file is ever copied; you can "
			     "type one now.\n");
	fflush(say);
	r = passphrase_for_new_key(&o->passphrase,
				   "Enter passphrase (empty for no passphrase): ", &passphrase);
	if (r == -ENXIO) {
		cli_error("no terminal to ask for a passphrase: use --passphrase-file FILE or "
			  "--no-passphrase");
		return ERR_PASSPHRASE_NEEDED;
	}
	if (r == 0)
		r = user_default_comment(&comment);
	if (r == 0)
		r = keygen_generate(type, o->key_bits, comment, &key);
	if (r == 0)
		r = key_pair_save(*path, key, passphrase, OPENSSH_KEY_V1_DEFAULT_ROUNDS, 0);
	if (r == 0)
		fprintf(say,
			"Your identification has been saved in %s\nYour public key has been saved "
			"in %s.pub\n",
			*path, *path);
	else
		cli_error("cannot create %s: %s", *path, error_to_string(r));
	privkey_free(key);
	free(comment);
	/* kept to open the new key for the proof */
	if (r == 0)
		*ret_passphrase = passphrase;
	else
		secret_string_free(passphrase);
	return r;
}

/* After setup: how to log in now, in plain words. */
/* The private key's file: the path the key was named by, without .pub. */
static char *private_key_path(const struct local_key *key)
{
	size_t n = key->path ? strlen(key->path) : 0;
	if (n > 4 && !strcmp(key->path + n - 4, ".pub"))
		return strndup(key->path, n - 4);
	return key->path ? strdup(key->path) : NULL;
}

/* --config-alias NAME: a Host entry in ~/.ssh/config (or the -F file, which ssh reads
 * instead), so that `ssh NAME` logs in with this key; the file replaced atomically, every
 * other byte kept. */
static int write_config_alias(const struct copy_options *o, const struct local_key *key)
{
	const struct target *t = &o->fleet.targets.items[0];
	char *path = NULL, *dir = NULL, *identity = private_key_path(key), port[16];
	struct dynbuf old, out;
	struct stat st;
	dynbuf_init(&old, SSH_CONFIG_FILE_MAX);
	dynbuf_init(&out, SSH_CONFIG_FILE_MAX + 64 * 1024);
	const char *user = t->user ? t->user : o->fleet.connect.login_user;
	unsigned p = t->port ? t->port : o->fleet.connect.port;
	snprintf(port, sizeof(port), "%u", p);
	struct ssh_config_setting settings[5];
	size_t n = 0;
	settings[n++] = (struct ssh_config_setting){"HostName", t->host};
	if (user)
		settings[n++] = (struct ssh_config_setting){"User", user};
	if (p && p != 22)
		settings[n++] = (struct ssh_config_setting){"Port", port};
	if (identity) {
		settings[n++] = (struct ssh_config_setting){"IdentityFile", identity};
		settings[n++] = (struct ssh_config_setting){"IdentitiesOnly", "yes"};
	}
	int r = o->fleet.connect.config_file
			? ((path = strdup(o->fleet.connect.config_file)) ? 0 : -ENOMEM)
			: user_ssh_path("config", &path);
	if (r == 0 && !o->fleet.connect.config_file && user_ssh_dir(&dir) == 0)
		r = ensure_directory(dir, 0700, NULL);
	if (r == 0) {
		r = read_file(path, READ_FILE_REGULAR, &old);
		if (r == -ENOENT)
			r = 0;
	}
	if (r == 0)
		r = ssh_config_add_host(old.len ? (const char *)old.data : "", old.len,
					o->config_alias, settings, n, &out);
	/* the file's mode kept; a new one 0600, as ssh wants it */
	mode_t mode = path && stat(path, &st) == 0 ? st.st_mode & 07777 : 0600;
	if (r == 0)
		r = write_file_atomic(path, out.data, out.len, mode, 0);
	if (r == -EEXIST)
		cli_error("--config-alias %s: %s already has a Host entry for it; nothing changed",
			  o->config_alias, path);
	else if (r < 0)
		cli_error("--config-alias %s: %s: %s", o->config_alias,
			  path ? path : "~/.ssh/config", error_to_string(r));
	else if (!o->fleet.json)
		printf("\nAdded 'Host %s' to %s: 'ssh %s' logs in with this key.\n",
		       o->config_alias, path, o->config_alias);
	dynbuf_free(&old);
	dynbuf_free(&out);
	free(path);
	free(dir);
	free(identity);
	return r < 0 ? EXIT_WARN : EXIT_OK;
}

static int print_next_steps(const struct copy_options *o, const struct local_key *key,
			    const struct copy_result *results)
{
	int status = EXIT_OK;
	if (o->config_alias &&
	    (results[0].outcome == COPY_INSTALLED || results[0].outcome == COPY_PRESENT))
		status = write_config_alias(o, key);
	if (o->fleet.json)
		return status;
	char *def = NULL;
	bool default_key =
		user_default_identity(false, &def) == 0 && key->path && !strcmp(def, key->path);
	free(def);
	bool any = false;
	for (size_t i = 0; i < o->fleet.targets.n; i++) {
		if (results[i].outcome != COPY_INSTALLED && results[i].outcome != COPY_PRESENT)
			continue;
		const struct target *t = &o->fleet.targets.items[i];
		if (!any)
			printf("\nNext: log in with your key, no password needed:\n");
		any = true;
		const char *user = t->user ? t->user : o->fleet.connect.login_user;
		unsigned port = t->port ? t->port : o->fleet.connect.port;
		printf("  ssh%s%s", default_key ? "" : " -i ", default_key ? "" : key->path);
		if (port && port != 22)
			printf(" -p %u", port);
		printf(" %s%s%s\n", user ? user : "", user ? "@" : "", t->host);
	}
	/* an encrypted key asks its passphrase at every login unless an agent holds it */
	if (any && (key->encrypted || key->in_agent)) {
		char *priv = private_key_path(key);
		printf("Your key has a passphrase: ssh-agent can hold it for a while, so that "
		       "ssh asks it once:\n  ssh-add -t 1h %s\n",
		       priv ? priv : key->path);
		free(priv);
	}
	if (any && !o->harden)
		printf("Password login is still on; 'sshkeyctl harden' will turn it off once you "
		       "are sure.\n");
	return status;
}

/* --harden: password login off where the key is proven, as 'sshkeyctl harden' does with
 * its defaults (sudo's password is the login password, asked once). */
static int harden_after_setup(struct copy_options *o, struct local_key *keys, size_t n_keys,
			      const struct copy_result *results)
{
	size_t n = o->fleet.targets.n;
	bool *proven = calloc(n ? n : 1, sizeof(*proven));
	if (!proven)
		return EXIT_FAIL;
	for (size_t i = 0; i < n; i++)
		proven[i] =
			results[i].outcome == COPY_INSTALLED || results[i].outcome == COPY_PRESENT;
	struct harden_request req = {.keys = keys,
				     .n_keys = n_keys,
				     .connect = &o->fleet.connect,
				     .confirm_timeout = HARDEN_DEFAULT_CONFIRM_TIMEOUT,
				     .password = &o->fleet.password_source};
	if (!o->fleet.json)
		printf("\nTurning password login off where the key is proven:\n");
	fflush(stdout);
	int status = harden_fleet(&o->fleet, &req, proven, NULL);
	free(proven);
	return status;
}

static int run_setup(int argc, char **argv)
{
	static const struct copy_setup steps = {create_key, print_next_steps, harden_after_setup};
	return copy_main(argc, argv, &command_setup, &steps);
}

const struct command command_setup = {
	.name = "setup",
	.summary = "The whole tutorial: create a key if needed, install it, prove key login.",
	.usage = "sshkeyctl setup [-t TYPE] [-b BITS] [-i KEY] [--passphrase-file FILE | "
		 "--no-passphrase]\n"
		 "                       [--harden] [--config-alias NAME] [copy's connection and "
		 "fleet options] TARGET...",
	.help = "  -t TYPE                 type of the key to create when there is none (default "
		"ed25519)\n"
		"  -b BITS                 its size, as keygen -b (RSA 3072 by default; the "
		"tutorials' 4096)\n"
		"  -i KEY                  the key to use, created there when missing\n"
		"  --passphrase-file FILE  passphrase for a new key (first line of FILE)\n"
		"  --no-passphrase         a new key without passphrase\n"
		"  --harden                then turn password login off where the key is proven,\n"
		"                          as 'sshkeyctl harden' does\n"
		"  --config-alias NAME     add 'Host NAME' to ~/.ssh/config (the -F file when one\n"
		"                          is given) with this host, user, port and key, so that\n"
		"                          'ssh NAME' logs in; nothing else in the file changes\n"
		"  and every option of 'sshkeyctl copy'.\n"
		"\nWithout a key (~/.ssh/id_ed25519, id_ecdsa, id_rsa, or -i KEY), one is created "
		"with\n"
		"keygen's defaults, the passphrase asked on the terminal. Then the key is "
		"installed as\n"
		"'sshkeyctl copy' does, proven by a key login, and the way to log in is shown.\n",
	.run = run_setup,
};
