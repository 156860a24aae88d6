/* What OpenSSH's own client would do for a host: `ssh -G` prints the configuration it would
 * use (~/.ssh/config, /etc/ssh/ssh_config, -F, -o, Host and Match blocks, Include) without
 * connecting. Every connection takes its HostName, Port, User, known_hosts files, proxy and
 * identities from it, so that what `ssh HOST true` does is what sshkeyctl does; doctor also
 * compares it with what the server wants. */
#ifndef SSHKEYCTL_REMOTE_OPENSSH_CLIENT_H
#define SSHKEYCTL_REMOTE_OPENSSH_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/dynbuf.h"

struct openssh_client_config {
	char user[256];
	char hostname[256];
	unsigned port;
	bool identities_only;
	bool pubkey_authentication;
	char pubkey_accepted_algorithms[2048];
	char identity_agent[1024];
	/* the algorithm lists ssh would offer, resolved (+, -, ^ applied) */
	char kex_algorithms[2048];
	char host_key_algorithms[2048];
	char ciphers[1024];
	char macs[1024];
	/* ssh's route when not direct: "" when none */
	char proxy_jump[512];
	char proxy_command[1024];
	char **identity_files; /* as ssh -G prints them (some versions leave ~ and %-tokens) */
	size_t n_identity_files;
	/* no IdentityFile configured: ssh's built-in list (~/.ssh/id_rsa, id_ecdsa, ...) */
	bool identity_files_default;
	char **certificate_files;
	size_t n_certificate_files;
	char **user_known_hosts_files; /* expanded by ssh */
	size_t n_user_known_hosts_files;
	char **global_known_hosts_files;
	size_t n_global_known_hosts_files;
	enum {
		STRICT_HOST_KEY_ASK,
		STRICT_HOST_KEY_YES,
		STRICT_HOST_KEY_NO,
		STRICT_HOST_KEY_ACCEPT_NEW
	} strict_host_key_checking;
	bool hash_known_hosts;
	bool batch_mode;
	long connect_timeout; /* seconds; 0: none set */
	/* a configuration file or -o sets an algorithm list (else ssh's defaults apply) */
	bool algorithms_configured;
};

/* The configuration ssh would use for host (as given, before HostName) with the command
 * line's -F, -o, -p and -l: resolved once per distinct input and kept for the process
 * (the pointer stays valid for the life of the process). Thread-safe. -ENOENT when ssh
 * is not installed; -EINVAL when ssh rejects the configuration (why: its message). */
int openssh_client_config_get(const char *host, unsigned port, const char *user,
			      const char *config_file, char *const *options, size_t n_options,
			      const struct openssh_client_config **ret, char *why, size_t why_len);
/* ssh's defaults for algorithm lists (with no configuration at all), cached: a list the
 * configuration leaves as it is is not forced on libssh (whose own order follows
 * known_hosts, as ssh's does). NULL when ssh cannot tell. */
const struct openssh_client_config *openssh_client_defaults(void);
/* An IdentityFile, CertificateFile or IdentityAgent as ssh reads it: a leading ~ and the
 * tokens %d %u %l %L %h %n %r %p %i %% expanded (original_host: the name as given);
 * -EINVAL for a token we cannot expand. */
int openssh_client_expand_path(const struct openssh_client_config *c, const char *original_host,
			       const char *raw, char **ret);
/* The key ssh offers first for this host when the configuration names identity files: the
 * first IdentityFile that exists (private key, or its .pub), expanded. -ENOENT when the
 * configuration names none (ssh's default list) or none exists. */
int openssh_client_identity(const struct openssh_client_config *c, const char *original_host,
			    char **ret);

/* A real login with OpenSSH's ssh as the user would run it (the same -F, -o, -p, -l; -i
 * identity when given), publickey only, BatchMode, known host keys only, running `true`:
 * to confirm what a model of ssh predicts. */
enum openssh_login_outcome {
	OPENSSH_LOGIN_OK,
	OPENSSH_LOGIN_TOO_MANY, /* "Too many authentication failures" (MaxAuthTries) */
	OPENSSH_LOGIN_DENIED,   /* "Permission denied" */
	OPENSSH_LOGIN_UNKNOWN,  /* anything else (host key, network) */
};
int openssh_client_try_login(const char *host, unsigned port, const char *user,
			     const char *config_file, char *const *options, size_t n_options,
			     const char *identity, enum openssh_login_outcome *ret);
/* Parse ssh -G's output (for tests and fuzzing). */
int openssh_client_config_parse(const char *text, size_t len, struct openssh_client_config *ret);
void openssh_client_config_clear(struct openssh_client_config *c);
/* Is algorithm (a key type name such as "ssh-ed25519") in the comma list? */
bool openssh_algorithm_listed(const char *list, const char *algorithm);

#endif
