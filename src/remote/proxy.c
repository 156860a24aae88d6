#include "remote/proxy.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/dynbuf.h"
#include "base/percent_expand.h"
#include "fleet/target.h"

extern char **environ;

/* Start argv[0] (looked up in PATH) with stdin and stdout on one end of a socket pair. */
static int proxy_spawn(char *const *argv, struct proxy *ret, int *ret_fd)
{
	int pair[2], err[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
		return -errno;
	if (pipe2(err, O_CLOEXEC) < 0) {
		int e = -errno;
		close(pair[0]);
		close(pair[1]);
		return e;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pair[1], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, pair[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
	pid_t pid;
	int r = -posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pair[1]);
	close(err[1]);
	if (r < 0) {
		close(pair[0]);
		close(err[0]);
		return r;
	}
	fcntl(err[0], F_SETFL, O_NONBLOCK);
	ret->pid = pid;
	ret->err_fd = err[0];
	*ret_fd = pair[0];
	return 0;
}

int proxy_start_jump(const char *jump, const char *hostname, unsigned port, const char *config_file,
		     struct proxy *ret, int *ret_fd, char *why, size_t why_len)
{
	/* as ssh builds it: the last hop is the host ssh connects to, the hops before it go
	 * on with -J */
	const char *last = strrchr(jump, ',');
	char *extra = last ? strndup(jump, (size_t)(last - jump)) : NULL;
	struct target hop = {0};
	const char *reason = NULL;
	char port_text[16], hop_port[16], forward[600];
	int r = target_parse(last ? last + 1 : jump, &hop, &reason);
	if (r < 0) {
		snprintf(why, why_len, "ProxyJump %s: %s", jump, reason ? reason : "invalid");
		goto out;
	}
	snprintf(port_text, sizeof(port_text), "%u", port);
	snprintf(hop_port, sizeof(hop_port), "%u", hop.port);
	snprintf(forward, sizeof(forward), "[%s]:%s", hostname, port_text);
	const char *argv[20];
	size_t n = 0;
	argv[n++] = "ssh";
	if (hop.user) {
		argv[n++] = "-l";
		argv[n++] = hop.user;
	}
	if (hop.port) {
		argv[n++] = "-p";
		argv[n++] = hop_port;
	}
	if (extra) {
		argv[n++] = "-J";
		argv[n++] = extra;
	}
	if (config_file) {
		argv[n++] = "-F";
		argv[n++] = config_file;
	}
	/* never a question on the terminal from a proxy: a fleet's proxies run side by side,
	 * and the answer would go to the wrong one; a jump host that needs one fails, saying
	 * why (its stderr is shown) */
	argv[n++] = "-o";
	argv[n++] = "BatchMode=yes";
	argv[n++] = "-W";
	argv[n++] = forward;
	argv[n++] = "--";
	argv[n++] = hop.host;
	argv[n] = NULL;
	snprintf(ret->what, sizeof(ret->what), "ProxyJump %.40s", jump);
	r = proxy_spawn((char *const *)argv, ret, ret_fd);
	if (r < 0)
		snprintf(why, why_len, "ProxyJump %s: cannot run ssh: %s", jump, strerror(-r));
out:
	target_clear(&hop);
	free(extra);
	return r;
}

/* What a shell reads as plain text: a host or user name with anything else is refused
 * rather than handed to the shell (ssh refuses such names on its command line too). */
static bool shell_plain(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("._-:@[]", *s)))
			return false;
	return true;
}

int proxy_start_command(const char *command, const char *hostname, const char *original_host,
			unsigned port, const char *user, struct proxy *ret, int *ret_fd, char *why,
			size_t why_len)
{
	struct dynbuf b;
	char port_text[16], bad = 0;
	snprintf(port_text, sizeof(port_text), "%u", port);
	const struct percent_token tokens[] = {
		{'h', hostname}, {'n', original_host}, {'p', port_text}, {'r', user}};
	dynbuf_init(&b, 64 * 1024);
	int r = dynbuf_append_str(&b, "exec ");
	if (r == 0 && (r = percent_expand(command, tokens, sizeof(tokens) / sizeof(*tokens),
					  shell_plain, &b, &bad)) == -EINVAL)
		snprintf(why, why_len,
			 "ProxyCommand: %%%c is not a token sshkeyctl expands, or its value would "
			 "reach the shell with characters it interprets; refused",
			 bad);
	if (r == 0)
		r = dynbuf_append(&b, "", 1);
	if (r == 0) {
		/* the shell ssh uses: $SHELL, else /bin/sh */
		const char *shell = getenv("SHELL");
		if (!shell || !*shell || access(shell, X_OK) < 0)
			shell = "/bin/sh";
		char *const argv[] = {(char *)shell, "-c", (char *)b.data, NULL};
		snprintf(ret->what, sizeof(ret->what), "ProxyCommand");
		r = proxy_spawn(argv, ret, ret_fd);
		if (r < 0)
			snprintf(why, why_len, "ProxyCommand: cannot run %s: %s", shell,
				 strerror(-r));
	}
	dynbuf_free(&b);
	return r;
}

void proxy_error_line(struct proxy *p, char *buf, size_t len)
{
	char text[4096];
	ssize_t got = p->err_fd >= 0 ? read(p->err_fd, text, sizeof(text) - 1) : -1;
	if (got <= 0) {
		snprintf(buf, len, "%s", "");
		return;
	}
	text[got] = 0;
	/* the last line that says something: ssh prints its reason last */
	char *end = text + got;
	while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
		*--end = 0;
	char *start = strrchr(text, '\n');
	snprintf(buf, len, "%s", start ? start + 1 : text);
}

void proxy_stop(struct proxy *p)
{
	if (p->pid <= 0)
		return;
	/* the program sees EOF (libssh closed its end) and ends; give it a moment */
	int status;
	bool reaped = false;
	for (int i = 0; i < 50 && !reaped; i++) {
		pid_t w = waitpid(p->pid, &status, WNOHANG);
		reaped = w == p->pid || (w < 0 && errno != EINTR);
		if (!reaped) {
			struct timespec ms = {0, 10 * 1000 * 1000};
			nanosleep(&ms, NULL);
		}
	}
	if (!reaped) {
		kill(p->pid, SIGKILL);
		while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (p->err_fd >= 0)
		close(p->err_fd);
	p->pid = 0;
	p->err_fd = -1;
}
