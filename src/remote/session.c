/* A session: the connection to one target, made as ssh would make it (remote/session.h). */
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

/* -v: each step of each connection, through the caller's function */
static void (*trace_fn)(const char *label, const char *text, void *data);
static void *trace_data;

void remote_set_trace(void (*fn)(const char *label, const char *text, void *data), void *data)
{
	trace_fn = fn;
	trace_data = data;
}

static void (*host_key_fn)(const char *fingerprint, void *data);
static void *host_key_data;

void remote_set_host_key_observer(void (*fn)(const char *fingerprint, void *data), void *data)
{
	host_key_fn = fn;
	host_key_data = data;
}

void session_host_key_accepted(const char *fingerprint)
{
	if (host_key_fn)
		host_key_fn(fingerprint, host_key_data);
}

void remote_trace(const struct remote_session *s, const char *fmt, ...)
{
	if (!trace_fn)
		return;
	struct diag text;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text.text, sizeof(text.text), fmt, ap);
	va_end(ap);
	for (char *p = text.text; *p; p++) /* control characters out, as diag_set */
		if ((*p > 0 && *p < ' ') || *p == 0x7f)
			*p = '?';
	trace_fn(s && s->label ? s->label : "", text.text, trace_data);
}

const char *remote_user(const struct remote_session *s)
{
	return s->user;
}

const char *remote_label(const struct remote_session *s)
{
	return s->label;
}

int remote_identity_agent(const struct remote_session *s, const char **ret_path)
{
	if (s->no_agent)
		return -ENOENT;
	*ret_path = s->identity_agent;
	return 0;
}

const struct openssh_client_config *remote_client_config(const struct remote_session *s)
{
	return s->client;
}

void remote_session_free(struct remote_session *s)
{
	if (!s)
		return;
	if (s->ssh && s->label)
		remote_trace(s, "disconnecting");
	if (s->ssh) {
		ssh_disconnect(s->ssh);
		ssh_free(s->ssh);
	}
	proxy_stop(&s->proxy);
	free(s->identity_agent);
	free(s->user);
	free(s->label);
	free(s);
}

/* remote_interrupt's deadline (CLOCK_MONOTONIC seconds; 0: none), for every session */
static _Atomic long interrupt_deadline;

void remote_interrupt(long grace_seconds)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	interrupt_deadline = now.tv_sec + grace_seconds;
}

static bool interrupt_passed(void)
{
	struct timespec now;
	long deadline = interrupt_deadline;
	if (!deadline)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec >= deadline;
}

/* -o KEY=VALUE options go first through a file of their own: in ssh_config the first value
 * obtained wins, so they override ~/.ssh/config as they do for ssh. */
static int parse_ssh_options(ssh_session ssh, char *const *opts, size_t n, struct diag *d)
{
	int fd = memfd_create("sshkeyctl-options", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct dynbuf b;
	dynbuf_init(&b, 64 * 1024);
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *eq = strchr(opts[i], '=');
		if (strchr(opts[i], '\n')) {
			diag_set(d, "-o %s: a newline in an option", opts[i]);
			r = -EINVAL;
		} else if (eq)
			r = dynbuf_printf(&b, "%.*s %s\n", (int)(eq - opts[i]), opts[i], eq + 1);
		else
			r = dynbuf_printf(&b, "%s\n", opts[i]);
	}
	if (r == 0 && b.len && write(fd, b.data, b.len) != (ssize_t)b.len)
		r = -EIO;
	if (r == 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (ssh_options_parse_config(ssh, path) < 0) {
			diag_set(d, "-o options: %s", ssh_get_error(ssh));
			r = -EINVAL;
		}
	}
	dynbuf_free(&b);
	close(fd);
	return r;
}

/* Without OpenSSH's ssh to ask: libssh reads the configuration (-o first, then -F or
 * ~/.ssh/config and /etc/ssh/ssh_config), then the command line's port and user. */
static int configure_from_files(struct remote_session *s, const struct target *t,
				const struct connect_options *o, struct diag *d)
{
	int r;
	ssh_options_set(s->ssh, SSH_OPTIONS_HOST, t->host);
	if (o->n_ssh_options &&
	    (r = parse_ssh_options(s->ssh, o->ssh_options, o->n_ssh_options, d)) < 0)
		return r;
	if (o->config_file) {
		if (access(o->config_file, R_OK) < 0 ||
		    ssh_options_parse_config(s->ssh, o->config_file) < 0) {
			diag_set(d, "%s: cannot read this ssh configuration", o->config_file);
			return -EINVAL;
		}
	} else {
		/* a configuration libssh 0.10 cannot parse is passed over, not fatal */
		ssh_options_parse_config(s->ssh, NULL);
	}
	/* explicit choices after the configuration, which would otherwise override them */
	unsigned port = t->port ? t->port : o->port;
	if (port)
		ssh_options_set(s->ssh, SSH_OPTIONS_PORT, &port);
	const char *user = t->user ? t->user : o->login_user;
	if (user && ssh_options_set(s->ssh, SSH_OPTIONS_USER, user) < 0) {
		diag_set(d, "invalid user name '%s'", user);
		return -EINVAL;
	}
	return 0;
}

/* An algorithm list the configuration sets (it differs from ssh's own default) is given
 * to libssh; libssh keeps the names it knows and fails when none is left. */
static int configure_algorithms(struct remote_session *s, struct diag *d)
{
	const struct openssh_client_config *c = s->client;
	if (!c->algorithms_configured)
		return 0; /* nothing sets a list: ssh's defaults, which libssh's own match */
	const struct openssh_client_config *def = openssh_client_defaults();
	if (!def)
		return 0;
	const struct {
		const char *value, *default_value, *keyword;
		enum ssh_options_e option, option2;
	} lists[] = {
		{c->kex_algorithms, def->kex_algorithms, "KexAlgorithms", SSH_OPTIONS_KEY_EXCHANGE,
		 SSH_OPTIONS_KEY_EXCHANGE},
		{c->host_key_algorithms, def->host_key_algorithms, "HostKeyAlgorithms",
		 SSH_OPTIONS_HOSTKEYS, SSH_OPTIONS_HOSTKEYS},
		{c->ciphers, def->ciphers, "Ciphers", SSH_OPTIONS_CIPHERS_C_S,
		 SSH_OPTIONS_CIPHERS_S_C},
		{c->macs, def->macs, "MACs", SSH_OPTIONS_HMAC_C_S, SSH_OPTIONS_HMAC_S_C},
		{c->pubkey_accepted_algorithms, def->pubkey_accepted_algorithms,
		 "PubkeyAcceptedAlgorithms", SSH_OPTIONS_PUBLICKEY_ACCEPTED_TYPES,
		 SSH_OPTIONS_PUBLICKEY_ACCEPTED_TYPES},
	};
	for (size_t i = 0; i < sizeof(lists) / sizeof(*lists); i++) {
		if (!lists[i].value[0] || !strcmp(lists[i].value, lists[i].default_value))
			continue;
		if (ssh_options_set(s->ssh, lists[i].option, lists[i].value) < 0 ||
		    ssh_options_set(s->ssh, lists[i].option2, lists[i].value) < 0) {
			diag_set(d, "%s %s: none of these is supported here (libssh)",
				 lists[i].keyword, lists[i].value);
			return -EINVAL;
		}
	}
	return 0;
}

/* IdentityAgent: none, SSH_AUTH_SOCK, $VARIABLE or a path with ~ and tokens. */
static int configure_identity_agent(struct remote_session *s, const char *original_host)
{
	const char *v = s->client->identity_agent;
	if (!v[0] || !strcmp(v, "SSH_AUTH_SOCK"))
		return 0;
	if (!strcmp(v, "none")) {
		s->no_agent = true;
		return 0;
	}
	if (v[0] == '$') {
		const char *env = getenv(v + 1);
		s->no_agent = !env || !*env;
		return env && *env && !(s->identity_agent = strdup(env)) ? -ENOMEM : 0;
	}
	return openssh_client_expand_path(s->client, original_host, v, &s->identity_agent) < 0
		       ? (s->no_agent = true, 0)
		       : 0;
}

/* With what ssh -G resolved: where to connect (directly or through the proxy), as whom,
 * the known_hosts files, the algorithms and the agent, as ssh would. */
static int configure_from_client(struct remote_session *s, const struct target *t,
				 const struct connect_options *o, struct diag *d)
{
	const struct openssh_client_config *c = s->client;
	const char *hostname = c->hostname[0] ? c->hostname : t->host;
	unsigned port = c->port ? c->port : 22;
	int r;
	ssh_options_set(s->ssh, SSH_OPTIONS_HOST, hostname);
	ssh_options_set(s->ssh, SSH_OPTIONS_PORT, &port);
	if (c->user[0] && ssh_options_set(s->ssh, SSH_OPTIONS_USER, c->user) < 0) {
		diag_set(d, "invalid user name '%s'", c->user);
		return -EINVAL;
	}
	if (!o->known_hosts && c->n_user_known_hosts_files)
		ssh_options_set(s->ssh, SSH_OPTIONS_KNOWNHOSTS, c->user_known_hosts_files[0]);
	if (c->n_global_known_hosts_files)
		ssh_options_set(s->ssh, SSH_OPTIONS_GLOBAL_KNOWNHOSTS,
				c->global_known_hosts_files[0]);
	if ((r = configure_algorithms(s, d)) < 0)
		return r;
	if ((r = configure_identity_agent(s, t->host)) < 0)
		return r;
	char why[512] = "";
	int fd = -1;
	if (c->proxy_jump[0] && strcasecmp(c->proxy_jump, "none") != 0)
		r = proxy_start_jump(c->proxy_jump, hostname, port, o->config_file, &s->proxy, &fd,
				     why, sizeof(why));
	else if (c->proxy_command[0] && strcasecmp(c->proxy_command, "none") != 0)
		r = proxy_start_command(c->proxy_command, hostname, t->host, port, c->user,
					&s->proxy, &fd, why, sizeof(why));
	if (r < 0) {
		diag_set(d, "%s", why[0] ? why : error_to_string(r));
		return r == -EINVAL ? r : ERR_CONNECT;
	}
	if (fd >= 0)
		ssh_options_set(s->ssh, SSH_OPTIONS_FD, &fd);
	return 0;
}

int remote_connect(const struct target *t, const struct connect_options *o,
		   struct remote_session **ret, struct diag *d)
{
	const char *why = NULL;
	if (libssh_api_load(&why) < 0) {
		diag_set(d, "cannot load %s: %s", LIBSSH_SONAME, why ? why : "?");
		return ERR_CONNECT;
	}
	if (interrupt_passed()) {
		diag_set(d, "interrupted: no new connection");
		return ERR_TIMEOUT;
	}
	struct remote_session *s = calloc(1, sizeof(*s));
	int r, off = 0, on = 1;
	if (!s || !(s->ssh = ssh_new())) {
		free(s);
		return -ENOMEM;
	}
	s->timeout = o->timeout > 0 ? o->timeout : 30;
	s->agent_socket = -1;
	s->proxy.err_fd = -1;
	ssh_options_set(s->ssh, SSH_OPTIONS_PROCESS_CONFIG, &off);
	unsigned port = t->port ? t->port : o->port;
	const char *user = t->user ? t->user : o->login_user;
	char config_why[512] = "";
	r = openssh_client_config_get(t->host, port, user, o->config_file, o->ssh_options,
				      o->n_ssh_options, &s->client, config_why, sizeof(config_why));
	if (r == -ENOENT) {
		s->client = NULL;
		r = configure_from_files(s, t, o, d);
	} else if (r < 0) {
		diag_set(d, "ssh's configuration for %s: %s", t->host,
			 config_why[0] ? config_why : error_to_string(r));
		r = -EINVAL;
	} else {
		r = configure_from_client(s, t, o, d);
	}
	if (r < 0)
		goto fail;
	long connect_timeout = o->connect_timeout > 0 ? o->connect_timeout
			       : s->client && s->client->connect_timeout > 0
				       ? s->client->connect_timeout
				       : 10;
	ssh_options_set(s->ssh, SSH_OPTIONS_TIMEOUT, &connect_timeout);
	ssh_options_set(s->ssh, SSH_OPTIONS_NODELAY, &on);
	ssh_options_set(s->ssh, SSH_OPTIONS_STRICTHOSTKEYCHECK, &on);
	if (o->known_hosts)
		ssh_options_set(s->ssh, SSH_OPTIONS_KNOWNHOSTS, o->known_hosts);

	char *real_user = NULL, *real_host = NULL;
	unsigned real_port = 22;
	ssh_options_get(s->ssh, SSH_OPTIONS_USER, &real_user);
	ssh_options_get(s->ssh, SSH_OPTIONS_HOST, &real_host);
	ssh_options_get_port(s->ssh, &real_port);
	s->user = strdup(real_user ? real_user : "?");
	if (real_port == 22)
		r = asprintf(&s->label, "%s@%s", s->user, real_host ? real_host : t->host);
	else
		r = asprintf(&s->label, "%s@[%s]:%u", s->user, real_host ? real_host : t->host,
			     real_port);
	ssh_string_free_char(real_user);
	ssh_string_free_char(real_host);
	if (r < 0 || !s->user) {
		s->label = NULL;
		r = -ENOMEM;
		goto fail;
	}

	if (s->client)
		remote_trace(s, "connecting to %s port %u as %s%s%s (ssh -G)",
			     s->client->hostname[0] ? s->client->hostname : t->host,
			     s->client->port, s->user, s->proxy.pid ? " through " : "",
			     s->proxy.pid ? s->proxy.what : "");
	else
		remote_trace(s, "connecting (configuration read by libssh: ssh is not installed)");
	if (ssh_connect(s->ssh) != SSH_OK) {
		const char *e = ssh_get_error(s->ssh);
		char proxy_said[512] = "";
		if (s->proxy.pid > 0)
			proxy_error_line(&s->proxy, proxy_said, sizeof(proxy_said));
		if (proxy_said[0])
			diag_set(d, "%s (through %s: %s)", e, s->proxy.what, proxy_said);
		else
			diag_set(d, "%s", e);
		r = strstr(e, "imeout") || strstr(e, "timed out") ? ERR_TIMEOUT : ERR_CONNECT;
		goto fail;
	}
	ssh_options_set(s->ssh, SSH_OPTIONS_TIMEOUT, &s->timeout);
	remote_trace(s, "connected: %s", remote_server_banner(s));
	if ((r = session_check_host_key(s, o, d)) < 0) {
		remote_trace(s, "host key: %s", d->text);
		goto fail;
	}
	remote_trace(s, "host key: %s", s->host_key_new ? "new, accepted and recorded" : "known");
	*ret = s;
	return 0;
fail:
	remote_session_free(s);
	return r;
}

void remote_set_host_deadline(struct remote_session *s, const struct timespec *deadline)
{
	s->host_deadline = *deadline;
}

struct timespec remote_host_deadline(const struct connect_options *o)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += o->host_timeout > 0 ? o->host_timeout : 1L << 30;
	return t;
}

int session_step_begin(struct remote_session *s, struct timespec *ret_deadline, struct diag *d)
{
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += s->timeout;
	if (s->host_deadline.tv_sec &&
	    session_remaining_ms(&s->host_deadline) < session_remaining_ms(&deadline))
		deadline = s->host_deadline;
	long stop_at = interrupt_deadline;
	if (stop_at && stop_at < deadline.tv_sec)
		deadline = (struct timespec){stop_at, 0};
	long ms = session_remaining_ms(&deadline);
	if (ms <= 0 && interrupt_passed()) {
		diag_set(d, "interrupted: this step did not finish in time; giving up");
		return ERR_TIMEOUT;
	}
	if (ms <= 0) {
		diag_set(d, "this host took longer than its time limit; giving up");
		return ERR_TIMEOUT;
	}
	long seconds = (ms + 999) / 1000;
	ssh_options_set(s->ssh, SSH_OPTIONS_TIMEOUT, &seconds);
	if (ret_deadline)
		*ret_deadline = deadline;
	return 0;
}

/* One authentication call, driven in non-blocking mode with our own poll: in blocking mode
 * libssh 0.10 waits out its whole timeout when the server hangs up in the middle (as sshd
 * does at MaxAuthTries), where this notices the closed connection at once. */
long session_remaining_ms(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

unsigned remote_local_port(const struct remote_session *s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = ssh_get_fd(s->ssh);
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

const char *remote_server_banner(const struct remote_session *s)
{
	const char *b = ssh_get_serverbanner(s->ssh);
	return b ? b : "";
}

bool remote_host_key_was_new(const struct remote_session *s)
{
	return s->host_key_new;
}
