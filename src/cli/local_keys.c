#include "cli/local_keys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/file_io.h"
#include "base/user_info.h"
#include "cli/commands.h"
#include "cli/passphrase.h"
#include "files/public_key_file.h"
#include "keys/key_file.h"

void local_key_clear(struct local_key *k)
{
	pubkey_free(k->pub);
	privkey_free(k->priv);
	free(k->comment);
	free(k->path);
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
		if (r == ERR_PASSPHRASE_NEEDED && passphrase)
			r = private_key_read(b.data, b.len, passphrase, &k->priv);
		if (r == ERR_PASSPHRASE_NEEDED) {
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

int local_keys_load_all(const char **key_files, size_t n_key_files, struct local_key **ret_keys,
			size_t *ret_n)
{
	char *default_path = NULL;
	const char *only_default[1];
	const char **files = key_files;
	size_t n_files = n_key_files;
	if (n_files == 0 && user_default_identity(true, &default_path) == 0) {
		only_default[0] = default_path;
		files = only_default;
		n_files = 1;
	}
	struct local_key *keys = calloc(n_files ? n_files : 1, sizeof(*keys));
	size_t n = 0;
	int status = keys ? EXIT_OK : EXIT_FAIL;
	for (; status == EXIT_OK && n < n_files; n++) {
		int r = local_key_load(files[n], NULL, &keys[n]);
		if (r < 0) {
			cli_error("%s: %s", files[n], error_to_string(r));
			local_key_clear(&keys[n]);
			status = EXIT_FAIL;
			break;
		}
	}
	free(default_path);
	if (status != EXIT_OK) {
		for (size_t i = 0; i < n; i++)
			local_key_clear(&keys[i]);
		free(keys);
		return status;
	}
	*ret_keys = keys;
	*ret_n = n;
	return EXIT_OK;
}

void local_keys_free_all(struct local_key *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		local_key_clear(&keys[i]);
	free(keys);
}
