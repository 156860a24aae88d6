/* The server's host key, checked and recorded as OpenSSH does (remote/session.h). */
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

int session_check_host_key(struct remote_session *s, const struct connect_options *o,
			   struct diag *d)
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
	if (r == 0)
		session_host_key_accepted(fp);
out:
	known_hosts_entry_clear(&server);
	ssh_string_free_char(fp);
	ssh_clean_pubkey_hash(&hash);
	ssh_key_free(key);
	return r;
}
