/* Reading a server's key inventory with the scan helper (src/remote/helpers/scan.sh):
 * read-only; as root, every account sshd could let in, each account's files read by the
 * account itself; as the login account, its own files. The answer is network data: parsed
 * bounded, never trusted, every string copied out of it except file contents, which point
 * into the answer buffer the caller keeps.
 */
#ifndef SSHKEYCTL_REMOTE_SCAN_REMOTE_H
#define SSHKEYCTL_REMOTE_SCAN_REMOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/dynbuf.h"
#include "base/error.h"

/* An answer holds at most this much (the contents of every file of every account); a
 * single file larger than 64 MiB is reported by size, not sent. */
#define SCAN_ANSWER_MAX   (192 * 1024 * 1024)
#define SCAN_ACCOUNTS_MAX 100000
#define SCAN_LOGINS_MAX   100000

enum scan_file_state {
	SCAN_FILE_ABSENT,
	SCAN_FILE_READ,
	SCAN_FILE_NOT_REGULAR, /* a FIFO, a directory, a device: sshd reads none of them */
	SCAN_FILE_UNREADABLE,  /* by the account itself: sshd cannot read it either */
	SCAN_FILE_TOO_LARGE,
	SCAN_FILE_NOT_RUN, /* AuthorizedKeysCommand that cannot run for an inventory: why */
};

/* One AuthorizedKeysFile entry of an account. */
struct scan_file {
	unsigned entry; /* its place in AuthorizedKeysFile */
	char *path;
	char *link; /* the symbolic link's target when path is one, else NULL */
	/* not a file: AuthorizedKeysCommand's output (entry 999, path "AuthorizedKeysCommand
	 * COMMAND"), --run-keys-command; why holds why it did not run (SCAN_FILE_NOT_RUN) */
	bool from_command;
	char *why;
	enum scan_file_state state;
	char mode[12];           /* ls's permission string ("-rw-------"), "" when not given */
	long owner_uid;          /* -1 when not given */
	unsigned long long size; /* SCAN_FILE_TOO_LARGE: the file's size */
	const char *content;     /* SCAN_FILE_READ: into the answer */
	size_t content_len;
};

/* A file in ~/.ssh that starts like a private key: its first line and, of the second,
 * only what is not secret (an OpenSSH key's first 64 base64 characters: magic, cipher and
 * KDF names; PEM's Proc-Type header; PuTTY's Encryption line), "" otherwise. */
struct scan_private_file {
	char *path;
	char mode[12];
	long owner_uid;
	char *first_line;
	char *second_line;
};

enum scan_shell { SCAN_SHELL_USABLE, SCAN_SHELL_NONE, SCAN_SHELL_MISSING };

struct scan_account {
	char *name;
	unsigned long uid, gid;
	char *home;
	char *shell;
	enum scan_shell shell_state;
	char password[8]; /* /etc/shadow: "set", "locked", "none", "empty"; "" when not read */
	long expire_day;  /* /etc/shadow's expiry (days since 1970); -1 none or not read */
	char *config; /* sshd -T's lines for the account, "keyword value\n" each; NULL: not asked */
	char *unread; /* why the account's files were not read, else NULL */
	struct scan_file *files;
	size_t n_files;
	struct scan_private_file *private_files;
	size_t n_private_files;
};

/* The last line sshd logged for one account and key, and how many there were. */
struct scan_login {
	unsigned long count;
	char *line;
};

struct scan_answer {
	unsigned long login_uid;
	bool all_accounts; /* root's view: every account */
	long long now;     /* the server's clock (seconds since 1970) */
	char *sshd;        /* the sshd asked (root's view), else NULL */
	bool tinysshd;     /* the server is tinysshd (Ed25519 keys only): set by the caller */
	struct scan_account *accounts;
	size_t n_accounts;
	char *log_source; /* a file, "journal", "none"; NULL when logs were not read */
	struct scan_login *logins;
	size_t n_logins;
};

/* Parse the helper's answer text[len], whose file contents end at lines holding token.
 * ERR_FORMAT when malformed; contents point into text, which must outlive ret. */
int scan_answer_parse(const char *text, size_t len, const char *token, struct scan_answer *ret);
void scan_answer_clear(struct scan_answer *a);
/* The value of keyword (lowercase) in an account's sshd -T lines, "" when absent. */
void scan_account_config(const struct scan_account *a, const char *keyword, char *buf, size_t len);

/* What to read, and how. */
enum scan_scope { SCAN_SCOPE_AUTO, SCAN_SCOPE_SELF, SCAN_SCOPE_ALL };
struct root_runner;
struct remote_session;
/* Run the helper (as root through root when not NULL) and parse its answer into ret
 * (run_keys_command: each account's AuthorizedKeysCommand run as sshd would); out
 * receives the answer and must outlive ret. connection: "CLIENT_ADDR LOCAL_ADDR LOCAL_PORT"
 * as the server sees this connection ("" when unknown), for sshd's Match blocks. */
int scan_remote_read(struct remote_session *s, const struct root_runner *root,
		     enum scan_scope scope, bool logs, bool run_keys_command,
		     const char *connection, struct dynbuf *out, struct scan_answer *ret,
		     struct diag *d);

/* The server's software as the helper is told it (its banner's): "openssh", "dropbear",
 * "tinysshd", "other". */
const char *scan_server_name(const struct remote_session *s);

#endif
