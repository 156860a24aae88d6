#include "base/file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"

int read_fd(int fd, struct dynbuf *out)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	size_t chunk = 64 * 1024;
	if (S_ISREG(st.st_mode)) {
		if ((size_t)st.st_size > out->cap - out->len)
			return ERR_TOO_LARGE;
		chunk = (size_t)st.st_size + 1; /* one read, plus one to see the end */
	}
	for (;;) {
		size_t want = chunk;
		if (want > out->cap - out->len)
			want = out->cap - out->len;
		if (want == 0) {
			/* at the cap: anything more is too much */
			char probe;
			ssize_t n = read(fd, &probe, 1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return -errno;
			return n == 0 ? 0 : ERR_TOO_LARGE;
		}
		uint8_t *p;
		size_t before = out->len;
		int r = dynbuf_reserve_tail(out, want, &p);
		if (r < 0)
			return r;
		ssize_t n = read(fd, p, want);
		if (n < 0) {
			int e = errno;
			dynbuf_truncate(out, before);
			if (e == EINTR)
				continue;
			return -e;
		}
		dynbuf_truncate(out, before + (size_t)n);
		if (n == 0)
			return 0;
		/* the rest of a regular file is normally nothing: asking for its whole size
		 * again would double the buffer (and wipe pages never written) to see the end */
		chunk = 64 * 1024;
	}
}

int read_file(const char *path, unsigned flags, struct dynbuf *out)
{
	int oflags = O_RDONLY | O_CLOEXEC | O_NOCTTY;
	if (flags & READ_FILE_NOFOLLOW)
		oflags |= O_NOFOLLOW;
	/* opening a FIFO blocks until a writer comes: non-blocking, then looked at */
	if (flags & READ_FILE_REGULAR)
		oflags |= O_NONBLOCK;
	int fd = open(path, oflags);
	if (fd < 0)
		return -errno;
	struct stat st;
	int r = 0;
	if (flags & READ_FILE_REGULAR) {
		if (fstat(fd, &st) < 0)
			r = -errno;
		else if (!S_ISREG(st.st_mode))
			r = S_ISDIR(st.st_mode) ? -EISDIR : ERR_NOT_REGULAR;
		else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
			r = -errno;
	}
	if (r < 0) {
		close(fd);
		return r;
	}
	r = read_fd(fd, out);
	close(fd);
	return r;
}

int refuse_symlink(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	return S_ISLNK(st.st_mode) ? -ELOOP : 0;
}

int ensure_directory(const char *dir, mode_t mode, bool *ret_created)
{
	bool created = false;
	if (mkdir(dir, mode) == 0) {
		created = true;
		/* the umask may have removed bits; the mode we were asked for is the one we give */
		if (chmod(dir, mode) < 0)
			return -errno;
	} else if (errno != EEXIST) {
		return -errno;
	} else {
		struct stat st;
		if (stat(dir, &st) < 0)
			return -errno;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
	}
	if (ret_created)
		*ret_created = created;
	return 0;
}

static int directory_fsync(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -errno;
	int r = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return r;
}

int atomic_file_begin(struct atomic_file *f, const char *path, mode_t mode)
{
	f->fd = -1;
	f->tmp_path = NULL;
	f->path = strdup(path);
	if (!f->path)
		return -ENOMEM;
	int r = refuse_symlink(path);
	if (r < 0)
		goto fail;
	for (int attempt = 0; attempt < 16; attempt++) {
		uint32_t rnd;
		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd)) {
			r = -EIO;
			goto fail;
		}
		free(f->tmp_path);
		if (asprintf(&f->tmp_path, "%s.tmp-%08x", path, rnd) < 0) {
			f->tmp_path = NULL;
			r = -ENOMEM;
			goto fail;
		}
		f->fd = open(f->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			     0600);
		if (f->fd >= 0)
			break;
		if (errno != EEXIST) {
			r = -errno;
			free(f->tmp_path);
			f->tmp_path = NULL;
			goto fail;
		}
	}
	if (f->fd < 0) {
		r = -EEXIST;
		free(f->tmp_path);
		f->tmp_path = NULL;
		goto fail;
	}
	if (fchmod(f->fd, mode) < 0) {
		r = -errno;
		goto fail;
	}
	return 0;
fail:
	atomic_file_abort(f);
	return r;
}

int atomic_file_write(struct atomic_file *f, const void *data, size_t len)
{
	const uint8_t *p = data;
	while (len > 0) {
		ssize_t n = write(f->fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	/* start the writeback now: the fsync that follows, often after other work or after a
	 * second file was written, then waits less */
	sync_file_range(f->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	return 0;
}

int atomic_file_sync(struct atomic_file *f)
{
	if (f->fd < 0)
		return 0;
	/* data and the size that makes it readable; other metadata need not wait */
	if (fdatasync(f->fd) < 0)
		return -errno;
	int r = close(f->fd) < 0 ? -errno : 0;
	f->fd = -1;
	return r;
}

struct sync_job {
	struct atomic_file *file;
	int result;
};

static void *sync_job_run(void *arg)
{
	struct sync_job *job = arg;
	job->result = atomic_file_sync(job->file);
	return NULL;
}

int atomic_file_sync_all(struct atomic_file *const *files, size_t n)
{
	enum { MAX_PARALLEL = 8 };
	struct sync_job jobs[MAX_PARALLEL];
	pthread_t threads[MAX_PARALLEL];
	bool started[MAX_PARALLEL] = {false};
	int r = 0;
	if (n > MAX_PARALLEL)
		return -EINVAL;
	/* files 1..n-1 in threads, file 0 here; a thread that cannot start syncs inline */
	for (size_t i = 1; i < n; i++) {
		jobs[i] = (struct sync_job){files[i], 0};
		started[i] = pthread_create(&threads[i], NULL, sync_job_run, &jobs[i]) == 0;
		if (!started[i])
			sync_job_run(&jobs[i]);
	}
	if (n > 0)
		r = atomic_file_sync(files[0]);
	for (size_t i = 1; i < n; i++) {
		if (started[i])
			pthread_join(threads[i], NULL);
		if (r == 0)
			r = jobs[i].result;
	}
	return r;
}

int atomic_file_commit(struct atomic_file *f, unsigned flags)
{
	int r = atomic_file_sync(f);
	if (r < 0)
		return r;
	if (flags & ATOMIC_FILE_NO_REPLACE) {
		if (renameat2(AT_FDCWD, f->tmp_path, AT_FDCWD, f->path, RENAME_NOREPLACE) < 0)
			return -errno;
	} else {
		/* checked again right before the rename: a link planted since begin is refused */
		r = refuse_symlink(f->path);
		if (r < 0)
			return r;
		if (rename(f->tmp_path, f->path) < 0)
			return -errno;
	}
	free(f->tmp_path);
	f->tmp_path = NULL;
	return (flags & ATOMIC_FILE_DEFER_DIR_SYNC) ? 0 : directory_fsync(f->path);
}

void atomic_file_abort(struct atomic_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (f->tmp_path) {
		unlink(f->tmp_path);
		free(f->tmp_path);
		f->tmp_path = NULL;
	}
	free(f->path);
	f->path = NULL;
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, unsigned flags)
{
	struct atomic_file f;
	int r = atomic_file_begin(&f, path, mode);
	if (r < 0)
		return r;
	r = atomic_file_write(&f, data, len);
	if (r == 0)
		r = atomic_file_commit(&f, flags);
	atomic_file_abort(&f);
	return r;
}
