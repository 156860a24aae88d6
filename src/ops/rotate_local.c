#include "ops/rotate_local.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/file_io.h"
#include "files/public_key_file.h"
#include "keys/fingerprint.h"
#include "remote/agent.h"

int rotate_local_new_path(const char *key, char **ret)
{
	return asprintf(ret, "%s.new", key) < 0 ? -ENOMEM : 0;
}

int rotate_local_state_path(const char *key, char **ret)
{
	return asprintf(ret, "%s.rotate.json", key) < 0 ? -ENOMEM : 0;
}

static bool name_taken(const char *path)
{
	struct stat st;
	char pub[4200];
	snprintf(pub, sizeof(pub), "%s.pub", path);
	return lstat(path, &st) == 0 || lstat(pub, &st) == 0;
}

int rotate_local_retired_path(const char *key, char **ret)
{
	char day[16];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	for (unsigned n = 1; n < 1000; n++) {
		char *path = NULL;
		if ((n == 1 ? asprintf(&path, "%s.retired-%s", key, day)
			    : asprintf(&path, "%s.retired-%s-%u", key, day, n)) < 0)
			return -ENOMEM;
		if (!name_taken(path)) {
			*ret = path;
			return 0;
		}
		free(path);
	}
	return -EEXIST;
}

/* The key in the public key file name (in dir), or NULL when there is none. A link is
 * refused (-ELOOP). */
static int key_in(int dir, const char *name, struct pubkey **ret)
{
	struct stat st;
	*ret = NULL;
	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISREG(st.st_mode))
		return S_ISLNK(st.st_mode) ? -ELOOP : -EINVAL;
	int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct dynbuf b;
	dynbuf_init(&b, 1024 * 1024);
	int r = read_fd(fd, &b);
	close(fd);
	char *comment = NULL;
	if (r == 0)
		r = public_key_text_parse(b.len ? (const char *)b.data : "", b.len, ret, &comment);
	free(comment);
	dynbuf_free(&b);
	return r;
}

/* from's file under the name to as well (keep: a second name, from stays, as the old pair
 * keeps its retired name while its own takes the new pair; else a rename), when from is
 * still there (a swap cut short did it already); a link is refused. */
static int name_as(int dir, const char *from, const char *to, bool keep, struct dynbuf *moved)
{
	struct stat st;
	if (fstatat(dir, from, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (keep ? linkat(dir, from, dir, to, 0) < 0 : renameat(dir, from, dir, to) < 0)
		return keep && errno == EEXIST ? 0 : -errno;
	return dynbuf_printf(moved, keep ? "%s kept as %s\n" : "%s -> %s\n", from, to);
}

int rotate_local_swap(const char *key, const char *retired, const char *old_fingerprint,
		      const struct pubkey *new_key, const char *test_fault,
		      struct dynbuf *ret_moved, struct diag *d)
{
	char *key_copy = strdup(key), *ret_copy = retired ? strdup(retired) : NULL;
	char n_priv[4200], n_pub[4200], k_pub[4200], r_priv[4200], r_pub[4200], k_cert[4200],
		r_cert[4200];
	struct pubkey *now = NULL, *incoming = NULL;
	int dir = -1, r = 0;
	if (!key_copy || (retired && !ret_copy)) {
		r = -ENOMEM;
		goto out;
	}
	/* every name relative to the key's directory, opened once */
	const char *k = basename(key_copy);
	char *dir_path = strdup(key);
	if (!dir_path) {
		r = -ENOMEM;
		goto out;
	}
	dir = open(dirname(dir_path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir_path);
	if (dir < 0) {
		r = -errno;
		diag_set(d, "%s: %s", key, strerror(errno));
		goto out;
	}
	const char *rk = ret_copy ? basename(ret_copy) : NULL;
	snprintf(n_priv, sizeof(n_priv), "%s.new", k);
	snprintf(n_pub, sizeof(n_pub), "%s.new.pub", k);
	snprintf(k_pub, sizeof(k_pub), "%s.pub", k);
	snprintf(k_cert, sizeof(k_cert), "%s-cert.pub", k);
	snprintf(r_priv, sizeof(r_priv), "%s", rk ? rk : "");
	snprintf(r_pub, sizeof(r_pub), "%s.pub", rk ? rk : "");
	snprintf(r_cert, sizeof(r_cert), "%s-cert.pub", rk ? rk : "");
	/* what the names hold now: the old pair (a swap to make), or the new one (made
	 * already, perhaps cut short before the .pub) */
	if ((r = key_in(dir, k_pub, &now)) < 0 || (r = key_in(dir, n_pub, &incoming)) < 0) {
		diag_set(d, "%s.pub or %s.new.pub: %s", key, key,
			 r == -ELOOP ? "a symbolic link; refusing to swap" : error_to_string(r));
		goto out;
	}
	char now_fp[FINGERPRINT_SHA256_TEXT_MAX] = "";
	if (now && (r = fingerprint_sha256_text(now, now_fp, sizeof(now_fp))) < 0)
		goto out;
	bool old_in_place = now && !strcmp(now_fp, old_fingerprint);
	if ((now && !old_in_place && !pubkey_same_key(now, new_key)) ||
	    (incoming && !pubkey_same_key(incoming, new_key))) {
		diag_set(d,
			 "%s.pub or %s.new.pub holds another key than this rotation's; nothing "
			 "swapped",
			 key, key);
		r = ERR_KEY_MISMATCH;
		goto out;
	}
	if (rk && old_in_place) {
		if ((r = name_as(dir, k, r_priv, true, ret_moved)) < 0 ||
		    (r = name_as(dir, k_pub, r_pub, true, ret_moved)) < 0)
			goto out;
	}
	/* a certificate of the old key would be offered with the new one: it goes with the
	 * old pair (or away with it) */
	if (old_in_place &&
	    (r = rk ? name_as(dir, k_cert, r_cert, false, ret_moved)
		    : (unlinkat(dir, k_cert, 0) < 0 && errno != ENOENT ? -errno : 0)) < 0)
		goto out;
	if ((r = name_as(dir, n_priv, k, false, ret_moved)) < 0)
		goto out;
	if (test_fault && !strcmp(test_fault, "kill-between-renames"))
		raise(SIGKILL);
	if ((r = name_as(dir, n_pub, k_pub, false, ret_moved)) < 0)
		goto out;
	/* the retired public half is no longer the live one: private too (0600) */
	if (rk && fchmodat(dir, r_pub, 0600, 0) < 0 && errno != ENOENT) {
		r = -errno;
		goto out;
	}
	if (fsync(dir) < 0)
		r = -errno;
out:
	if (r < 0 && !d->text[0])
		diag_set(d, "swapping %s: %s", key,
			 r == -ELOOP ? "a symbolic link where a key file should be"
				     : error_to_string(r));
	if (dir >= 0)
		close(dir);
	pubkey_free(now);
	pubkey_free(incoming);
	free(key_copy);
	free(ret_copy);
	return r;
}

int rotate_local_agent_swap(const struct pubkey *old_key, const struct privkey *new_key,
			    const char *comment, uint32_t lifetime, bool *ret_swapped)
{
	struct agent_identities ids = {0};
	bool held = false;
	*ret_swapped = false;
	int r = agent_list_identities(NULL, &ids);
	if (r == -ENOENT)
		return 0; /* no agent */
	for (size_t i = 0; r == 0 && i < ids.n; i++)
		held = held || (ids.items[i].key && pubkey_equal(ids.items[i].key, old_key));
	agent_identities_clear(&ids);
	if (r < 0 || !held)
		return r;
	/* the new key in first: at no moment does the agent hold neither */
	if ((r = agent_add_identity(NULL, new_key->fields, new_key->fields_len, comment, lifetime,
				    false)) < 0 ||
	    (r = agent_remove_identity(NULL, old_key)) < 0)
		return r;
	*ret_swapped = true;
	return 0;
}
