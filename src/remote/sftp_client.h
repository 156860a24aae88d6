/* A small SFTP version 3 client (draft-ietf-secsh-filexfer-02, OpenSSH's PROTOCOL) of our
 * own over a libssh channel, for accounts that can only speak SFTP (ForceCommand
 * internal-sftp) and for --sftp. libssh 0.10's client cannot replace a file atomically (its
 * rename is plain v3, and it offers no extended requests: no posix-rename@openssh.com) and
 * its calls have no effective timeout; this one has both. One request at a time: the files
 * it moves (authorized_keys) are small.
 *
 * Replies are network data: every one is parsed by sftp_reply_parse, which is bounded and
 * fuzzed. Failures come back as negative errno values for the statuses that have one
 * (-ENOENT, -EACCES, -EEXIST), else ERR_REMOTE, with the server's message in struct diag.
 */
#ifndef SSHKEYCTL_REMOTE_SFTP_CLIENT_H
#define SSHKEYCTL_REMOTE_SFTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/dynbuf.h"
#include "remote/session.h"

#define SFTP_MAX_PACKET (256 * 1024) /* OpenSSH's sftp-server limit for one message */

struct sftp_attrs {
	bool has_size, has_ids, has_perms, has_times;
	uint32_t mtime; /* seconds since the epoch, when has_times */
	uint64_t size;
	uint32_t uid, gid;
	uint32_t perms; /* file type bits and mode, as st_mode */
};

/* One server message, with pointers into the message it was parsed from. */
struct sftp_reply {
	uint8_t type;
	uint32_t id;               /* not for VERSION */
	uint32_t version;          /* VERSION */
	const uint8_t *extensions; /* VERSION: the name/data string pairs, unparsed */
	size_t extensions_len;
	uint32_t status;     /* STATUS */
	const char *message; /* STATUS message or NAME's first file name */
	size_t message_len;
	const uint8_t *data; /* HANDLE or DATA */
	size_t data_len;
	struct sftp_attrs attrs; /* ATTRS or NAME's first entry */
};

/* Parse one message (type byte first, the length prefix removed). ERR_FORMAT,
 * ERR_TRUNCATED or ERR_TRAILING when it is not well formed. */
int sftp_reply_parse(const uint8_t *msg, size_t len, struct sftp_reply *ret);

struct remote_sftp;

int remote_sftp_start(struct remote_session *s, struct remote_sftp **ret, struct diag *d);
void remote_sftp_free(struct remote_sftp *sf);
/* Did the server announce this extension in its VERSION message? */
bool remote_sftp_has_extension(const struct remote_sftp *sf, const char *name);

int remote_sftp_lstat(struct remote_sftp *sf, const char *path, struct sftp_attrs *ret,
		      struct diag *d);
/* The canonical absolute form of path ("." is the login directory); free() the result. */
int remote_sftp_realpath(struct remote_sftp *sf, const char *path, char **ret, struct diag *d);
/* The whole file, appended to out (whose cap bounds it). */
int remote_sftp_read_file(struct remote_sftp *sf, const char *path, struct dynbuf *out,
			  struct diag *d);
int remote_sftp_mkdir(struct remote_sftp *sf, const char *path, uint32_t mode, struct diag *d);
int remote_sftp_rmdir(struct remote_sftp *sf, const char *path, struct diag *d);
int remote_sftp_remove(struct remote_sftp *sf, const char *path, struct diag *d);
int remote_sftp_chmod(struct remote_sftp *sf, const char *path, uint32_t mode, struct diag *d);
/* Create path, which must not exist, with data, flushed to disk (fsync@openssh.com) when the
 * server offers it, then given mode exactly (open applies the server's umask). */
int remote_sftp_create(struct remote_sftp *sf, const char *path, uint32_t mode, const void *data,
		       size_t len, struct diag *d);
/* rename(2) over an existing file (posix-rename@openssh.com): -ENOTSUP when not offered. */
int remote_sftp_rename_replace(struct remote_sftp *sf, const char *from, const char *to,
			       struct diag *d);

#endif
