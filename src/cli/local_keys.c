#include "cli/local_keys.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/file_io.h"
#include "base/user_info.h"
#include "cli/commands.h"
#include "cli/fleet_options.h"
#include "fleet/pool.h"
#include "remote/openssh_client.h"
#include "cli/passphrase.h"
#include "files/public_key_file.h"
#include "keys/key_file.h"
#include "remote/agent.h"

void local_key_clear(struct local_key *k)
{
	pubkey_free(k->pub);
	privkey_free(k->priv);
	free(k->comment);
	free(k->path);
}

/* Does ssh-agent ($SSH_AUTH_SOCK) hold the key of this .pub file? */
static bool agent_holds_key_file(const char *pub_path)
{
	struct pubkey *pub = NULL;
	char *comment = NULL;
	struct agent_identities ids = {0};
	bool held = false;
	if (public_key_file_read(pub_path, &pub, &comment) == 0 &&
	    agent_list_identities(NULL, &ids) == 0)
		for (size_t i = 0; i < ids.n && !held; i++)
			held = ids.items[i].key && pubkey_equal(ids.items[i].key, pub);
	agent_identities_clear(&ids);
	pubkey_free(pub);
	free(comment);
	return held;
}

int local_key_load(const char *path, const char *passphrase, struct local_key *k)
{
	char *priv_path = NULL, *pub_path = NULL;
	size_t n = strlen(path);
	int r;
	memset(k, 0, sizeof(*k));
	k->path = strdup(path);
	if (n > 4 && !strcmp(path + n - 4, ".pub")) {
		pub_path = strdup(path);
		priv_path = strndup(path, n - 4);
	} else {
		priv_path = strdup(path);
		r = asprintf(&pub_path, "%s.pub", path);
		if (r < 0)
			pub_path = NULL;
	}
	if (!priv_path || !pub_path || !k->path) {
		r = -ENOMEM;
		goto out;
	}
	struct dynbuf b;
	dynbuf_init(&b, KEY_FILE_MAX);
	int priv_read = read_file(priv_path, READ_FILE_REGULAR, &b);
	if (priv_read == 0 && key_file_kind(b.data, b.len) != KEY_FILE_TEXT) {
		r = private_key_read(b.data, b.len, NULL, &k->priv);
		k->encrypted = r == ERR_PASSPHRASE_NEEDED;
		if (r == ERR_PASSPHRASE_NEEDED && passphrase)
			r = private_key_read(b.data, b.len, passphrase, &k->priv);
		if (r == ERR_PASSPHRASE_NEEDED && agent_holds_key_file(pub_path)) {
			/* ssh-agent signs with it: no passphrase to ask */
			k->in_agent = true;
			k->no_proof = "the private key is encrypted (ssh-agent holds it)";
		} else if (r == ERR_PASSPHRASE_NEEDED) {
			char prompt[4200], *pass = NULL;
			snprintf(prompt, sizeof(prompt),
				 "Enter passphrase for key '%s': ", priv_path);
			if (terminal_read_secret(prompt, &pass) == 0)
				r = private_key_read(b.data, b.len, pass, &k->priv);
			secret_string_free(pass);
			if (r < 0)
				k->no_proof =
					"the private key is encrypted and could not be opened";
		} else if (r < 0) {
			k->no_proof = "the private key could not be read";
		}
		if (k->priv) {
			k->comment = k->priv->comment[0] ? strdup(k->priv->comment) : NULL;
			if ((r = pubkey_from_blob(k->priv->pub->blob, k->priv->pub->blob_len,
						  &k->pub)) < 0)
				goto out_buf;
		}
	} else {
		k->no_proof = "only the public key is at hand";
	}
	dynbuf_reset(&b);
	/* the .pub gives the comment (and the key itself when there is no private key) */
	struct pubkey *file_pub;
	char *file_comment;
	int pub_read = public_key_file_read(pub_path, &file_pub, &file_comment);
	if (pub_read == 0) {
		if (!k->pub || pubkey_same_key(k->pub, file_pub)) {
			if (file_comment) {
				free(k->comment);
				k->comment = file_comment;
				file_comment = NULL;
			}
			if (!k->pub) {
				k->pub = file_pub;
				file_pub = NULL;
			}
		} else
			k->pub_mismatch = true;
		pubkey_free(file_pub);
		free(file_comment);
	}
	/* neither half there: say so, not "not a key" */
	r = k->pub ? 0 : priv_read == -ENOENT && pub_read == -ENOENT ? -ENOENT : ERR_NOT_A_KEY;
out_buf:
	dynbuf_free(&b);
out:
	free(priv_path);
	free(pub_path);
	return r;
}

void local_keys_free_all(struct local_key *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		local_key_clear(&keys[i]);
	free(keys);
}

/* ssh -G for every target, side by side, before any key is chosen: the answers are cached
 * for the connections that follow. */
static void resolve_one(size_t i, void *data)
{
	const struct fleet_options *o = data;
	const struct target *t = &o->targets.items[i];
	const struct openssh_client_config *c;
	openssh_client_config_get(t->host, t->port ? t->port : o->connect.port,
				  t->user ? t->user : o->connect.login_user, o->connect.config_file,
				  o->connect.ssh_options, o->connect.n_ssh_options, &c, NULL, 0);
}

static void resolve_none(size_t i, void *data)
{
	(void)i;
	(void)data;
}

/* The key file ssh offers target i first (NULL when there is none). */
static char *identity_of(const struct fleet_options *o, size_t i)
{
	const struct target *t = &o->targets.items[i];
	const struct openssh_client_config *c;
	char *path = NULL;
	if (openssh_client_config_get(t->host, t->port ? t->port : o->connect.port,
				      t->user ? t->user : o->connect.login_user,
				      o->connect.config_file, o->connect.ssh_options,
				      o->connect.n_ssh_options, &c, NULL, 0) == 0 &&
	    openssh_client_identity(c, t->host, &path) == 0)
		return path;
	if (user_default_identity(true, &path) == 0)
		return path;
	return NULL;
}

int target_keys_load(const struct fleet_options *o, const char *passphrase, struct target_keys *ret)
{
	struct target_keys tk = {0};
	size_t n_targets = o->targets.n;
	char **paths = NULL;
	size_t n_paths = 0;
	int status = EXIT_OK;
	if (o->n_key_files) {
		paths = calloc(o->n_key_files, sizeof(*paths));
		for (size_t i = 0; paths && i < o->n_key_files; i++)
			if ((paths[n_paths] = strdup(o->key_files[i])))
				n_paths++;
	} else {
		struct pool_callbacks cb = {
			.run = resolve_one, .report = resolve_none, .data = (void *)o};
		pool_run(n_targets, o->jobs, &cb);
		paths = calloc(n_targets ? n_targets : 1, sizeof(*paths));
		tk.key_of = calloc(n_targets ? n_targets : 1, sizeof(*tk.key_of));
		for (size_t i = 0; paths && tk.key_of && i < n_targets; i++) {
			char *path = identity_of(o, i);
			size_t j = 0;
			while (path && j < n_paths && strcmp(paths[j], path) != 0)
				j++;
			tk.key_of[i] = path ? j : SIZE_MAX;
			if (path && j == n_paths)
				paths[n_paths++] = path;
			else
				free(path);
		}
	}
	if (!paths || (!o->n_key_files && !tk.key_of) ||
	    !(tk.keys = calloc(n_paths ? n_paths : 1, sizeof(*tk.keys))))
		status = EXIT_FAIL;
	while (status == EXIT_OK && tk.n < n_paths) {
		int r = local_key_load(paths[tk.n], passphrase, &tk.keys[tk.n]);
		if (r < 0) {
			cli_error("%s: %s", paths[tk.n], error_to_string(r));
			local_key_clear(&tk.keys[tk.n]);
			status = EXIT_FAIL;
		} else {
			tk.n++;
		}
	}
	for (size_t i = 0; i < n_paths; i++)
		free(paths[i]);
	free(paths);
	if (status != EXIT_OK) {
		target_keys_free(&tk);
		return status;
	}
	*ret = tk;
	return EXIT_OK;
}

void target_keys_of(const struct target_keys *tk, size_t i, struct local_key **ret_keys,
		    size_t *ret_n)
{
	if (!tk->key_of) {
		*ret_keys = tk->keys;
		*ret_n = tk->n;
	} else if (tk->key_of[i] == SIZE_MAX) {
		*ret_keys = NULL;
		*ret_n = 0;
	} else {
		*ret_keys = &tk->keys[tk->key_of[i]];
		*ret_n = 1;
	}
}

void target_keys_free(struct target_keys *tk)
{
	local_keys_free_all(tk->keys, tk->n);
	free(tk->key_of);
	memset(tk, 0, sizeof(*tk));
}
