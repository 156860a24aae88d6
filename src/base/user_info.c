#include "base/user_info.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int passwd_entry(struct passwd **ret)
{
	errno = 0;
	struct passwd *pw = getpwuid(getuid());
	if (!pw)
		return errno ? -errno : -ENOENT;
	*ret = pw;
	return 0;
}

int user_home_dir(char **ret)
{
	struct passwd *pw = NULL;
	int r = passwd_entry(&pw);
	if (r < 0)
		return r;
	*ret = strdup(pw->pw_dir);
	return *ret ? 0 : -ENOMEM;
}

int user_ssh_path(const char *name, char **ret)
{
	char *home;
	int r = user_home_dir(&home);
	if (r < 0)
		return r;
	r = asprintf(ret, "%s/.ssh%s%s", strcmp(home, "/") ? home : "", name ? "/" : "",
		     name ? name : "");
	free(home);
	return r < 0 ? -ENOMEM : 0;
}

int user_ssh_dir(char **ret)
{
	return user_ssh_path(NULL, ret);
}

int user_default_comment(char **ret)
{
	struct passwd *pw = NULL;
	char host[256];
	int r = passwd_entry(&pw);
	if (r < 0)
		return r;
	if (gethostname(host, sizeof(host)) < 0)
		return -errno;
	host[sizeof(host) - 1] = 0;
	return asprintf(ret, "%s@%s", pw->pw_name, host) < 0 ? -ENOMEM : 0;
}

int user_default_identity(bool accept_public, char **ret)
{
	static const char *const names[] = {"id_ed25519", "id_ecdsa", "id_rsa"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		for (int pub = 0; pub <= (accept_public ? 1 : 0); pub++) {
			char name[32], *path;
			struct stat st;
			snprintf(name, sizeof(name), "%s%s", names[i], pub ? ".pub" : "");
			if (user_ssh_path(name, &path) < 0)
				return -ENOMEM;
			if (stat(path, &st) == 0) {
				*ret = path;
				return 0;
			}
			free(path);
		}
	}
	return -ENOENT;
}

void user_uid_text(uid_t uid, char *buf, size_t len)
{
	char scratch[4096];
	struct passwd pw, *found = NULL;
	if (getpwuid_r(uid, &pw, scratch, sizeof(scratch), &found) == 0 && found)
		snprintf(buf, len, "%s (uid %lu)", found->pw_name, (unsigned long)uid);
	else
		snprintf(buf, len, "uid %lu", (unsigned long)uid);
}
