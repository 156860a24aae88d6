#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/error.h"
#include "remote/authorized_keys_remote.h"
#include "remote/sftp_client.h"

/* a write holds the lock well under a second: an older one was left by a run that died */
#define STALE_LOCK_SECONDS 60
#define LOCK_TRIES         300 /* 0.1 s apart, as the sh helper waits */

static char node_type(uint32_t perms)
{
	switch (perms & S_IFMT) {
	case S_IFREG:
		return '-';
	case S_IFDIR:
		return 'd';
	case S_IFLNK:
		return 'l';
	default:
		return '?';
	}
}

/* The directory part of path ("/" for "/x"); free() it. */
static char *parent_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static int add_node(struct remote_sftp *sf, struct authorized_keys_state *st, const char *path,
		    struct diag *d)
{
	struct remote_node *node = authorized_keys_state_add_node(st, path, strlen(path));
	if (!node)
		return -ENOMEM;
	struct sftp_attrs a;
	int r = remote_sftp_lstat(sf, path, &a, d);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	node->exists = true;
	node->type = node_type(a.perms);
	node->mode = a.perms & 07777;
	node->uid = a.uid;
	node->gid = a.gid;
	return 0;
}

/* As sshd sees the path: every symbolic link resolved (the server's realpath). */
static int canonical(struct remote_sftp *sf, struct authorized_keys_state *st, struct diag *d)
{
	struct sftp_attrs a;
	char *dir = NULL, *real_dir = NULL;
	int r = remote_sftp_lstat(sf, st->path, &a, d);
	if (r < 0 && r != -ENOENT)
		return r;
	st->is_link = r == 0 && node_type(a.perms) == 'l';
	if (!(st->real_home = strdup(st->home)))
		return -ENOMEM;
	if (r == 0 && remote_sftp_realpath(sf, st->path, &st->real_path, d) == 0)
		return 0;
	/* missing (or a dangling link): the directory's canonical form and the name */
	if (!(dir = parent_of(st->path)))
		return -ENOMEM;
	if (remote_sftp_realpath(sf, dir, &real_dir, d) < 0)
		real_dir = NULL;
	const char *base = real_dir ? real_dir : dir;
	r = asprintf(&st->real_path, "%s/%s", strcmp(base, "/") ? base : "",
		     strrchr(st->path, '/') + 1);
	if (r < 0)
		st->real_path = NULL;
	free(dir);
	free(real_dir);
	memset(d, 0, sizeof(*d));
	return r < 0 ? -ENOMEM : 0;
}

int authorized_keys_sftp_read(struct remote_sftp *sf, struct authorized_keys_state *st,
			      struct diag *d)
{
	char *path = NULL;
	memset(st, 0, sizeof(*st));
	dynbuf_init(&st->content, AUTHORIZED_KEYS_STATE_MAX);
	int r = remote_sftp_realpath(sf, ".", &st->home, d);
	if (r < 0)
		goto out;
	if (st->home[0] != '/') {
		diag_set(d, "the server's SFTP gives a relative home directory '%s'", st->home);
		r = ERR_FORMAT;
		goto out;
	}
	if (asprintf(&st->path, "%s/.ssh/authorized_keys", strcmp(st->home, "/") ? st->home : "") <
	    0) {
		st->path = NULL;
		r = -ENOMEM;
		goto out;
	}
	if ((r = canonical(sf, st, d)) < 0)
		goto out;
	if (!(path = strdup(st->real_path))) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		if ((r = add_node(sf, st, path, d)) < 0)
			goto out;
		if (strcmp(path, "/") == 0)
			break;
		char *up = parent_of(path);
		if (!up) {
			r = -ENOMEM;
			goto out;
		}
		free(path);
		path = up;
	}
	/* SFTP cannot say who we are: take the first owner other than root among .ssh, home
	 * and the file (root may own any of them); the lock directory we create when writing
	 * shows the truth, and the write stops if this guess was wrong */
	static const size_t order[] = {1, 2, 0};
	for (size_t i = 0; i < 3; i++) {
		if (order[i] >= st->n_nodes)
			continue;
		const struct remote_node *node = &st->nodes[order[i]];
		if (node->exists && node->uid != 0) {
			st->uid = st->login_uid = node->uid;
			st->gid = node->gid;
			break;
		}
	}
	st->exists = st->nodes[0].exists && st->nodes[0].type == '-';
	if (st->exists)
		r = remote_sftp_read_file(sf, st->path, &st->content, d);
out:
	free(path);
	if (r < 0)
		authorized_keys_state_clear(st);
	return r;
}

static void pause_a_little(void)
{
	struct timespec ts = {0, 100 * 1000000L};
	nanosleep(&ts, NULL);
}

/* The first line of the lock's owner file ("sshkeyctl pid N from ADDR since T"), or "". */
static void lock_owner(struct remote_sftp *sf, const char *lock, char *buf, size_t len)
{
	struct dynbuf text;
	struct diag ignored;
	char *path = NULL;
	dynbuf_init(&text, 4096);
	buf[0] = 0;
	if (asprintf(&path, "%s/owner", lock) >= 0 &&
	    remote_sftp_read_file(sf, path, &text, &ignored) == 0 && text.len)
		snprintf(buf, len, "%.*s", (int)strcspn((const char *)text.data, "\n"),
			 (const char *)text.data);
	free(path);
	dynbuf_free(&text);
}

/* The lock the sh helper takes too (authorized_keys.sh): a directory with its owner inside.
 * One older than STALE_LOCK_SECONDS was left by a run that died and is broken (noted in
 * log); a live one is named when waiting for it ends. */
static int take_lock(struct remote_sftp *sf, const char *lock, struct dynbuf *log, struct diag *d)
{
	char owner[256];
	for (int tries = 0; tries < LOCK_TRIES; tries++) {
		int r = remote_sftp_mkdir(sf, lock, 0700, d);
		if (r == 0)
			return 0;
		/* servers answer an existing directory with "already exists" or a plain failure */
		struct sftp_attrs a;
		if (r != -EEXIST && r != ERR_REMOTE)
			return r;
		int e = remote_sftp_lstat(sf, lock, &a, d);
		if (e == -ENOENT)
			continue; /* released in between: try again at once */
		if (e < 0)
			return r;
		if (a.has_times && (time_t)a.mtime + STALE_LOCK_SECONDS < time(NULL)) {
			struct diag ignored;
			char *path = NULL;
			lock_owner(sf, lock, owner, sizeof(owner));
			if (asprintf(&path, "%s/owner", lock) >= 0)
				remote_sftp_remove(sf, path, &ignored);
			free(path);
			if (remote_sftp_rmdir(sf, lock, &ignored) == 0)
				dynbuf_printf(log, "break a stale lock %s (%s)\n", lock,
					      owner[0] ? owner : "its owner unknown");
			continue;
		}
		pause_a_little();
	}
	lock_owner(sf, lock, owner, sizeof(owner));
	diag_set(d, "%s is held by %s", lock, owner[0] ? owner : "another writer");
	return ERR_REMOTE;
}

/* Under the lock: the file must still hold what we read, and belong to us. */
static int check_unchanged(struct remote_sftp *sf, const struct authorized_keys_state *st,
			   const struct sftp_attrs *lock, struct diag *d)
{
	struct sftp_attrs a;
	struct dynbuf now;
	if (lock->uid != st->uid) {
		diag_set(d,
			 "the files around %s belong to uid %lu, but we write as uid %lu; install "
			 "as root instead",
			 st->path, (unsigned long)st->uid, (unsigned long)lock->uid);
		return ERR_REMOTE;
	}
	int r = remote_sftp_lstat(sf, st->path, &a, d);
	if (r == -ENOENT)
		return st->exists ? ERR_CHANGED_UNDER_US : 0;
	if (r < 0)
		return r;
	if (node_type(a.perms) != '-') {
		diag_set(d, "%s is not a regular file; refusing to replace it", st->path);
		return -ELOOP;
	}
	if (a.uid != lock->uid) {
		diag_set(d,
			 "%s belongs to uid %lu, and a file written over SFTP would belong to uid "
			 "%lu; install as root instead",
			 st->path, (unsigned long)a.uid, (unsigned long)lock->uid);
		return ERR_REMOTE;
	}
	if (!st->exists)
		return ERR_CHANGED_UNDER_US;
	dynbuf_init(&now, AUTHORIZED_KEYS_STATE_MAX);
	r = remote_sftp_read_file(sf, st->path, &now, d);
	if (r == 0 && (now.len != st->content.len ||
		       (now.len && memcmp(now.data, st->content.data, now.len) != 0)))
		r = ERR_CHANGED_UNDER_US;
	dynbuf_free(&now);
	return r;
}

int authorized_keys_sftp_write(struct remote_sftp *sf, const struct authorized_keys_state *st,
			       const struct mode_fix *fixes, size_t n_fixes, const void *content,
			       size_t len, struct dynbuf *ret_log, struct diag *d)
{
	char *dir = parent_of(st->path), *lock = NULL, *tmp = NULL, *ssh_dir = NULL;
	bool locked = false, tmp_made = false;
	struct sftp_attrs a;
	char token[40];
	/* a name nobody can guess (the SFTP open below is exclusive too) */
	int r = remote_random_token(token, sizeof(token));
	if (r < 0)
		goto out;
	if (!dir || asprintf(&lock, "%s/" AUTHORIZED_KEYS_LOCK_NAME, dir) < 0 ||
	    asprintf(&tmp, "%s/" AUTHORIZED_KEYS_TEMP_PREFIX "%s", dir, token) < 0 ||
	    asprintf(&ssh_dir, "%s/.ssh", strcmp(st->home, "/") ? st->home : "") < 0) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n_fixes; i++) {
		if ((r = remote_sftp_chmod(sf, fixes[i].path, fixes[i].mode, d)) < 0)
			goto out;
		if ((r = dynbuf_printf(ret_log, "chmod %o %s\n", (unsigned)fixes[i].mode,
				       fixes[i].path)) < 0)
			goto out;
	}
	r = remote_sftp_lstat(sf, dir, &a, d);
	if (r == -ENOENT) {
		if (strcmp(dir, ssh_dir) != 0) {
			diag_set(d, "missing directory %s", dir);
			r = ERR_REMOTE;
			goto out;
		}
		if ((r = remote_sftp_mkdir(sf, dir, 0700, d)) < 0 ||
		    (r = remote_sftp_chmod(sf, dir, 0700, d)) < 0 ||
		    (r = dynbuf_printf(ret_log, "mkdir 700 %s\n", dir)) < 0)
			goto out;
	} else if (r < 0) {
		goto out;
	}
	if ((r = take_lock(sf, lock, ret_log, d)) < 0)
		goto out;
	locked = true;
	{
		/* who holds it, for a writer that waits on it */
		char *owner = NULL, line[256];
		struct diag ignored;
		snprintf(line, sizeof(line), "sshkeyctl over SFTP from this client since %ld\n",
			 (long)time(NULL));
		if (asprintf(&owner, "%s/owner", lock) >= 0)
			remote_sftp_create(sf, owner, 0600, line, strlen(line), &ignored);
		free(owner);
	}
	if ((r = remote_sftp_lstat(sf, lock, &a, d)) < 0 ||
	    (r = check_unchanged(sf, st, &a, d)) < 0)
		goto out;
	mode_t mode = st->exists ? st->nodes[0].mode : 0600;
	if ((r = remote_sftp_create(sf, tmp, mode, content, len, d)) < 0)
		goto out;
	tmp_made = true;
	if ((r = remote_sftp_rename_replace(sf, tmp, st->path, d)) < 0)
		goto out;
	tmp_made = false;
	r = dynbuf_printf(ret_log, "write %s\n", st->path);
out:
	if (tmp_made) {
		struct diag ignored;
		remote_sftp_remove(sf, tmp, &ignored);
	}
	if (locked) {
		struct diag ignored;
		char *owner = NULL;
		if (asprintf(&owner, "%s/owner", lock) >= 0)
			remote_sftp_remove(sf, owner, &ignored);
		free(owner);
		remote_sftp_rmdir(sf, lock, &ignored);
	}
	free(dir);
	free(lock);
	free(tmp);
	free(ssh_dir);
	return r;
}
