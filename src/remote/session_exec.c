/* Commands, scripts and subsystems on a session (remote/session.h). */
#include "remote/session_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/base64.h"
#include "base/wire.h"
#include "base/error.h"
#include "base/random.h"
#include "base/file_io.h"
#include "base/text_lines.h"
#include "files/known_hosts.h"
#include "base/user_info.h"
#include "keys/openssh_key_v1.h"
#include "remote/agent.h"
#include "remote/frame.h"
#include "remote/openssh_client.h"
#include "remote/proxy.h"

struct remote_process {
	struct remote_session *session;
	ssh_channel channel;
	struct dynbuf *out, *err;
	bool ended; /* it stopped reading: no more input goes to it */
	/* a script's answer starts after its frame line (remote/frame.h) */
	struct frame_reader frame;
};

/* frame: the script's frame token, or NULL (all output is the answer) */
static int process_start(struct remote_session *s, const char *command, const char *frame,
			 struct dynbuf *out, struct dynbuf *err, struct remote_process **ret,
			 struct diag *d);

int remote_process_start(struct remote_session *s, const char *command, struct dynbuf *out,
			 struct dynbuf *err, struct remote_process **ret, struct diag *d)
{
	return process_start(s, command, NULL, out, err, ret, d);
}

static int process_start(struct remote_session *s, const char *command, const char *frame,
			 struct dynbuf *out, struct dynbuf *err, struct remote_process **ret,
			 struct diag *d)
{
	/* the command is fixed text of ours (data travels on stdin), safe to show */
	remote_trace(s, "exec: %.200s%s", command, strlen(command) > 200 ? "..." : "");
	int r = session_step_begin(s, NULL, d);
	if (r < 0)
		return r;
	struct remote_process *p = calloc(1, sizeof(*p));
	if (!p || !(p->channel = ssh_channel_new(s->ssh))) {
		free(p);
		return -ENOMEM;
	}
	p->session = s;
	p->out = out;
	p->err = err;
	frame_reader_init(&p->frame, frame);
	if (ssh_channel_open_session(p->channel) != SSH_OK ||
	    ssh_channel_request_exec(p->channel, command) != SSH_OK) {
		diag_set(d, "cannot run a command: %s", ssh_get_error(s->ssh));
		remote_process_free(p);
		return ERR_REMOTE;
	}
	*ret = p;
	return 0;
}

const char *remote_process_preface(struct remote_process *p)
{
	return frame_reader_preface(&p->frame);
}

/* Read whatever is there from both streams without blocking. */
static int drain(struct remote_process *p)
{
	char buf[16384];
	for (int is_stderr = 0; is_stderr < 2; is_stderr++) {
		int n;
		while ((n = ssh_channel_read_nonblocking(p->channel, buf, sizeof(buf), is_stderr)) >
		       0) {
			int r = is_stderr ? dynbuf_append(p->err, buf, (size_t)n)
					  : frame_reader_feed(&p->frame, buf, (size_t)n, p->out);
			if (r < 0)
				return r;
		}
		if (n == SSH_ERROR)
			return ERR_CONNECT;
	}
	return 0;
}

void remote_process_free(struct remote_process *p)
{
	if (!p)
		return;
	ssh_channel_close(p->channel);
	ssh_channel_free(p->channel);
	frame_reader_clear(&p->frame);
	free(p);
}

int remote_process_write(struct remote_process *p, const void *data, size_t len, struct diag *d)
{
	struct timespec deadline;
	int r = session_step_begin(p->session, &deadline, d);
	size_t off = 0;
	/* in chunks, reading in between so a chatty command cannot fill its window and stall
	 * both sides */
	while (r == 0 && off < len && !p->ended) {
		size_t chunk = len - off > 32768 ? 32768 : len - off;
		int n = ssh_channel_write(p->channel, (const char *)data + off, (uint32_t)chunk);
		/* a command that stops before reading all (no shell: ForceCommand internal-sftp)
		 * closes the channel; its output and status tell why, and a broken connection
		 * shows up again when we read */
		if (n < 0 || (n == 0 && (ssh_channel_is_eof(p->channel) ||
					 ssh_channel_is_closed(p->channel)))) {
			p->ended = true;
			break;
		}
		if (n == 0) {
			diag_set(d, "the server stopped reading (after %lds)", p->session->timeout);
			return ERR_TIMEOUT;
		}
		off += (size_t)n;
		if ((r = drain(p)) < 0)
			return r;
		if (session_remaining_ms(&deadline) <= 0) {
			diag_set(d, "the server stopped reading (after %lds)", p->session->timeout);
			return ERR_TIMEOUT;
		}
	}
	return r;
}

/* One wait for output, at most 200 ms and within deadline: what came appended to the
 * process's out and err. streaming: the deadline counts from the last output. */
static int read_step(struct remote_process *p, const struct timespec *deadline, bool streaming,
		     struct diag *d)
{
	long ms = session_remaining_ms(deadline);
	if (ms <= 0) {
		if (streaming)
			diag_set(d, "no output for %lds", p->session->timeout);
		else
			diag_set(d, "the command did not finish within %lds", p->session->timeout);
		return ERR_TIMEOUT;
	}
	char buf[16384];
	int n = ssh_channel_read_timeout(p->channel, buf, sizeof(buf), 0,
					 (int)(ms > 200 ? 200 : ms));
	if (n == SSH_ERROR) {
		diag_set(d, "reading from the server failed: %s", ssh_get_error(p->session->ssh));
		return ERR_CONNECT;
	}
	int r = 0;
	if (n > 0 && (r = frame_reader_feed(&p->frame, buf, (size_t)n, p->out)) < 0)
		return r;
	return drain(p);
}

int remote_process_read_until(struct remote_process *p,
			      bool (*complete)(const struct dynbuf *out, void *arg), void *arg,
			      struct diag *d)
{
	struct timespec deadline;
	int r = session_step_begin(p->session, &deadline, d);
	if (r < 0)
		return r;
	while (!(complete && complete(p->out, arg)) && !ssh_channel_is_eof(p->channel) &&
	       !ssh_channel_is_closed(p->channel))
		if ((r = read_step(p, &deadline, false, d)) < 0)
			return r;
	return drain(p);
}

int remote_process_stream(struct remote_process *p,
			  int (*consume)(const uint8_t *data, size_t len, void *arg), void *arg,
			  struct diag *d)
{
	struct timespec deadline;
	int r = session_step_begin(p->session, &deadline, d);
	if (r < 0)
		return r;
	if (!p->ended)
		ssh_channel_send_eof(p->channel);
	for (;;) {
		bool ended = ssh_channel_is_eof(p->channel) || ssh_channel_is_closed(p->channel);
		if (p->out->len) {
			r = consume(p->out->data, p->out->len, arg);
			dynbuf_reset(p->out);
			/* the time limit counts from the last output: a long answer that flows
			 * is not cut */
			if (r < 0 || (r = session_step_begin(p->session, &deadline, d)) < 0)
				return r;
		}
		if (ended)
			return 0;
		if ((r = read_step(p, &deadline, true, d)) < 0)
			return r;
	}
}

int remote_process_finish(struct remote_process *p, int *ret_status, struct diag *d)
{
	if (!p->ended)
		ssh_channel_send_eof(p->channel);
	int r = remote_process_read_until(p, NULL, NULL, d);
	if (r == 0)
		*ret_status = ssh_channel_get_exit_status(p->channel);
	return r;
}

/* The login shell (sh, csh, fish...) only sees this fixed line. sh reads the script from
 * stdin line by line with its read builtin, up to a marker line: a shell reads a pipe a
 * byte at a time, so nothing after the marker is consumed, and what follows stays on stdin
 * for the script's commands. (dd bs=1 did the same with a process and two system calls per
 * byte, a tenth of the server's work per host.) The script's text stays in $s while it runs:
 * a helper that must repeat a step with fewer privileges runs sh -c "$s" as the account
 * (helpers/authorized_keys.sh). Before the script runs, sh prints the frame line it read
 * first: what a login shell's rc files print (.bashrc, config.fish, .tcshrc) comes before
 * it and is never taken for the script's answer. */
#define SCRIPT_END "__sshkeyctl_end_of_script__"
static const char script_command[] =
	"exec %ssh -c '%sIFS= read -r f; n=$(printf \"\\nx\"); n=${n%%x}; s=; while IFS= read -r "
	"l; "
	"do [ \"$l\" = " SCRIPT_END " ] && break; s=\"$s$l$n\"; done; printf \"\\n%%s\\n\" \"$f\"; "
	"eval \"$s\"'";
/* the first line must be the marker: read as data, compared, never evaluated */
static const char marker_check[] = "IFS= read -r m; [ \"$m\" = %s ] || exit %d; ";

int remote_process_start_script(struct remote_session *s, const char *script, struct dynbuf *out,
				struct dynbuf *err, struct remote_process **ret, struct diag *d)
{
	return remote_process_start_script_as(s, "", NULL, 0, NULL, script, out, err, ret, d);
}

int remote_process_start_script_as(struct remote_session *s, const char *runner,
				   const void *preamble, size_t preamble_len, const char *marker,
				   const char *script, struct dynbuf *out, struct dynbuf *err,
				   struct remote_process **ret, struct diag *d)
{
	struct remote_process *p;
	char command[sizeof(script_command) + sizeof(marker_check) + 128], check[128] = "";
	if (marker && (strspn(marker, "0123456789abcdef") != strlen(marker) ||
		       snprintf(check, sizeof(check), marker_check, marker,
				REMOTE_SCRIPT_MARKER_MISSING) >= (int)sizeof(check)))
		return -EINVAL;
	if (snprintf(command, sizeof(command), script_command, runner, check) >=
	    (int)sizeof(command))
		return -EINVAL;
	/* the frame: random, so no text a login shell prints before can forge it; set before
	 * the first byte of output can come */
	char frame[40];
	int r = remote_random_token(frame, sizeof(frame));
	if (r == 0)
		r = process_start(s, command, frame, out, err, &p, d);
	if (r == 0 && preamble_len && (r = remote_process_write(p, preamble, preamble_len, d)) < 0)
		remote_process_free(p);
	if (r == 0 && marker &&
	    ((r = remote_process_write(p, marker, strlen(marker), d)) < 0 ||
	     (r = remote_process_write(p, "\n", 1, d)) < 0))
		remote_process_free(p);
	if (r == 0 && ((r = remote_process_write(p, frame, strlen(frame), d)) < 0 ||
		       (r = remote_process_write(p, "\n", 1, d)) < 0))
		remote_process_free(p);
	if (r == 0 &&
	    ((r = remote_process_write(p, script, strlen(script), d)) < 0 ||
	     (r = remote_process_write(p, "\n" SCRIPT_END "\n", strlen(SCRIPT_END) + 2, d)) < 0))
		remote_process_free(p);
	if (r == 0)
		*ret = p;
	return r;
}

int remote_random_token(char *buf, size_t len)
{
	unsigned char bytes[16];
	if (len < 2 * sizeof(bytes) + 1)
		return -EINVAL;
	int r = random_bytes(bytes, sizeof(bytes));
	if (r < 0)
		return r;
	for (size_t i = 0; i < sizeof(bytes); i++)
		snprintf(buf + 2 * i, 3, "%02x", bytes[i]);
	return 0;
}

int remote_exec_status(struct remote_session *s, const char *command, int *ret_status,
		       struct diag *d)
{
	struct dynbuf out, err;
	dynbuf_init(&out, 64 * 1024);
	dynbuf_init(&err, 64 * 1024);
	struct remote_process *p;
	int r = remote_process_start(s, command, &out, &err, &p, d);
	if (r == 0) {
		r = remote_process_finish(p, ret_status, d);
		remote_process_free(p);
	}
	dynbuf_free(&out);
	dynbuf_free(&err);
	return r;
}

struct remote_channel {
	struct remote_session *session;
	ssh_channel channel;
};

int remote_open_subsystem(struct remote_session *s, const char *name, struct remote_channel **ret,
			  struct diag *d)
{
	remote_trace(s, "subsystem %s", name);
	int r = session_step_begin(s, NULL, d);
	if (r < 0)
		return r;
	struct remote_channel *c = calloc(1, sizeof(*c));
	if (!c || !(c->channel = ssh_channel_new(s->ssh))) {
		free(c);
		return -ENOMEM;
	}
	c->session = s;
	if (ssh_channel_open_session(c->channel) != SSH_OK ||
	    ssh_channel_request_subsystem(c->channel, name) != SSH_OK) {
		diag_set(d, "cannot start the %s subsystem: %s", name, ssh_get_error(s->ssh));
		remote_channel_free(c);
		return ERR_REMOTE;
	}
	*ret = c;
	return 0;
}

int remote_channel_write(struct remote_channel *c, const void *data, size_t len, struct diag *d)
{
	int r = session_step_begin(c->session, NULL, d);
	if (r < 0)
		return r;
	const char *p = data;
	while (len > 0) {
		size_t chunk = len > 32768 ? 32768 : len;
		/* blocks while the server's window is full, up to the session timeout */
		int n = ssh_channel_write(c->channel, p, (uint32_t)chunk);
		if (n <= 0) {
			diag_set(d, "sending to the server failed: %s",
				 n == 0 ? "it stopped reading" : ssh_get_error(c->session->ssh));
			return n == 0 ? ERR_TIMEOUT : ERR_CONNECT;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int remote_channel_read(struct remote_channel *c, void *buf, size_t len, struct diag *d)
{
	struct timespec deadline;
	int r = session_step_begin(c->session, &deadline, d);
	if (r < 0)
		return r;
	char *p = buf;
	while (len > 0) {
		long ms = session_remaining_ms(&deadline);
		if (ms <= 0) {
			diag_set(d, "the server did not answer within %lds", c->session->timeout);
			return ERR_TIMEOUT;
		}
		int n = ssh_channel_read_timeout(c->channel, p, (uint32_t)len, 0,
						 (int)(ms > 200 ? 200 : ms));
		if (n == SSH_ERROR) {
			diag_set(d, "reading from the server failed: %s",
				 ssh_get_error(c->session->ssh));
			return ERR_CONNECT;
		}
		if (n == 0 && ssh_channel_is_eof(c->channel)) {
			diag_set(d, "the server closed the channel");
			return ERR_CONNECT;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void remote_channel_free(struct remote_channel *c)
{
	if (!c)
		return;
	ssh_channel_close(c->channel);
	ssh_channel_free(c->channel);
	free(c);
}
