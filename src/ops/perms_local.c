#include "ops/perms_local.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/error.h"
#include "base/file_io.h"
#include "keys/key_file.h"
#include "ops/strict_modes.h"

#define MAX_CLIENT_FILES 1024 /* files in ~/.ssh looked at */

static char node_type(mode_t mode)
{
	return S_ISREG(mode) ? '-' : S_ISDIR(mode) ? 'd' : S_ISLNK(mode) ? 'l' : '?';
}

static int add_node(struct authorized_keys_state *st, const char *path)
{
	struct remote_node *node = authorized_keys_state_add_node(st, path, strlen(path));
	struct stat sb;
	if (!node)
		return -ENOMEM;
	if (lstat(path, &sb) == 0) {
		node->exists = true;
		node->type = node_type(sb.st_mode);
		node->mode = sb.st_mode & 07777;
		node->uid = sb.st_uid;
		node->gid = sb.st_gid;
	}
	return 0;
}

/* Who belongs to gid, as Debian's sshd asks it (getgrgid, then every account's primary
 * group). */
static int add_group(struct authorized_keys_state *st, gid_t gid)
{
	struct group_members *grown = realloc(st->groups, (st->n_groups + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	st->groups = grown;
	struct group_members *g = &st->groups[st->n_groups++];
	memset(g, 0, sizeof(*g));
	g->gid = gid;
	struct group *gr = getgrgid(gid);
	if (!gr)
		return 0;
	g->known = true;
	struct passwd *pw;
	setpwent();
	while ((pw = getpwent()) != NULL) {
		if (pw->pw_gid != gid)
			continue;
		uid_t *more = realloc(g->primary, (g->n_primary + 1) * sizeof(*more));
		if (!more) {
			endpwent();
			return -ENOMEM;
		}
		g->primary = more;
		g->primary[g->n_primary++] = pw->pw_uid;
	}
	endpwent();
	for (char **m = gr->gr_mem; m && *m; m++) {
		struct passwd *member = getpwnam(*m);
		uid_t *more = realloc(g->members, (g->n_members + 1) * sizeof(*more));
		if (!more)
			return -ENOMEM;
		g->members = more;
		g->members[g->n_members++] = member ? member->pw_uid : (uid_t)-1;
	}
	return 0;
}

/* p (an absolute path) becomes its directory: "/a/b" -> "/a", "/a" -> "/"; false when it was
 * "/" (or has no slash) */
static bool to_parent(char *p)
{
	char *slash = strrchr(p, '/');
	if (!slash || !strcmp(p, "/"))
		return false;
	if (slash == p)
		slash[1] = 0;
	else
		*slash = 0;
	return true;
}

/* The state of account's ~/.ssh/authorized_keys path, as the remote helper reports it. */
static int local_state(const struct passwd *pw, struct authorized_keys_state *st)
{
	char buf[PATH_MAX];
	struct stat sb;
	int r;
	memset(st, 0, sizeof(*st));
	dynbuf_init(&st->content, 1);
	st->uid = pw->pw_uid;
	st->gid = pw->pw_gid;
	st->login_uid = getuid();
	const char *home = strcmp(pw->pw_dir, "/") ? pw->pw_dir : "";
	if (!(st->home = strdup(pw->pw_dir)) ||
	    asprintf(&st->path, "%s/.ssh/authorized_keys", home) < 0)
		return -ENOMEM;
	st->real_home = strdup(realpath(pw->pw_dir, buf) ? buf : pw->pw_dir);
	st->is_link = lstat(st->path, &sb) == 0 && S_ISLNK(sb.st_mode);
	st->exists = stat(st->path, &sb) == 0;
	if (realpath(st->path, buf)) {
		st->real_path = strdup(buf);
	} else {
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%s/.ssh", home);
		if (asprintf(&st->real_path, "%s/authorized_keys", realpath(dir, buf) ? buf : dir) <
		    0)
			st->real_path = NULL;
	}
	if (!st->real_home || !st->real_path)
		return -ENOMEM;
	char *p = strdup(st->real_path);
	if (!p)
		return -ENOMEM;
	do
		r = add_node(st, p);
	while (r == 0 && to_parent(p));
	free(p);
	return r;
}

/* The mode change itself, through a descriptor of path (no link followed at its end): only
 * on the expected type, only taking bits away (setuid, setgid and sticky never kept by a
 * fix), checked after. */
static int strip_mode(const char *path, mode_t mode, bool want_dir)
{
	struct stat sb;
	int r = 0, fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0)
		r = -errno;
	else if (want_dir ? !S_ISDIR(sb.st_mode) : !S_ISREG(sb.st_mode))
		r = -ENOTDIR;
	else if ((mode & ~(sb.st_mode & 07777)) || (mode & 07000))
		r = -EPERM;
	else if (fchmod(fd, mode) < 0 || fstat(fd, &sb) < 0)
		r = -errno;
	else if ((sb.st_mode & 07777) != mode)
		r = -EIO;
	close(fd);
	return r;
}

/* path and every directory above it: no link, root's, writable by root alone (then nobody
 * but root can swap a name below path) */
static bool root_only(const char *path)
{
	char p[PATH_MAX];
	struct stat sb;
	if (path[0] != '/' || snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p))
		return false;
	for (;;) {
		if (lstat(p, &sb) < 0 || S_ISLNK(sb.st_mode) || sb.st_uid != 0 ||
		    (sb.st_mode & 022))
			return false;
		if (!to_parent(p))
			return true;
	}
}

/* As root for another account, a node anyone but root could swap is changed by a child
 * with the account's ids only (SECURITY.md), so a planted link leads it only where the
 * account could go itself. */
static int strip_mode_as(const struct passwd *pw, const char *path, mode_t mode, bool want_dir)
{
	/* root by path where nobody else can swap the node: its directory and those above
	 * are root's alone (strip_mode opens it without following a link) */
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%s", path);
	if (getuid() != 0 || pw->pw_uid == 0 || (to_parent(parent) && root_only(parent)))
		return strip_mode(path, mode, want_dir);
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (initgroups(pw->pw_name, pw->pw_gid) < 0 ||
		    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
		    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0)
			_exit(EPERM);
		_exit(-strip_mode(path, mode, want_dir));
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status))
		return -EIO;
	return -WEXITSTATUS(status);
}

struct local_fix {
	char *path;
	mode_t mode;
	bool is_dir;
};

struct local_run {
	struct perms_result *res;
	struct local_fix *fixes;
	size_t n_fixes;
	bool fix, dry_run;
};

static int want_fix(struct local_run *run, const char *path, mode_t mode, bool is_dir)
{
	struct local_fix *grown = realloc(run->fixes, (run->n_fixes + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	run->fixes = grown;
	/* a fix only takes bits away, setuid, setgid and sticky with them */
	run->fixes[run->n_fixes] = (struct local_fix){strdup(path), mode & 0777, is_dir};
	if (!run->fixes[run->n_fixes].path)
		return -ENOMEM;
	run->n_fixes++;
	return 0;
}

/* ssh's own checks of the client files: private keys, config, the directory. */
static int client_checks(const struct passwd *pw, struct local_run *run)
{
	char dir[PATH_MAX];
	struct stat sb;
	int r = 0;
	snprintf(dir, sizeof(dir), "%s/.ssh", strcmp(pw->pw_dir, "/") ? pw->pw_dir : "");
	if (lstat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return 0;
	if (sb.st_mode & 077) {
		r = dynbuf_printf(&run->res->findings,
				  "%s: directory open to group or others (%04o); ssh accepts it, "
				  "but keep it private; fix: chmod 700 %s\n",
				  dir, (unsigned)(sb.st_mode & 07777), dir);
		run->res->n_findings++;
		if (r == 0)
			r = want_fix(run, dir, (sb.st_mode & 07777) & ~(mode_t)077, true);
	}
	DIR *d = opendir(dir);
	if (!d)
		return r;
	struct dirent *e;
	size_t seen = 0;
	while (r == 0 && (e = readdir(d)) != NULL && seen++ < MAX_CLIENT_FILES) {
		char path[PATH_MAX];
		if (e->d_name[0] == '.')
			continue;
		int len = snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (len < 0 || (size_t)len >= sizeof(path) || lstat(path, &sb) < 0 ||
		    !S_ISREG(sb.st_mode))
			continue;
		mode_t mode = sb.st_mode & 07777;
		if (!strcmp(e->d_name, "config")) {
			/* readconf.c: owned by the user or root, not writable by others */
			if ((sb.st_uid != 0 && sb.st_uid != pw->pw_uid) || (mode & 022)) {
				r = dynbuf_printf(&run->res->findings,
						  "%s: %s, so ssh refuses to read it (\"Bad owner "
						  "or permissions\"); fix: %s %s\n",
						  path,
						  (mode & 022) ? "writable by group or others"
							       : "owned by another user",
						  (mode & 022) ? "chmod go-w" : "chown", path);
				run->res->n_findings++;
				if (r == 0 && (mode & 022))
					r = want_fix(run, path, mode & ~(mode_t)022, false);
			}
			continue;
		}
		if (sb.st_uid != pw->pw_uid || !(mode & 077))
			continue;
		/* a private key readable by others: ssh refuses to use it */
		struct dynbuf b;
		dynbuf_init(&b, KEY_FILE_MAX);
		bool is_key = read_file(path, READ_FILE_NOFOLLOW, &b) == 0 &&
			      key_file_kind(b.data, b.len) != KEY_FILE_TEXT;
		dynbuf_free(&b);
		if (!is_key)
			continue;
		r = dynbuf_printf(
			&run->res->findings,
			"%s: private key readable by group or others (%04o), so ssh "
			"refuses it (\"UNPROTECTED PRIVATE KEY FILE\"); fix: chmod 600 %s\n",
			path, (unsigned)mode, path);
		run->res->n_findings++;
		if (r == 0)
			r = want_fix(run, path, mode & ~(mode_t)077, false);
	}
	closedir(d);
	return r;
}

void perms_local(const char *for_user, bool fix, bool dry_run, struct perms_result *res)
{
	struct authorized_keys_state st = {0};
	struct strict_modes_finding *f = NULL;
	struct local_run run = {.res = res, .fix = fix, .dry_run = dry_run};
	size_t n = 0;
	int r = 0;
	char *name = NULL, *dir = NULL;
	struct passwd account;
	res->outcome = PERMS_FAILED;
	struct passwd *pw = for_user ? getpwnam(for_user) : getpwuid(getuid());
	if (!pw) {
		diag_set(&res->diag, "no such account: %s", for_user ? for_user : "(our uid)");
		r = -ENOENT;
		goto out;
	}
	if (for_user && getuid() != 0 && pw->pw_uid != getuid()) {
		diag_set(&res->diag, "--for-user needs root");
		r = -EPERM;
		goto out;
	}
	account = *pw; /* getpwent below reuses the static buffer */
	name = strdup(pw->pw_name);
	dir = strdup(pw->pw_dir);
	account.pw_name = name;
	account.pw_dir = dir;
	if (!name || !dir) {
		r = -ENOMEM;
		goto out;
	}
	r = client_checks(&account, &run);
	if (r == 0)
		r = local_state(&account, &st);
	if (r == 0) {
		/* this machine's sshd: Debian's and Ubuntu's carry the group exception */
		struct strict_modes_rules rules = {.debian_groups =
							   access("/etc/debian_version", F_OK) == 0,
						   .above_home = true};
		gid_t *gids = NULL;
		size_t n_gids = 0;
		r = strict_modes_groups_needed(&st, &gids, &n_gids);
		for (size_t i = 0; r == 0 && i < n_gids; i++)
			r = add_group(&st, gids[i]);
		free(gids);
		if (r == 0)
			r = strict_modes_check(&st, &rules, &f, &n);
	}
	if (r < 0)
		goto out;
	res->path = strdup(st.path);
	if (st.is_link)
		r = dynbuf_printf(&res->findings,
				  "%s: a symbolic link to %s; sshd checks %s and every directory "
				  "above it\n",
				  st.path, st.real_path, st.real_path);
	for (size_t i = 0; r == 0 && i < n; i++) {
		bool fixable;
		const struct remote_node *node = f[i].node;
		if ((r = perms_describe(&st, &f[i], getuid() == 0, &res->findings, &fixable)) < 0)
			break;
		res->n_findings++;
		res->n_unfixable += !fixable;
		if (!fixable)
			continue;
		if (f[i].fixed_mode != node->mode)
			r = want_fix(&run, node->path, f[i].fixed_mode, node->type == 'd');
	}
	if (r < 0)
		goto out;
	if (res->n_findings == 0 && !st.exists) {
		/* a client's ~/.ssh (keys, config) checked; no file is not called OK */
		free(res->path);
		res->path = NULL;
		res->outcome = PERMS_OK;
		diag_set(&res->diag, "~/.ssh passes ssh's checks; no authorized_keys file (%s)",
			 st.path);
		goto out;
	}
	if (res->n_findings == 0) {
		res->outcome = PERMS_OK;
		goto out;
	}
	res->outcome = dry_run ? PERMS_WOULD_FIX : PERMS_FOUND;
	for (size_t i = 0; (fix || dry_run) && r == 0 && i < run.n_fixes; i++) {
		const struct local_fix *x = &run.fixes[i];
		char what[64];
		snprintf(what, sizeof(what), "chmod %o", (unsigned)x->mode);
		if (!dry_run && (r = strip_mode_as(&account, x->path, x->mode, x->is_dir)) < 0) {
			diag_set(&res->diag, "%s %s: %s", what, x->path, error_to_string(r));
			break;
		}
		r = dynbuf_printf(&res->changes, "%s%s %s\n", dry_run ? "would " : "", what,
				  x->path);
	}
	if (r == 0 && fix && !dry_run)
		res->outcome = res->n_unfixable ? PERMS_FOUND : PERMS_FIXED_UNVERIFIED;
	if (r == 0 && res->outcome == PERMS_FIXED_UNVERIFIED)
		diag_set(&res->diag, "fixed; a key login is proven with a target, not here");
out:
	if (r < 0) {
		res->outcome = PERMS_FAILED;
		res->error = r;
		if (!res->diag.text[0])
			diag_set(&res->diag, "%s", error_to_string(r));
	}
	for (size_t i = 0; i < run.n_fixes; i++)
		free(run.fixes[i].path);
	free(run.fixes);
	authorized_keys_state_clear(&st);
	free(f);
	free(name);
	free(dir);
}
