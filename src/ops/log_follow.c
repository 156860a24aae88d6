#include "ops/log_follow.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops/log_stream.h"

struct followed {
	const char *path;
	int fd;
	dev_t dev;
	ino_t ino;
	off_t offset;
	struct log_stream stream;
	bool open;
};

static int open_file(struct followed *f, bool at_end, struct log_report *r, struct diag *d)
{
	struct stat st;
	int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int e = fd < 0 ? errno : EINVAL;
		if (fd >= 0)
			close(fd);
		diag_set(d, "%s: %s", f->path, e == EINVAL ? "not a regular file" : strerror(e));
		return -e;
	}
	unsigned char magic[2];
	if (pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
		close(fd);
		diag_set(d, "%s: a gzip file does not grow: follow the log itself", f->path);
		return -EINVAL;
	}
	int rc = log_stream_begin(&f->stream, r, f->path);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	f->stream.format = LOG_STREAM_PLAIN;
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->offset = at_end ? st.st_size : 0;
	f->open = true;
	return 0;
}

static void close_file(struct followed *f)
{
	if (!f->open)
		return;
	log_stream_end(&f->stream);
	log_stream_clear(&f->stream);
	close(f->fd);
	f->open = false;
}

/* what was added since the last read */
static int read_new(struct followed *f, char *buf, size_t size)
{
	for (;;) {
		ssize_t n = pread(f->fd, buf, size, f->offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : 0;
		f->offset += n;
		int rc = log_stream_push(&f->stream, buf, (size_t)n);
		if (rc < 0)
			return rc;
	}
}

/* renamed away and made anew, or cut shorter: said, and read from the start */
static int check_rotation(const struct log_follow_request *req, struct followed *f, char *buf,
			  size_t size)
{
	struct stat st, now;
	if (stat(f->path, &st) < 0)
		return 0; /* renamed, the new one not made yet: the old one is still read */
	if (st.st_dev != f->dev || st.st_ino != f->ino) {
		struct diag d = {{0}};
		int rc = read_new(f, buf, size); /* the old file's last lines */
		close_file(f);
		if (rc < 0)
			return rc;
		if ((rc = open_file(f, false, req->report, &d)) < 0) {
			if (req->notice)
				req->notice(f->path, d.text, req->arg);
			return 0; /* looked at again on the next turn */
		}
		if (req->notice)
			req->notice(f->path, "rotated: the new file read from its start", req->arg);
	} else if (fstat(f->fd, &now) == 0 && now.st_size < f->offset) {
		f->offset = 0;
		if (req->notice)
			req->notice(f->path, "truncated: read again from its start", req->arg);
	}
	return 0;
}

int log_follow(const struct log_follow_request *req, struct diag *d)
{
	struct followed *files = calloc(req->n_paths, sizeof(*files));
	char *buf = malloc(1024 * 1024);
	int rc = files && buf ? 0 : -ENOMEM, in = -1;
	for (size_t i = 0; rc == 0 && i < req->n_paths; i++) {
		files[i].path = req->paths[i];
		rc = open_file(&files[i], true, req->report, d);
	}
	if (rc == 0) {
		/* the directories: a file made anew there, or written to, wakes the loop */
		in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		for (size_t i = 0; in >= 0 && i < req->n_paths; i++) {
			char dir[PATH_MAX];
			const char *slash = strrchr(files[i].path, '/');
			snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - files[i].path) : 1,
				 slash ? (slash == files[i].path ? "/" : files[i].path) : ".");
			inotify_add_watch(in, dir,
					  IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
						  IN_DELETE | IN_CLOSE_WRITE);
		}
	}
	while (rc == 0 && !*req->stop) {
		for (size_t i = 0; rc == 0 && i < req->n_paths; i++) {
			struct diag ignored = {{0}};
			if (!files[i].open) {
				/* gone at a rotation: looked for again each turn */
				if (open_file(&files[i], false, req->report, &ignored) == 0 &&
				    req->notice)
					req->notice(files[i].path, "made anew: read from its start",
						    req->arg);
				continue;
			}
			rc = read_new(&files[i], buf, 1024 * 1024);
			if (rc == 0)
				rc = check_rotation(req, &files[i], buf, 1024 * 1024);
		}
		if (rc < 0 || *req->stop)
			break;
		struct pollfd p = {.fd = in, .events = POLLIN};
		if (poll(&p, in >= 0 ? 1 : 0, 1000) > 0) {
			char events[4096];
			while (read(in, events, sizeof(events)) > 0)
				;
		}
	}
	if (rc < 0 && !d->text[0])
		diag_set(d, "%s", error_to_string(rc));
	for (size_t i = 0; files && i < req->n_paths; i++)
		close_file(&files[i]);
	if (in >= 0)
		close(in);
	free(files);
	free(buf);
	return rc;
}
