/* A root shell on a server for changing sshd's configuration safely: one helper process,
 * run as root (directly, or through sudo: `sudo -n` when it needs no password, else the
 * login password fed to `sudo -S`, checked once before anything else is sent), that answers
 * requests one at a time over its stdin and stdout. It finds the sshd that serves this very
 * connection (the topmost sshd among our ancestors: its binary, its -f file, its pid, and
 * the systemd unit that runs it, if one does), reads files and globs for the sshd_config
 * model, runs `sshd -t` and `sshd -T -C`, and carries out a change as a transaction:
 *
 *   begin (a backup directory under /var/lib/sshkeyctl/harden) -> save each file ->
 *   write (compare-and-swap, temp file, fsync, rename, owner and mode kept) -> test ->
 *   arm (a dead-man that restores the backups and reloads after N seconds, detached from
 *   this connection) -> reload -> ... proof from a new connection ... -> confirm;
 *   or restore (the backups put back, byte for byte, and checked).
 *
 * Data (paths, contents) travels on stdin, never in a command line. Nothing here prints. */
#ifndef SSHKEYCTL_REMOTE_SERVER_ADMIN_H
#define SSHKEYCTL_REMOTE_SERVER_ADMIN_H

#include <stdbool.h>
#include <stddef.h>

#include "base/dynbuf.h"
#include "remote/session.h"

#define SERVER_ADMIN_BACKUP_ROOT "/var/lib/sshkeyctl/harden"

struct server_admin_info {
	bool via_sudo;
	char sshd[256];       /* the binary */
	char config[1024];    /* its -f file, or /etc/ssh/sshd_config */
	long listener_pid;    /* 0: not found */
	char unit[64];        /* the systemd unit running it, or "" */
	char client_addr[64]; /* this connection as the server sees it (SSH_CONNECTION) */
	char local_addr[64];
	char local_port[16];
};

struct server_admin;

/* Root on s's server, or ERR_NO_ROOT with the reason (sudo's own words) in d. */
/* password: the login password, for sudo (asked only when sudo needs one); may be NULL. */
int server_admin_open(struct remote_session *s, const struct password_source *password,
		      struct server_admin **ret, struct diag *d);
void server_admin_close(struct server_admin *a);
const struct server_admin_info *server_admin_info(const struct server_admin *a);

/* A file's content (-ENOENT when missing). */
int server_admin_read(struct server_admin *a, const char *path, struct dynbuf *out, struct diag *d);
/* The paths matching pattern, sorted as sshd's glob(3) sorts them (ret: n strdup'd). */
int server_admin_glob(struct server_admin *a, const char *pattern, char ***ret_paths, size_t *ret_n,
		      struct diag *d);
/* The listener's configuration as sshd reads it (files/sshd_config's model, every file
 * read through this helper); err names the file and line of a failure. */
struct sshd_config;
int server_admin_sshd_config(struct server_admin *a, struct sshd_config **ret, char *err,
			     size_t err_len);
/* `sshd -t` on the listener's configuration: its status, and what it said in out. */
int server_admin_sshd_test(struct server_admin *a, int *ret_status, struct dynbuf *out,
			   struct diag *d);
/* `sshd -T -C user=USER,host=ADDR,addr=ADDR,laddr=..,lport=..` for this connection's
 * addresses: the effective configuration for that user, "keyword value" lines. */
int server_admin_sshd_effective(struct server_admin *a, const char *user, struct dynbuf *out,
				struct diag *d);
/* Accounts that can log in with a password today (usable hash in the shadow file, a login
 * shell): "NAME HOME" lines; and which of paths exist and are not empty. */
int server_admin_password_accounts(struct server_admin *a, struct dynbuf *out, struct diag *d);
int server_admin_nonempty(struct server_admin *a, const char *path, bool *ret, struct diag *d);

/* An account as sshd's checks see it: "home present|missing PATH", "shell executable|missing
 * PATH", "password set|locked|none|empty", "expire DAYS" (shadow's field 8, days since
 * 1970, empty: never), "groups G...", "day TODAY" (days since 1970 on the server);
 * -ENOENT when there is no such account. */
int server_admin_account(struct server_admin *a, const char *user, struct dynbuf *out,
			 struct diag *d);
/* sshd's recent log lines (journald's, /var/log/auth.log, /var/log/secure): the last few
 * hundred, for the caller to pick its own from. */
int server_admin_auth_log(struct server_admin *a, unsigned seconds, struct dynbuf *out,
			  struct diag *d);

/* The server's clock (seconds since 1970). */
int server_admin_time(struct server_admin *a, long long *ret_time, struct diag *d);
/* A name sshkeyctl sends to the helper (letters, digits, '.', '_', '-'; not all digits, no
 * leading '-'): other names are refused before anything is sent. */
bool server_admin_account_name_ok(const char *name);
/* The accounts of a group (its members and those whose primary group it is), sorted;
 * -ENOENT when there is no such group. */
int server_admin_group_members(struct server_admin *a, const char *group, char ***ret_names,
			       size_t *ret_n, struct diag *d);
/* Where pam_google_authenticator.so is installed; -ENOENT when it is not. */
int server_admin_pam_module(struct server_admin *a, char *ret_path, size_t len, struct diag *d);

/* An account's ~/.google_authenticator (mfa's secret), looked at and changed by the account
 * itself, never by root by path. */
enum server_admin_secret_kind {
	SECRET_NONE,
	SECRET_FILE,
	SECRET_LINK,  /* a symbolic link (the module refuses one) */
	SECRET_OTHER, /* not a regular file */
	SECRET_NO_HOME,
};
struct server_admin_secret {
	enum server_admin_secret_kind kind;
	unsigned mode; /* SECRET_FILE: permission bits */
	unsigned long uid;
	unsigned long account_uid; /* the account's own uid (the owner it must have) */
	unsigned long long size;
};
int server_admin_secret_state(struct server_admin *a, const char *account,
			      struct server_admin_secret *ret, struct diag *d);
/* A new file with content, 0400, never over an existing one (-EEXIST); ret_sum: its
 * "CKSUM_SIZE", for server_admin_secret_remove. */
int server_admin_secret_create(struct server_admin *a, const char *account, const void *content,
			       size_t len, char *ret_sum, size_t sum_len, struct diag *d);
/* Remove it only while it still holds what create wrote (ERR_CHANGED_UNDER_US otherwise);
 * gone already: 0. */
int server_admin_secret_remove(struct server_admin *a, const char *account, const char *sum,
			       struct diag *d);

/* One transaction at a time per server: the helper's lock (in SERVER_ADMIN_BACKUP_ROOT),
 * which names its owner; -EBUSY with the owner in d while another run holds it. A lock
 * left by a run that is gone is taken over, and every transaction that run left open is
 * restored at once (its dead-man stopped): ret_recovered gets "recovered DIR" (or
 * "recovered-unreloaded DIR" when sshd could not be reloaded after, or "unrecovered DIR")
 * for each. Needed before begin; held until the helper ends. */
int server_admin_lock(struct server_admin *a, struct dynbuf *ret_recovered, struct diag *d);
/* The transaction. begin names the backup directory (kind: "harden" or "undo"). */
int server_admin_begin(struct server_admin *a, const char *kind, struct diag *d);
const char *server_admin_backup_dir(const struct server_admin *a);
/* Back up path (or record that it does not exist, so a restore removes it). */
int server_admin_save(struct server_admin *a, const char *path, struct diag *d);
/* Replace path with content, only if it still has the bytes we read (expected NULL: it must
 * not exist): temp file beside it, owner and mode of the old file (new: root, 0644), fsync,
 * rename. ERR_CHANGED_UNDER_US when it changed. */
int server_admin_write(struct server_admin *a, const char *path, const struct dynbuf *expected,
		       const void *content, size_t len, struct diag *d);
/* Remove path, only if it still has the bytes expected. */
int server_admin_remove(struct server_admin *a, const char *path, const struct dynbuf *expected,
			struct diag *d);
/* The dead-man: restore and reload after seconds, unless confirmed. */
int server_admin_arm(struct server_admin *a, unsigned seconds, struct diag *d);
/* Reload the listener without dropping sessions; ret_how: what was done. */
int server_admin_reload(struct server_admin *a, char *ret_how, size_t how_len, struct diag *d);
/* The change stands: the dead-man is disarmed and the backup marked done. */
int server_admin_confirm(struct server_admin *a, struct diag *d);
/* Put the backups back (files that were created are removed) and check that every file is
 * byte-identical to its backup; the dead-man is disarmed. */
int server_admin_restore(struct server_admin *a, struct diag *d);

/* For undo: the latest backup a completed harden left that was not undone yet. Each entry:
 * the path, whether it existed before, and whether it still holds what harden wrote
 * (false: changed since, so undo must not touch it). The backup becomes the current one
 * for server_admin_backup_content and server_admin_mark_undone. */
struct server_admin_backup_entry {
	char *path;
	bool existed;
	bool unchanged;
};
int server_admin_latest_backup(struct server_admin *a, char **ret_dir,
			       struct server_admin_backup_entry **ret, size_t *ret_n,
			       struct diag *d);
void server_admin_backup_entries_free(struct server_admin_backup_entry *e, size_t n);
/* The helper's answer about the latest backup ("dir PATH", then "entry saved|created
 * unchanged|changed PATH" lines), as read from the server: for tests and fuzzing. */
int server_admin_backup_parse(const char *text, size_t len, char **ret_dir,
			      struct server_admin_backup_entry **ret, size_t *ret_n);
/* The saved copy of entry i of backup dir. */
int server_admin_backup_content(struct server_admin *a, const char *dir, size_t i,
				struct dynbuf *out, struct diag *d);
int server_admin_mark_undone(struct server_admin *a, const char *dir, struct diag *d);

#endif
