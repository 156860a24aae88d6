/* Who we run as, the way OpenSSH looks it up: the home directory comes from the password
 * database, not from $HOME (ssh-keygen does the same), and the default key comment is
 * user@hostname. Strings returned are malloc'ed; the caller frees them. */
#ifndef SSHKEYCTL_BASE_USER_INFO_H
#define SSHKEYCTL_BASE_USER_INFO_H

int user_home_dir(char **ret);
int user_ssh_dir(char **ret); /* home + "/.ssh" */
int user_default_comment(char **ret);
/* home/.ssh/name */
int user_ssh_path(const char *name, char **ret);

#endif
