/* What OpenSSH's own client would do for a host: `ssh -G` prints the configuration it would
 * use (~/.ssh/config, /etc/ssh/ssh_config, -F, -o) without connecting. doctor compares it
 * with what the server wants: the user, the port, the identity files, IdentitiesOnly, and
 * whether public keys of our type are offered at all. */
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
	char **identity_files; /* as ssh -G prints them (~ expanded by ssh) */
	size_t n_identity_files;
};

/* ssh -G [-F config] [-o OPT]... [-p port] [-l user] host, run without a shell; -ENOENT
 * when ssh is not installed. */
int openssh_client_config_query(const char *host, unsigned port, const char *user,
				const char *config_file, char *const *options, size_t n_options,
				struct openssh_client_config *ret);
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
