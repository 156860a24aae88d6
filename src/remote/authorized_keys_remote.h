/* Reading and replacing a user's authorized_keys on a server with small POSIX sh helpers
 * (dash, busybox ash, bash; any login shell), following DESIGN.md's remote-edit pattern:
 * read; merge in C; write under a lock only if the file still has the content we read
 * (compare-and-swap), through a temporary file in the same directory, synced and renamed,
 * owner and mode set, restorecon where SELinux is there. Names and paths travel on stdin.
 */
#ifndef SSHKEYCTL_REMOTE_AUTHORIZED_KEYS_REMOTE_H
#define SSHKEYCTL_REMOTE_AUTHORIZED_KEYS_REMOTE_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/dynbuf.h"
#include "remote/session.h"

#define AUTHORIZED_KEYS_STATE_MAX (64 * 1024 * 1024) /* the file's content, and more */
#define AUTHORIZED_KEYS_MAX_NODES 1024 /* path depth: far beyond any real home directory */
/* Writers (sh helper or SFTP) take this lock, a directory beside the file, and write their
 * temporary file under this prefix. */
#define AUTHORIZED_KEYS_LOCK_NAME   ".sshkeyctl.lock"
#define AUTHORIZED_KEYS_TEMP_PREFIX ".authorized_keys.sshkeyctl." /* then a random token */

/* One path that sshd's StrictModes checks, as ls -ldn showed it. */
struct remote_node {
	char *path;
	bool exists;
	char type;   /* '-' file, 'd' directory, 'l' symlink, ... */
	mode_t mode; /* permission bits, setuid, setgid and sticky included */
	uid_t uid;
	gid_t gid;
	/* their names as the server's ls shows them ("" when not answered) */
	char owner[33];
	char group[33];
};

/* Who belongs to a group: Debian's sshd lets a group-writable path pass StrictModes when
 * its group has exactly one member, the owner (a user-private group). */
struct group_members {
	gid_t gid;
	bool known;     /* the server answered for it */
	uid_t *primary; /* accounts whose primary group it is */
	size_t n_primary;
	uid_t *members; /* supplementary members (uid_t -1: a name without account) */
	size_t n_members;
};

struct authorized_keys_state {
	uid_t uid; /* the account's */
	gid_t gid;
	uid_t login_uid; /* who we are logged in as */
	char *home;
	char *path;      /* home/.ssh/authorized_keys, or sshd's AuthorizedKeysFile */
	char *real_path; /* path with every symbolic link resolved (realpath), as sshd checks */
	char *real_home;
	bool is_link;         /* path itself is a symbolic link */
	char client_addr[64]; /* our address as the server sees it (SSH_CONNECTION); "" unknown */
	char account[33];     /* the account's name ("" when not answered) */
	/* a sshkeyctl lock in the file's directory: "" none, "live" (under a minute old: a
	 * write in progress) or "stale" (left by a run that died; the next write breaks it),
	 * and its owner line when it could be read safely ("sshkeyctl pid N from ADDR since T") */
	char lock[8];
	char lock_owner[201];
	/* sshd's AuthorizedKeysFile entries for the account: how many, whether sshd said so
	 * (root's view) or it is sshd's default (".ssh/authorized_keys .ssh/authorized_keys2");
	 * path is entry number entry of them */
	unsigned n_entries, entry;
	bool entries_from_sshd;
	unsigned long others_existing; /* bit N: entry N (another than this) exists */
	/* AuthorizedKeysCommand and its user when sshd has one (root's view), else "" */
	char keys_command[512];
	char keys_command_user[64];
	bool exists;
	bool unreadable;           /* exists, but the account cannot read it (root's view) */
	struct dynbuf content;     /* when exists and readable */
	struct remote_node *nodes; /* real_path, its directory, ... up to / */
	size_t n_nodes;
	struct group_members *groups; /* asked with authorized_keys_remote_groups */
	size_t n_groups;
	/* the sh helper, still waiting for what to write (authorized_keys_remote_read) */
	struct authorized_keys_conversation *conversation;
};

/* "name (uid N)", or "uid N" when the server gave no name: the node's owner for messages. */
void remote_node_owner_text(const struct remote_node *n, char *buf, size_t len);
/* The account the same way. */
void authorized_keys_account_text(const struct authorized_keys_state *st, char *buf, size_t len);

/* for_user: NULL for the login user, else an account name, worked on as root: root (NULL
 * when the login account is root) says how, through sudo. The file is the first
 * AuthorizedKeysFile entry, where new keys go. */
struct root_runner;
int authorized_keys_remote_read(struct remote_session *s, const char *for_user,
				const struct root_runner *root, struct authorized_keys_state *ret,
				struct diag *d);
/* The same for entry number entry (ret->n_entries tells how many there are); read-only use:
 * only entry 0's conversation takes a write. ERR_KEYS_NOT_IN_FILES when sshd reads none
 * (AuthorizedKeysFile none). */
int authorized_keys_remote_read_entry(struct remote_session *s, const char *for_user,
				      const struct root_runner *root, unsigned entry,
				      struct authorized_keys_state *ret, struct diag *d);
void authorized_keys_state_clear(struct authorized_keys_state *st);
/* Parse the read helper's answer (network data: bounded, never trusted) into st, which
 * must be zeroed with its content buffer initialised. ERR_FORMAT when malformed. */
int authorized_keys_state_parse(const char *text, size_t len, struct authorized_keys_state *st);

/* A new node for path (len bytes) at the end of st->nodes, zeroed but for its path; NULL
 * when out of memory or past AUTHORIZED_KEYS_MAX_NODES. */
struct remote_node *authorized_keys_state_add_node(struct authorized_keys_state *st,
						   const char *path, size_t len);

/* chmod before the write, for StrictModes */
struct mode_fix {
	const char *path;
	mode_t mode;
};

/* Replace the file with content if it still holds st's content (in the session the read
 * left waiting: one write per read) (else
 * ERR_CHANGED_UNDER_US); create .ssh 0700 and the file 0600 owned by the account when
 * missing; apply fixes first. ret_log gets one line per change made on the server. */
int authorized_keys_remote_write(const struct authorized_keys_state *st,
				 const struct mode_fix *fixes, size_t n_fixes, const void *content,
				 size_t len, struct dynbuf *ret_log, struct diag *d);

/* Ask the helper the read left waiting who belongs to these groups (st->groups). */
int authorized_keys_remote_groups(struct authorized_keys_state *st, const gid_t *gids, size_t n,
				  struct diag *d);
/* Parse the helper's answer to that (network data: bounded), up to "end-groups". */
int authorized_keys_groups_parse(const char *text, size_t len, struct authorized_keys_state *st);

/* Apply only mode fixes (each only takes bits away: the helper refuses more) in the
 * session the read left waiting; with adopt, as root, first give the account its
 * authorized_keys, a root-owned regular file at st->path (no link on the way), checked
 * through a descriptor. No other owner is ever changed. ret_log gets one line per change. */
int authorized_keys_remote_fix(const struct authorized_keys_state *st, const struct mode_fix *modes,
			       size_t n_modes, bool adopt, struct dynbuf *ret_log, struct diag *d);

/* The same two over SFTP, for accounts without a shell (ForceCommand internal-sftp) and for
 * --sftp: the login user's ~/.ssh/authorized_keys (sshd -T cannot run there), the lock
 * shared with the sh helper, compare-and-swap on the bytes read, a temporary file synced
 * and renamed over the original (posix-rename@openssh.com), its mode kept. Files written
 * over SFTP belong to the login user, so a file owned by anyone else is refused. There is
 * no restorecon: a new file takes its directory's SELinux context. */
struct remote_sftp;
int authorized_keys_sftp_read(struct remote_sftp *sf, struct authorized_keys_state *ret,
			      struct diag *d);
int authorized_keys_sftp_write(struct remote_sftp *sf, const struct authorized_keys_state *st,
			       const struct mode_fix *fixes, size_t n_fixes, const void *content,
			       size_t len, struct dynbuf *ret_log, struct diag *d);

#endif
