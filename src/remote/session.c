#include "remote/session.h"

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
#include "remote/libssh_api.h"
#include "remote/openssh_client.h"
#include "remote/proxy.h"

#define OUTPUT_MAX (64 * 1024 * 1024)

struct remote_session {
	ssh_session ssh;
	char *user;
	char *label;
	long timeout;
	bool authenticated;
	int agent_socket;              /* the last one handed to libssh, or -1 */
	struct timespec host_deadline; /* tv_sec 0: none */
	bool host_key_new;             /* not in known_hosts; accepted now */
	/* what ssh -G resolved for the target; NULL when OpenSSH's ssh is not installed (then
	 * libssh reads the configuration itself) */
	const struct openssh_client_config *client;
	struct proxy proxy;   /* the ProxyJump or ProxyCommand program, pid 0 when none */
	char *identity_agent; /* IdentityAgent, expanded; NULL: $SSH_AUTH_SOCK */
	bool no_agent;        /* IdentityAgent none */
};

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

static pthread_mutex_t known_hosts_lock = PTHREAD_MUTEX_INITIALIZER;

/* HashKnownHosts from the "KEY VALUE" or "KEY=VALUE" line at text, if it is that keyword. */
static bool hash_known_hosts_line(const char *line, size_t len, bool *ret)
{
	static const char kw[] = "hashknownhosts";
	size_t i = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (len - i <= sizeof(kw) - 1 || strncasecmp(line + i, kw, sizeof(kw) - 1) != 0)
		return false;
	i += sizeof(kw) - 1;
	if (line[i] != ' ' && line[i] != '\t' && line[i] != '=')
		return false;
	while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '='))
		i++;
	*ret = len - i >= 3 && strncasecmp(line + i, "yes", 3) == 0;
	return true;
}

/* Whether new known_hosts entries are hashed: the first HashKnownHosts among -o, the user's
 * ssh_config (or -F) and /etc/ssh/ssh_config, as ssh takes the first value. libssh ignores
 * the keyword. Host and Match scoping is not evaluated: the setting is global in practice
 * (Debian's /etc/ssh/ssh_config sets it under Host *). */
static bool want_hashed_known_hosts(const struct connect_options *o)
{
	bool value = false;
	for (size_t i = 0; i < o->n_ssh_options; i++)
		if (hash_known_hosts_line(o->ssh_options[i], strlen(o->ssh_options[i]), &value))
			return value;
	char *user_config = NULL;
	if (!o->config_file)
		user_ssh_path("config", &user_config);
	const char *files[2] = {o->config_file ? o->config_file : user_config,
				o->config_file ? NULL : "/etc/ssh/ssh_config"};
	bool found = false;
	for (int f = 0; f < 2 && !found; f++) {
		struct dynbuf b;
		dynbuf_init(&b, 4 * 1024 * 1024);
		if (files[f] && read_file(files[f], 0, &b) == 0 && b.len) {
			struct line_iter it;
			const char *line;
			size_t n;
			line_iter_init(&it, (const char *)b.data, b.len);
			while (!found && line_iter_next(&it, &line, &n, NULL))
				found = hash_known_hosts_line(line, n, &value);
		}
		dynbuf_free(&b);
	}
	free(user_config);
	return found && value;
}

/* Append the server's entry to known_hosts, the file created 0600 (or kept as it is). */
static int known_hosts_record(struct remote_session *s, const struct connect_options *o,
			      struct diag *d)
{
	char *entry = NULL, *path = NULL;
	int r = 0;
	if (ssh_session_export_known_hosts_entry(s->ssh, &entry) != SSH_OK) {
		diag_set(d, "cannot record the host key: %s", ssh_get_error(s->ssh));
		return ERR_CONNECT;
	}
	/* the file libssh checked against: -o UserKnownHostsFile, the config's, or ours */
	char *libssh_path = NULL;
	if (ssh_options_get(s->ssh, SSH_OPTIONS_KNOWNHOSTS, &libssh_path) == SSH_OK &&
	    libssh_path) {
		path = strdup(libssh_path);
		ssh_string_free_char(libssh_path);
	} else if (o->known_hosts)
		path = strdup(o->known_hosts);
	else if (user_ssh_path("known_hosts", &path) < 0)
		path = NULL;
	if (!path) {
		free(entry);
		return -ENOMEM;
	}
	if (s->client ? s->client->hash_known_hosts : want_hashed_known_hosts(o)) {
		/* the entry is "NAME type base64": NAME becomes its hashed form */
		struct dynbuf hashed;
		size_t name_len = strcspn(entry, " ");
		char *name = strndup(entry, name_len);
		dynbuf_init(&hashed, 64 * 1024);
		if (name && known_hosts_hash_name(name, &hashed) == 0 &&
		    dynbuf_append_str(&hashed, entry + name_len) == 0) {
			free(entry);
			entry = (char *)dynbuf_steal(&hashed, NULL);
		}
		free(name);
		dynbuf_free(&hashed);
	}
	pthread_mutex_lock(&known_hosts_lock);
	/* ~/.ssh may not exist yet on a fresh account: ssh creates it 0700 too */
	char *ssh_dir = strdup(path);
	if (ssh_dir) {
		char *slash = strrchr(ssh_dir, '/');
		if (slash && slash != ssh_dir) {
			*slash = 0;
			ensure_directory(ssh_dir, 0700, NULL);
		}
		free(ssh_dir);
	}
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		r = -errno;
		diag_set(d, "%s: %s", path, strerror(errno));
	} else {
		size_t len = strlen(entry);
		bool nl = len && entry[len - 1] == '\n';
		if (write(fd, entry, len) != (ssize_t)len || (!nl && write(fd, "\n", 1) != 1) ||
		    fsync(fd) < 0) {
			r = -errno;
			diag_set(d, "%s: %s", path, strerror(errno));
		}
		close(fd);
	}
	pthread_mutex_unlock(&known_hosts_lock);
	free(entry);
	free(path);
	return r;
}

/* The marker lines for this host and key in the known_hosts files in use (user's and global,
 * OpenSSH's defaults beside libssh's choice, which takes one of each): libssh ignores them
 * (reference/libssh.md P12), so they are read here, each file once. revoked and
 * cert_authority get "FILE:LINE" of the first such line, "" when none. */
static void known_hosts_marks_in_use(struct remote_session *s, const struct connect_options *o,
				     const struct pubkey *key, char *revoked, char *cert_authority,
				     size_t len)
{
	char *user_file = NULL, *global_file = NULL, *user_default = NULL, *user_second = NULL;
	const char *name = s->label + strlen(s->user) + 1;
	const char *files[2 * 100 + 8] = {0};
	size_t n_files = 0;
	if (o->known_hosts)
		files[n_files++] = o->known_hosts;
	if (s->client) {
		/* every file ssh reads, as ssh -G lists them */
		const struct openssh_client_config *c = s->client;
		for (size_t i = 0; !o->known_hosts && i < c->n_user_known_hosts_files; i++)
			files[n_files++] = c->user_known_hosts_files[i];
		for (size_t i = 0; i < c->n_global_known_hosts_files; i++)
			files[n_files++] = c->global_known_hosts_files[i];
	} else {
		if (!o->known_hosts)
			ssh_options_get(s->ssh, SSH_OPTIONS_KNOWNHOSTS, &user_file);
		ssh_options_get(s->ssh, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, &global_file);
		user_ssh_path("known_hosts", &user_default);
		user_ssh_path("known_hosts2", &user_second);
		files[n_files++] = user_file;
		files[n_files++] = o->known_hosts ? NULL : user_default;
		files[n_files++] = o->known_hosts ? NULL : user_second;
		files[n_files++] = global_file;
		files[n_files++] = "/etc/ssh/ssh_known_hosts";
		files[n_files++] = "/etc/ssh/ssh_known_hosts2";
	}
	revoked[0] = cert_authority[0] = 0;
	for (size_t i = 0; i < n_files; i++) {
		struct dynbuf b;
		unsigned long revoked_line, ca_line;
		bool seen = false;
		for (size_t j = 0; files[i] && j < i; j++)
			seen = seen || (files[j] && !strcmp(files[i], files[j]));
		if (!files[i] || seen)
			continue;
		dynbuf_init(&b, KNOWN_HOSTS_FILE_MAX);
		if (read_file(files[i], READ_FILE_REGULAR, &b) == 0 &&
		    known_hosts_marks(b.len ? (const char *)b.data : "", b.len, name, key,
				      &revoked_line, &ca_line) == 0) {
			if (revoked_line && !revoked[0])
				snprintf(revoked, len, "%s:%lu", files[i], revoked_line);
			if (ca_line && !cert_authority[0])
				snprintf(cert_authority, len, "%s:%lu", files[i], ca_line);
		}
		dynbuf_free(&b);
	}
	ssh_string_free_char(user_file);
	ssh_string_free_char(global_file);
	free(user_default);
	free(user_second);
}

/* The server's host key, as our parser reads it (from libssh's known_hosts line). */
static int server_pubkey(struct remote_session *s, struct known_hosts_entry *ret)
{
	char *entry = NULL;
	if (ssh_session_export_known_hosts_entry(s->ssh, &entry) != SSH_OK || !entry)
		return ERR_CONNECT;
	int r = known_hosts_parse_line(entry, strcspn(entry, "\n"), ret);
	ssh_string_free_char(entry);
	if (r == 0 && (ret->kind != KEY_LINE_KEY || !ret->key)) {
		known_hosts_entry_clear(ret);
		r = ERR_FORMAT;
	}
	return r;
}

/* StrictHostKeyChecking as ssh reads it: accept-new (and no, whose other half, connecting
 * to a changed key, we never do) records an unknown key as --accept-new does; yes and
 * BatchMode never ask. */
static bool accept_new_host_keys(const struct remote_session *s, const struct connect_options *o)
{
	return o->accept_new ||
	       (s->client && (s->client->strict_host_key_checking == STRICT_HOST_KEY_ACCEPT_NEW ||
			      s->client->strict_host_key_checking == STRICT_HOST_KEY_NO));
}

static bool may_ask_host_key(const struct remote_session *s, const struct connect_options *o)
{
	return o->ask_host_key &&
	       !(s->client && (s->client->strict_host_key_checking == STRICT_HOST_KEY_YES ||
			       s->client->batch_mode));
}

static int check_host_key(struct remote_session *s, const struct connect_options *o, struct diag *d)
{
	struct known_hosts_entry server = {0};
	ssh_key key = NULL;
	unsigned char *hash = NULL;
	size_t hash_len;
	char *fp = NULL;
	int r = 0;
	if (ssh_get_server_publickey(s->ssh, &key) != SSH_OK ||
	    ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hash_len) != 0 ||
	    !(fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hash_len))) {
		diag_set(d, "cannot read the server's host key: %s", ssh_get_error(s->ssh));
		r = ERR_CONNECT;
		goto out;
	}
	const char *type = ssh_key_type_to_char(ssh_key_type(key));
	char revoked[PATH_MAX + 32], cert_authority[PATH_MAX + 32];
	if ((r = server_pubkey(s, &server)) < 0) {
		diag_set(d, "cannot read the server's host key");
		goto out;
	}
	known_hosts_marks_in_use(s, o, server.key, revoked, cert_authority, sizeof(revoked));
	const struct host_key_seen seen = {s->label, s->label + strlen(s->user) + 1, type, fp,
					   server.key};
	/* as OpenSSH: a @revoked key is refused, whatever else says yes */
	if (revoked[0]) {
		diag_set(d,
			 "WARNING: REVOKED HOST KEY DETECTED! The %s host key for %s is marked as "
			 "revoked (%s). This could mean that a stolen key is being used to "
			 "impersonate this host. Refused.",
			 type, s->label + strlen(s->user) + 1, revoked);
		r = ERR_HOST_KEY_REVOKED;
		goto out;
	}
	switch (ssh_session_is_known_server(s->ssh)) {
	case SSH_KNOWN_HOSTS_OK:
		break;
	case SSH_KNOWN_HOSTS_CHANGED:
	case SSH_KNOWN_HOSTS_OTHER:
		diag_set(d,
			 "WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! The %s host key of %s "
			 "is now "
			 "%s, not the one in known_hosts. Someone could be eavesdropping on you, "
			 "or the "
			 "host key has just been changed. Refused. If the change is expected, "
			 "remove the "
			 "old entry with: ssh-keygen -R '%s'",
			 type, s->label, fp, s->label + strlen(s->user) + 1);
		r = ERR_HOST_KEY_CHANGED;
		break;
	case SSH_KNOWN_HOSTS_UNKNOWN:
	case SSH_KNOWN_HOSTS_NOT_FOUND:
		/* where the administrator trusts a certificate authority for this host, a key
		 * seen for the first time is not to be taken on trust, and host certificates
		 * are beyond libssh 0.10: refused, and said so */
		if (cert_authority[0]) {
			diag_set(d,
				 "the host key of %s is not in known_hosts, and %s trusts a "
				 "certificate authority for it; sshkeyctl cannot check host "
				 "certificates: add the host's key to known_hosts (ssh-keyscan, "
				 "checked) to use sshkeyctl with it",
				 s->label, cert_authority);
			r = ERR_HOST_KEY_UNKNOWN;
			break;
		}
		if (accept_new_host_keys(s, o) ||
		    (may_ask_host_key(s, o) && o->ask_host_key(&seen, o->ask_data))) {
			r = known_hosts_record(s, o, d);
			s->host_key_new = r == 0;
			break;
		}
		diag_set(d,
			 "host key of %s is not known (%s key %s); accept it with --accept-new, or "
			 "at "
			 "a terminal",
			 s->label, type, fp);
		r = ERR_HOST_KEY_UNKNOWN;
		break;
	default:
		diag_set(d, "cannot check the host key: %s", ssh_get_error(s->ssh));
		r = ERR_CONNECT;
	}
	if (r == 0 && host_key_fn)
		host_key_fn(fp, host_key_data);
out:
	known_hosts_entry_clear(&server);
	ssh_string_free_char(fp);
	ssh_clean_pubkey_hash(&hash);
	ssh_key_free(key);
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
	if ((r = check_host_key(s, o, d)) < 0) {
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

enum auth_call_kind { CALL_NONE, CALL_PROBE, CALL_KEY, CALL_AGENT, CALL_PASSWORD, CALL_KBDINT };

static int auth_call_once(ssh_session ssh, enum auth_call_kind kind, const void *arg)
{
	switch (kind) {
	case CALL_NONE:
		return ssh_userauth_none(ssh, NULL);
	case CALL_PROBE:
		return ssh_userauth_try_publickey(ssh, NULL, (ssh_key)arg);
	case CALL_KEY:
		return ssh_userauth_publickey(ssh, NULL, (ssh_key)arg);
	case CALL_AGENT:
		return ssh_userauth_agent(ssh, NULL);
	case CALL_PASSWORD:
		return ssh_userauth_password(ssh, NULL, arg);
	case CALL_KBDINT:
		return ssh_userauth_kbdint(ssh, NULL, NULL);
	}
	return SSH_AUTH_ERROR;
}

static long remaining_ms(const struct timespec *deadline);

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

/* The end of the next blocking step: the operation timeout from now, but never past the
 * host's deadline; libssh's own timeout is set to match. ERR_TIMEOUT once the host's time
 * is up. */
static int step_begin(struct remote_session *s, struct timespec *ret_deadline, struct diag *d)
{
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += s->timeout;
	if (s->host_deadline.tv_sec && remaining_ms(&s->host_deadline) < remaining_ms(&deadline))
		deadline = s->host_deadline;
	long stop_at = interrupt_deadline;
	if (stop_at && stop_at < deadline.tv_sec)
		deadline = (struct timespec){stop_at, 0};
	long ms = remaining_ms(&deadline);
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
static const char *const auth_call_names[] = {
	[CALL_NONE] = "none",         [CALL_PROBE] = "publickey (query)",
	[CALL_KEY] = "publickey",     [CALL_AGENT] = "publickey through ssh-agent",
	[CALL_PASSWORD] = "password", [CALL_KBDINT] = "keyboard-interactive",
};

static int auth_call_traced(struct remote_session *s, enum auth_call_kind kind, const void *arg);

static int auth_call(struct remote_session *s, enum auth_call_kind kind, const void *arg)
{
	int rc = auth_call_traced(s, kind, arg);
	remote_trace(s, "authentication %s: %s", auth_call_names[kind],
		     rc == SSH_AUTH_SUCCESS   ? "success"
		     : rc == SSH_AUTH_PARTIAL ? "partial success"
		     : rc == SSH_AUTH_DENIED  ? "refused"
		     : rc == SSH_AUTH_AGAIN   ? "no answer"
					      : "error");
	return rc;
}

static int auth_call_traced(struct remote_session *s, enum auth_call_kind kind, const void *arg)
{
	struct timespec deadline;
	struct diag ignored;
	if (step_begin(s, &deadline, &ignored) < 0)
		return SSH_AUTH_AGAIN; /* reported as "no answer from the server" */
	ssh_set_blocking(s->ssh, 0);
	int rc;
	while ((rc = auth_call_once(s->ssh, kind, arg)) == SSH_AUTH_AGAIN) {
		long ms = remaining_ms(&deadline);
		if (ms <= 0 || !ssh_is_connected(s->ssh) ||
		    (ssh_get_status(s->ssh) & (SSH_CLOSED | SSH_CLOSED_ERROR)))
			break;
		struct pollfd p = {.fd = ssh_get_fd(s->ssh), .events = POLLIN};
		poll(&p, 1, (int)(ms > 100 ? 100 : ms));
	}
	ssh_set_blocking(s->ssh, 1);
	return rc;
}

/* After an authentication call: a server that hung up (MaxAuthTries) leaves libssh
 * returning AGAIN; say what happened. */
static int auth_result(struct remote_session *s, int rc, const char *what, struct diag *d)
{
	if (rc == SSH_AUTH_SUCCESS) {
		s->authenticated = true;
		return 0;
	}
	if (!ssh_is_connected(s->ssh)) {
		diag_set(d, "the server closed the connection during %s: %s", what,
			 ssh_get_error(s->ssh));
		return ERR_CONNECT;
	}
	if (rc == SSH_AUTH_AGAIN) {
		diag_set(d, "%s: no answer from the server", what);
		return ERR_TIMEOUT;
	}
	if (rc == SSH_AUTH_ERROR) {
		diag_set(d, "%s: %s", what, ssh_get_error(s->ssh));
		return ERR_CONNECT;
	}
	diag_set(d, "%s refused", what);
	return ERR_AUTH_DENIED;
}

int remote_auth_methods(struct remote_session *s, unsigned *ret_methods, struct diag *d)
{
	int rc = auth_call(s, CALL_NONE, NULL);
	if (rc == SSH_AUTH_SUCCESS) {
		s->authenticated = true;
		*ret_methods = 0;
		return 0;
	}
	struct diag refused;
	int r = auth_result(s, rc, "the \"none\" authentication", &refused);
	if (r != ERR_AUTH_DENIED) {
		*d = refused;
		return r;
	}
	int m = ssh_userauth_list(s->ssh, NULL);
	*ret_methods = ((m & SSH_AUTH_METHOD_PUBLICKEY) ? AUTH_METHOD_PUBLICKEY : 0) |
		       ((m & SSH_AUTH_METHOD_PASSWORD) ? AUTH_METHOD_PASSWORD : 0) |
		       ((m & SSH_AUTH_METHOD_INTERACTIVE) ? AUTH_METHOD_KBDINT : 0);
	return 0;
}

static int libssh_public_key(const struct pubkey *key, ssh_key *ret)
{
	struct dynbuf b64;
	dynbuf_init(&b64, 2 * PUBKEY_BLOB_MAX);
	int r = base64_encode(&b64, key->blob, key->blob_len, 0);
	if (r == 0 &&
	    ssh_pki_import_pubkey_base64((const char *)b64.data,
					 ssh_key_type_from_name(key->type->name), ret) != SSH_OK)
		r = ERR_KEY_TYPE_UNSUPPORTED;
	dynbuf_free(&b64);
	return r;
}

static int no_prompt(const char *prompt, char *buf, size_t len, int echo, int verify, void *data)
{
	return -1; /* never let libssh or OpenSSL prompt on the terminal */
}

/* Our key, decrypted by us, handed to libssh in memory as an unencrypted openssh-key-v1
 * (libssh 0.10 crashes on AEAD-encrypted key files). */
static int libssh_private_key(const struct privkey *key, ssh_key *ret)
{
	struct dynbuf text;
	dynbuf_init(&text, 1024 * 1024);
	int r = openssh_key_v1_write(key, NULL, 0, &text);
	if (r == 0 && ssh_pki_import_privkey_base64((const char *)text.data, NULL, no_prompt, NULL,
						    ret) != SSH_OK)
		r = ERR_KEY_TYPE_UNSUPPORTED;
	dynbuf_free(&text);
	return r;
}

int remote_auth_probe_key(struct remote_session *s, const struct pubkey *key, bool *ret_accepted,
			  struct diag *d)
{
	ssh_key k;
	int r = libssh_public_key(key, &k);
	if (r < 0) {
		diag_set(d, "%s keys cannot be used here", key->type->name);
		return r;
	}
	int rc = auth_call(s, CALL_PROBE, k);
	ssh_key_free(k);
	/* PK_OK comes back as SUCCESS without logging us in */
	if (rc == SSH_AUTH_SUCCESS) {
		*ret_accepted = true;
		return 0;
	}
	struct diag why;
	r = auth_result(s, rc, "the key probe", &why);
	if (r == ERR_AUTH_DENIED) {
		*ret_accepted = false;
		return 0;
	}
	*d = why;
	return r;
}

int remote_auth_key(struct remote_session *s, const struct privkey *key, struct diag *d)
{
	ssh_key k;
	int r = libssh_private_key(key, &k);
	if (r < 0) {
		diag_set(d, "%s keys cannot be used for logins here", key->pub->type->name);
		return r;
	}
	int rc = auth_call(s, CALL_KEY, k);
	ssh_key_free(k);
	return auth_result(s, rc, "public key authentication", d);
}

/* libssh 0.10 offers every agent key in turn, and each refusal counts toward the server's
 * MaxAuthTries. It is given instead a socket to this filter, which shows it one key (the
 * one the server already accepted) and passes only signature requests for that key on to
 * the real agent. */
struct agent_filter {
	int libssh_side; /* our end of the pair whose other end libssh holds */
	int agent_fd;
	const struct pubkey *key;
};

static bool sign_request_for(const struct dynbuf *msg, const struct pubkey *key)
{
	struct wire_reader r;
	uint8_t type;
	const uint8_t *blob;
	size_t len;
	wire_reader_init(&r, msg->data, msg->len);
	return wire_get_u8(&r, &type) == 0 && type == AGENT_SIGN_REQUEST &&
	       wire_get_string(&r, &blob, &len) == 0 && len == key->blob_len &&
	       memcmp(blob, key->blob, len) == 0;
}

static void *agent_filter_run(void *arg)
{
	struct agent_filter *f = arg;
	struct dynbuf msg, answer;
	dynbuf_init(&msg, AGENT_MAX_MESSAGE);
	dynbuf_init(&answer, AGENT_MAX_MESSAGE);
	while (agent_read_message(f->libssh_side, &msg) == 0) {
		int r;
		dynbuf_reset(&answer);
		if (msg.len == 1 && msg.data[0] == AGENT_REQUEST_IDENTITIES) {
			r = dynbuf_append_byte(&answer, AGENT_IDENTITIES_ANSWER);
			if (r == 0)
				r = wire_put_u32(&answer, 1);
			if (r == 0)
				r = wire_put_string(&answer, f->key->blob, f->key->blob_len);
			if (r == 0)
				r = wire_put_cstring(&answer, "");
		} else if (sign_request_for(&msg, f->key)) {
			r = agent_write_message(f->agent_fd, msg.data, msg.len);
			if (r == 0)
				r = agent_read_message(f->agent_fd, &answer);
		} else {
			r = dynbuf_append_byte(&answer, AGENT_FAILURE);
		}
		if (r < 0 || agent_write_message(f->libssh_side, answer.data, answer.len) < 0)
			break;
	}
	dynbuf_free(&msg);
	dynbuf_free(&answer);
	return NULL;
}

int remote_auth_agent_key(struct remote_session *s, const struct pubkey *key, struct diag *d)
{
	struct agent_filter f = {.key = key};
	int pair[2];
	pthread_t thread;
	int r = s->no_agent ? -ENOENT : agent_connect(s->identity_agent, &f.agent_fd);
	if (r < 0) {
		diag_set(d, "cannot reach ssh-agent: %s", error_to_string(r));
		return ERR_AUTH_DENIED;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
		r = -errno;
		close(f.agent_fd);
		return r;
	}
	f.libssh_side = pair[0];
	if ((r = -pthread_create(&thread, NULL, agent_filter_run, &f)) < 0) {
		close(pair[0]);
		close(pair[1]);
		close(f.agent_fd);
		return r;
	}
	/* libssh keeps (and at the end closes) the socket it is given; the one it held
	 * before is ours to close */
	ssh_set_agent_socket(s->ssh, pair[1]);
	if (s->agent_socket >= 0)
		close(s->agent_socket);
	s->agent_socket = pair[1];
	int rc = auth_call(s, CALL_AGENT, NULL);
	shutdown(pair[0], SHUT_RDWR);
	pthread_join(thread, NULL);
	close(pair[0]);
	close(f.agent_fd);
	return auth_result(s, rc, "agent authentication", d);
}

int remote_auth_password(struct remote_session *s, const char *password, struct diag *d)
{
	unsigned methods = AUTH_METHOD_PASSWORD | AUTH_METHOD_KBDINT;
	int m = ssh_userauth_list(s->ssh, NULL);
	if (m)
		methods = ((m & SSH_AUTH_METHOD_PASSWORD) ? AUTH_METHOD_PASSWORD : 0) |
			  ((m & SSH_AUTH_METHOD_INTERACTIVE) ? AUTH_METHOD_KBDINT : 0);
	int r = ERR_AUTH_DENIED;
	if (!methods) {
		diag_set(d, "the server offers no password login");
		return ERR_AUTH_DENIED;
	}
	if (methods & AUTH_METHOD_PASSWORD) {
		r = auth_result(s, auth_call(s, CALL_PASSWORD, password), "password authentication",
				d);
		if (r != ERR_AUTH_DENIED || !(methods & AUTH_METHOD_KBDINT))
			return r;
	}
	/* keyboard-interactive (PAM): every prompt gets the password; a server that keeps
	 * asking more than a few rounds is not asking for a password */
	int rc = auth_call(s, CALL_KBDINT, NULL);
	for (int round = 0; rc == SSH_AUTH_INFO && round < 4; round++) {
		int n = ssh_userauth_kbdint_getnprompts(s->ssh);
		for (int i = 0; i < n; i++)
			ssh_userauth_kbdint_setanswer(s->ssh, (unsigned)i, password);
		rc = auth_call(s, CALL_KBDINT, NULL);
	}
	return auth_result(s, rc, "password authentication", d);
}

int remote_auth_kbdint_prompts(struct remote_session *s, bool *ret_prompts, struct diag *d)
{
	int rc = auth_call(s, CALL_KBDINT, NULL);
	/* an INFO_REQUEST with no prompt (a notice) is answered with no answer */
	for (int round = 0; rc == SSH_AUTH_INFO && round < 3; round++) {
		if (ssh_userauth_kbdint_getnprompts(s->ssh) > 0) {
			*ret_prompts = true;
			return 0;
		}
		rc = auth_call(s, CALL_KBDINT, NULL);
	}
	if (rc == SSH_AUTH_DENIED || rc == SSH_AUTH_PARTIAL || rc == SSH_AUTH_INFO) {
		*ret_prompts = false;
		return 0;
	}
	if (rc == SSH_AUTH_SUCCESS) {
		/* in without a question: worse than a prompt, and reported as one */
		*ret_prompts = true;
		return 0;
	}
	diag_set(d, "keyboard-interactive: %s", ssh_get_error(s->ssh));
	return ERR_CONNECT;
}

static long remaining_ms(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

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
	int r = step_begin(s, NULL, d);
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
	int r = step_begin(p->session, &deadline, d);
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
		if (remaining_ms(&deadline) <= 0) {
			diag_set(d, "the server stopped reading (after %lds)", p->session->timeout);
			return ERR_TIMEOUT;
		}
	}
	return r;
}

int remote_process_read_until(struct remote_process *p,
			      bool (*complete)(const struct dynbuf *out, void *arg), void *arg,
			      struct diag *d)
{
	struct timespec deadline;
	int r = step_begin(p->session, &deadline, d);
	if (r < 0)
		return r;
	while (!(complete && complete(p->out, arg)) && !ssh_channel_is_eof(p->channel) &&
	       !ssh_channel_is_closed(p->channel)) {
		long ms = remaining_ms(&deadline);
		if (ms <= 0) {
			diag_set(d, "the command did not finish within %lds", p->session->timeout);
			return ERR_TIMEOUT;
		}
		char buf[16384];
		int n = ssh_channel_read_timeout(p->channel, buf, sizeof(buf), 0,
						 (int)(ms > 200 ? 200 : ms));
		if (n == SSH_ERROR) {
			diag_set(d, "reading from the server failed: %s",
				 ssh_get_error(p->session->ssh));
			return ERR_CONNECT;
		}
		if (n > 0 && (r = frame_reader_feed(&p->frame, buf, (size_t)n, p->out)) < 0)
			return r;
		if ((r = drain(p)) < 0)
			return r;
	}
	return drain(p);
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

struct remote_channel {
	struct remote_session *session;
	ssh_channel channel;
};

int remote_open_subsystem(struct remote_session *s, const char *name, struct remote_channel **ret,
			  struct diag *d)
{
	remote_trace(s, "subsystem %s", name);
	int r = step_begin(s, NULL, d);
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
	int r = step_begin(c->session, NULL, d);
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
	int r = step_begin(c->session, &deadline, d);
	if (r < 0)
		return r;
	char *p = buf;
	while (len > 0) {
		long ms = remaining_ms(&deadline);
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
