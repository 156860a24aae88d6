#include "remote/openssh_client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define OUTPUT_MAX (1024 * 1024)

void openssh_client_config_clear(struct openssh_client_config *c)
{
	for (size_t i = 0; i < c->n_identity_files; i++)
		free(c->identity_files[i]);
	free(c->identity_files);
	memset(c, 0, sizeof(*c));
}

static void copy_value(char *dst, size_t len, const char *v, size_t vlen)
{
	snprintf(dst, len, "%.*s", (int)(vlen < len ? vlen : len - 1), v);
}

int openssh_client_config_parse(const char *text, size_t len, struct openssh_client_config *ret)
{
	struct openssh_client_config c = {.pubkey_authentication = true, .port = 22};
	int r = 0;
	for (size_t off = 0; off < len && r == 0;) {
		const char *line = text + off;
		const char *nl = memchr(line, '\n', len - off);
		size_t llen = nl ? (size_t)(nl - line) : len - off;
		off += llen + 1;
		const char *sp = memchr(line, ' ', llen);
		if (!sp)
			continue;
		size_t klen = (size_t)(sp - line);
		const char *v = sp + 1;
		size_t vlen = llen - klen - 1;
/* ssh -G prints keywords in mixed case since OpenSSH 10.4 */
#define KEY(k) (klen == sizeof(k) - 1 && strncasecmp(line, k, klen) == 0)
		if (KEY("user")) {
			copy_value(c.user, sizeof(c.user), v, vlen);
		} else if (KEY("hostname")) {
			copy_value(c.hostname, sizeof(c.hostname), v, vlen);
		} else if (KEY("port")) {
			char num[16];
			copy_value(num, sizeof(num), v, vlen);
			long p = strtol(num, NULL, 10);
			c.port = p > 0 && p < 65536 ? (unsigned)p : 22;
		} else if (KEY("identitiesonly")) {
			c.identities_only = vlen == 3 && memcmp(v, "yes", 3) == 0;
		} else if (KEY("pubkeyauthentication")) {
			c.pubkey_authentication = !(vlen == 2 && memcmp(v, "no", 2) == 0);
		} else if (KEY("pubkeyacceptedalgorithms") || KEY("pubkeyacceptedkeytypes")) {
			copy_value(c.pubkey_accepted_algorithms,
				   sizeof(c.pubkey_accepted_algorithms), v, vlen);
		} else if (KEY("proxyjump")) {
			copy_value(c.proxy_jump, sizeof(c.proxy_jump), v, vlen);
		} else if (KEY("proxycommand")) {
			copy_value(c.proxy_command, sizeof(c.proxy_command), v, vlen);
		} else if (KEY("identityagent")) {
			copy_value(c.identity_agent, sizeof(c.identity_agent), v, vlen);
		} else if (KEY("kexalgorithms")) {
			copy_value(c.kex_algorithms, sizeof(c.kex_algorithms), v, vlen);
		} else if (KEY("hostkeyalgorithms")) {
			copy_value(c.host_key_algorithms, sizeof(c.host_key_algorithms), v, vlen);
		} else if (KEY("ciphers")) {
			copy_value(c.ciphers, sizeof(c.ciphers), v, vlen);
		} else if (KEY("macs")) {
			copy_value(c.macs, sizeof(c.macs), v, vlen);
		} else if (KEY("identityfile") && c.n_identity_files < 64) {
			char **g = realloc(c.identity_files, (c.n_identity_files + 1) * sizeof(*g));
			if (!g || !(g[c.n_identity_files] = strndup(v, vlen))) {
				c.identity_files = g ? g : c.identity_files;
				r = -ENOMEM;
				break;
			}
			c.identity_files = g;
			c.n_identity_files++;
		}
#undef KEY
		if (!nl)
			break;
	}
	if (r < 0) {
		openssh_client_config_clear(&c);
		return r;
	}
	*ret = c;
	return 0;
}

bool openssh_algorithm_listed(const char *list, const char *algorithm)
{
	size_t n = strlen(algorithm);
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && memcmp(p, algorithm, n) == 0)
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

/* ssh's command line: ssh FIRST... [-F config] [-o OPT]... [-p port] [-l user] -- host
 * [LAST...]; argv holds at most 16 + 2 * 64 + 8 entries. */
static void ssh_argv(const char **argv, const char *const *first, const char *host, unsigned port,
		     char *port_text, const char *user, const char *config_file,
		     char *const *options, size_t n_options, const char *const *last)
{
	size_t n = 0;
	argv[n++] = "ssh";
	for (size_t i = 0; first && i < 8 && first[i]; i++)
		argv[n++] = first[i];
	if (config_file) {
		argv[n++] = "-F";
		argv[n++] = config_file;
	}
	for (size_t i = 0; i < n_options && i < 64; i++) {
		argv[n++] = "-o";
		argv[n++] = options[i];
	}
	if (port) {
		snprintf(port_text, 16, "%u", port);
		argv[n++] = "-p";
		argv[n++] = port_text;
	}
	if (user) {
		argv[n++] = "-l";
		argv[n++] = user;
	}
	argv[n++] = "--";
	argv[n++] = host;
	for (size_t i = 0; last && i < 4 && last[i]; i++)
		argv[n++] = last[i];
	argv[n] = NULL;
}

/* Run ssh with argv, stdin from /dev/null; what it prints on stdout (or, with
 * want_stderr, stderr) into text; its exit status. At most 10 s of silence. */
static int run_ssh(const char **argv, bool want_stderr, struct dynbuf *text, int *ret_status)
{
	int out[2];
	if (pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out[1], want_stderr ? STDERR_FILENO : STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, want_stderr ? STDOUT_FILENO : STDERR_FILENO,
					 "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	pid_t pid;
	int r = -posix_spawnp(&pid, "ssh", &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	if (r < 0) {
		close(out[0]);
		return r;
	}
	char buf[8192];
	for (;;) {
		struct pollfd p = {out[0], POLLIN, 0};
		if (poll(&p, 1, 10000) <= 0) {
			kill(pid, SIGKILL);
			r = -ETIMEDOUT;
			break;
		}
		ssize_t got = read(out[0], buf, sizeof(buf));
		if (got <= 0)
			break;
		if ((r = dynbuf_append(text, buf, (size_t)got)) < 0) {
			kill(pid, SIGKILL);
			break;
		}
	}
	close(out[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	*ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : 255;
	return r;
}

int openssh_client_config_query(const char *host, unsigned port, const char *user,
				const char *config_file, char *const *options, size_t n_options,
				struct openssh_client_config *ret)
{
	char port_text[16];
	const char *argv[16 + 2 * 64 + 8];
	static const char *const first[] = {"-G", NULL};
	ssh_argv(argv, first, host, port, port_text, user, config_file, options, n_options, NULL);
	struct dynbuf text;
	dynbuf_init(&text, OUTPUT_MAX);
	int status = 0;
	int r = run_ssh(argv, false, &text, &status);
	if (r == 0 && status != 0)
		r = status == 127 ? -ENOENT : -EINVAL;
	if (r == 0)
		r = openssh_client_config_parse(text.len ? (const char *)text.data : "", text.len,
						ret);
	dynbuf_free(&text);
	return r;
}

int openssh_client_try_login(const char *host, unsigned port, const char *user,
			     const char *config_file, char *const *options, size_t n_options,
			     const char *identity, enum openssh_login_outcome *ret)
{
	char port_text[16];
	const char *argv[16 + 2 * 64 + 8];
	/* publickey only, never a prompt, never a new host key: a check, not a login */
	const char *first[] = {"-o",
			       "BatchMode=yes",
			       "-o",
			       "PreferredAuthentications=publickey",
			       "-o",
			       "StrictHostKeyChecking=yes",
			       identity ? "-i" : NULL,
			       identity};
	static const char *const last[] = {"true", NULL};
	ssh_argv(argv, first, host, port, port_text, user, config_file, options, n_options, last);
	struct dynbuf text;
	dynbuf_init(&text, OUTPUT_MAX);
	int status = 0;
	int r = run_ssh(argv, true, &text, &status);
	if (r == 0) {
		const char *t = text.len ? (const char *)text.data : "";
		*ret = status == 0                                     ? OPENSSH_LOGIN_OK
		       : strstr(t, "Too many authentication failures") ? OPENSSH_LOGIN_TOO_MANY
		       : strstr(t, "Permission denied")                ? OPENSSH_LOGIN_DENIED
								       : OPENSSH_LOGIN_UNKNOWN;
	}
	dynbuf_free(&text);
	return r;
}
