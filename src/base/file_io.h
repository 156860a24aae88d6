/* Reading whole files under a size cap, and replacing files atomically.
 *
 * Atomic replacement: the new content goes to a temporary file created in the target's own
 * directory with O_CREAT|O_EXCL|O_NOFOLLOW, is written whole and fsynced, gets its exact mode
 * with fchmod (the umask does not apply), and is then renamed over the target; the directory
 * is fsynced last. A failure at any step unlinks the temporary file, so nothing is left
 * behind and the target is untouched. A target that is a symbolic link is refused (-ELOOP):
 * the rename would replace the link, not the file it points to, and a link planted by
 * someone else could redirect our write.
 */
#ifndef SSHKEYCTL_BASE_FILE_IO_H
#define SSHKEYCTL_BASE_FILE_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/dynbuf.h"

enum read_file_flags {
	READ_FILE_NOFOLLOW = 1 << 0, /* refuse a symbolic link as the last component */
	/* a regular file only (ERR_NOT_REGULAR): a FIFO or a device could block for ever */
	READ_FILE_REGULAR = 1 << 1,
};

/* Append the whole content of path (a regular file, a FIFO or a character device such as
 * /dev/stdin) to out, whose cap limits the size (ERR_TOO_LARGE beyond it). */
int read_file(const char *path, unsigned flags, struct dynbuf *out);
/* Same for an open descriptor (not closed). */
int read_fd(int fd, struct dynbuf *out);

struct atomic_file {
	char *path;     /* final name */
	char *tmp_path; /* temporary name, NULL once renamed or removed */
	int fd;
};

enum atomic_file_flags {
	ATOMIC_FILE_NO_REPLACE = 1 << 0,     /* fail with -EEXIST if the target exists at commit */
	ATOMIC_FILE_DEFER_DIR_SYNC = 1 << 1, /* the caller commits another file in the same
					      * directory next, whose directory fsync covers both */
};

/* Create the temporary file for path with the given mode. */
int atomic_file_begin(struct atomic_file *f, const char *path, mode_t mode);
int atomic_file_write(struct atomic_file *f, const void *data, size_t len);
/* fsync the temporary file; called by commit, separately useful to prepare several files
 * before renaming any of them. */
int atomic_file_sync(struct atomic_file *f);
/* atomic_file_sync() for several files at once: the flushes run in parallel threads, so
 * the file system can commit them together (on ext4 one journal commit instead of one per
 * file). Returns the first error. */
int atomic_file_sync_all(struct atomic_file *const *files, size_t n);
/* Rename the temporary file over the target and fsync the directory. */
int atomic_file_commit(struct atomic_file *f, unsigned flags);
/* Remove the temporary file if still there and release everything; safe after commit. */
void atomic_file_abort(struct atomic_file *f);

/* The whole sequence for one buffer. */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, unsigned flags);

/* -ELOOP when path is a symbolic link, 0 when it does not exist or is something else. */
int refuse_symlink(const char *path);
/* Make dir with mode if missing; ret_created tells whether we made it. */
int ensure_directory(const char *dir, mode_t mode, bool *ret_created);

#endif
