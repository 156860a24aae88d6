#include "cli/terminal_safe.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/terminal_text.h"

#define PENDING_MAX  4 /* the start of a UTF-8 character cut between two writes */
#define FILTER_CHUNK (16 * 1024)

struct filtered {
	int fd;
	unsigned char pending[PENDING_MAX];
	size_t n_pending;
};

static struct filtered filtered_out = {STDOUT_FILENO, {0}, 0};
static struct filtered filtered_err = {STDERR_FILENO, {0}, 0};

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Escape and write in[len] after what is pending; keep a cut character for later. */
static int filter(struct filtered *f, const char *in, size_t len, bool final)
{
	/* pieces as large as stdout's buffer: one write(2) per piece, not per kilobyte */
	char chunk[FILTER_CHUNK], out[sizeof(chunk) * TERMINAL_TEXT_EXPANSION];
	while (len || (final && f->n_pending)) {
		size_t n = f->n_pending;
		memcpy(chunk, f->pending, n);
		size_t take = len < sizeof(chunk) - n ? len : sizeof(chunk) - n;
		memcpy(chunk + n, in, take);
		in += take;
		len -= take;
		n += take;
		size_t out_len;
		bool last = final && len == 0;
		size_t used = terminal_text_escape(chunk, n, last, out, &out_len);
		f->n_pending = n - used;
		memcpy(f->pending, chunk + used, f->n_pending);
		if (write_all(f->fd, out, out_len) < 0)
			return -1;
		if (last)
			break;
	}
	return 0;
}

static bool stdout_muted;

void terminal_safe_mute_stdout(bool mute)
{
	fflush(stdout);
	stdout_muted = mute;
}

static ssize_t filtered_write(void *cookie, const char *buf, size_t size)
{
	if (stdout_muted && cookie == &filtered_out)
		return (ssize_t)size;
	/* a cut character waits for its end; anything that cannot be one goes out now */
	return filter(cookie, buf, size, false) < 0 ? -1 : (ssize_t)size;
}

static int filtered_close(void *cookie)
{
	return filter(cookie, "", 0, true);
}

static FILE *open_filtered(struct filtered *f)
{
	cookie_io_functions_t io = {.write = filtered_write, .close = filtered_close};
	return fopencookie(f, "w", io);
}

void terminal_safe_install(void)
{
	FILE *out = open_filtered(&filtered_out), *err = open_filtered(&filtered_err);
	if (out) {
		setvbuf(out, NULL, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF, FILTER_CHUNK);
		stdout = out;
	}
	if (err) {
		setvbuf(err, NULL, _IONBF, 0);
		stderr = err;
	}
}

void terminal_control(const char *sequence)
{
	fflush(stderr);
	filter(&filtered_err, "", 0, true); /* nothing of a cut character left behind */
	write_all(STDERR_FILENO, sequence, strlen(sequence));
}

int terminal_safe_finish(void)
{
	int r = fflush(stdout) == 0 ? 0 : -1;
	if (fflush(stderr) != 0)
		r = -1;
	if (filter(&filtered_out, "", 0, true) < 0 || filter(&filtered_err, "", 0, true) < 0)
		r = -1;
	return r;
}
