/* Who we run as, the way OpenSSH looks it up: the home directory comes from the password
 * database, not from $HOME (ssh-keygen does the same), and the default key comment is
 * user@hostname. Strings returned are malloc'ed; the caller frees them. */
#ifndef SSHKEYCTL_BASE_USER_INFO_H
#define SSHKEYCTL_BASE_USER_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

int user_home_dir(char **ret);
int user_ssh_dir(char **ret); /* home + "/.ssh" */
int user_default_comment(char **ret);
/* home/.ssh/name */
int user_ssh_path(const char *name, char **ret);
/* "name (uid N)" for a local uid, or "uid N" when it has no name: for messages. */
void user_uid_text(uid_t uid, char *buf, size_t len);

/* The first of OpenSSH's default identities (~/.ssh/id_ed25519, id_ecdsa, id_rsa) that
 * exists; with accept_public, a lone NAME.pub counts too (its path is returned).
 * -ENOENT when there is none. */
int user_default_identity(bool accept_public, char **ret);

#endif
