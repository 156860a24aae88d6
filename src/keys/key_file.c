#include "keys/key_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "base/file_io.h"
#include "keys/openssh_key_v1.h"
#include "keys/pem_key.h"

enum key_file_kind key_file_kind(const uint8_t *data, size_t len)
{
	if (openssh_key_v1_detect(data, len))
		return KEY_FILE_OPENSSH_V1;
	if (pem_key_detect(data, len))
		return KEY_FILE_PEM;
	return KEY_FILE_TEXT;
}

bool private_key_is_encrypted(const uint8_t *data, size_t len)
{
	struct openssh_key_v1_info info;
	struct pubkey *pub;
	switch (key_file_kind(data, len)) {
	case KEY_FILE_OPENSSH_V1:
		if (openssh_key_v1_read_public(data, len, &pub, &info) < 0)
			return false;
		pubkey_free(pub);
		return info.encrypted;
	case KEY_FILE_PEM:
		return pem_key_is_encrypted(data, len);
	default:
		return false;
	}
}

int private_key_read(const uint8_t *data, size_t len, const char *passphrase, struct privkey **ret)
{
	switch (key_file_kind(data, len)) {
	case KEY_FILE_OPENSSH_V1:
		return openssh_key_v1_read(data, len, passphrase, ret);
	case KEY_FILE_PEM:
		return pem_key_read(data, len, passphrase, ret);
	default:
		return ERR_NOT_A_KEY;
	}
}

int private_key_read_public(const uint8_t *data, size_t len, struct pubkey **ret,
			    char **ret_comment)
{
	struct privkey *key;
	struct openssh_key_v1_info info;
	int r;

	if (key_file_kind(data, len) == KEY_FILE_OPENSSH_V1) {
		struct pubkey *pub;
		if ((r = openssh_key_v1_read_public(data, len, &pub, &info)) < 0)
			return r;
		if (info.encrypted) {
			*ret = pub;
			*ret_comment = NULL;
			return 0;
		}
		pubkey_free(pub);
	}
	/* unencrypted: read it all, which also checks the private part */
	if ((r = private_key_read(data, len, NULL, &key)) < 0)
		return r;
	char *comment = key->comment[0] ? strdup(key->comment) : NULL;
	if (key->comment[0] && !comment) {
		privkey_free(key);
		return -ENOMEM;
	}
	*ret = key->pub;
	key->pub = NULL;
	*ret_comment = comment;
	privkey_free(key);
	return 0;
}

int public_key_file_format(const struct privkey *key, struct dynbuf *out)
{
	int r = pubkey_format_line(key->pub, key->comment, out);
	return r < 0 ? r : dynbuf_append_byte(out, '\n');
}

int key_pair_save(const char *path, const struct privkey *key, const char *passphrase,
		  unsigned rounds, unsigned flags)
{
	struct dynbuf priv_text, pub_text;
	struct atomic_file priv = {.fd = -1}, pub = {.fd = -1};
	char *pub_path = NULL;
	bool priv_done = false;
	int r;

	dynbuf_init(&priv_text, KEY_FILE_MAX);
	dynbuf_init(&pub_text, KEY_FILE_MAX);
	if (asprintf(&pub_path, "%s.pub", path) < 0) {
		pub_path = NULL;
		r = -ENOMEM;
		goto out;
	}
	if ((r = refuse_symlink(path)) < 0 || (r = refuse_symlink(pub_path)) < 0)
		goto out;
	if ((r = openssh_key_v1_write(key, passphrase, rounds, &priv_text)) < 0 ||
	    (r = public_key_file_format(key, &pub_text)) < 0)
		goto out;
	if ((r = atomic_file_begin(&priv, path, 0600)) < 0)
		goto out;
	if ((r = atomic_file_begin(&pub, pub_path, 0644)) < 0)
		goto out;
	if ((r = atomic_file_write(&priv, priv_text.data, priv_text.len)) < 0 ||
	    (r = atomic_file_write(&pub, pub_text.data, pub_text.len)) < 0 ||
	    (r = atomic_file_sync_all((struct atomic_file *[]){&priv, &pub}, 2)) < 0)
		goto out;
	if ((r = atomic_file_commit(
		     &priv, ATOMIC_FILE_DEFER_DIR_SYNC |
				    ((flags & KEY_PAIR_REPLACE) ? 0 : ATOMIC_FILE_NO_REPLACE))) < 0)
		goto out;
	priv_done = true;
	r = atomic_file_commit(&pub, 0);
out:
	if (r < 0 && priv_done && !(flags & KEY_PAIR_REPLACE))
		unlink(path); /* we created it a moment ago: leave nothing half-done */
	atomic_file_abort(&priv);
	atomic_file_abort(&pub);
	free(pub_path);
	dynbuf_free(&priv_text);
	dynbuf_free(&pub_text);
	return r;
}
