/* ssh_config text (ssh_config(5)), read only as far as sshkeyctl needs without OpenSSH's
 * own resolution: whether anything in it can make the configuration of one host differ
 * from another's. When nothing can, one `ssh -G` answers for every host of a fleet
 * (remote/openssh_client.c); when something can, each host is asked about. */
#ifndef SSHKEYCTL_FILES_SSH_CONFIG_H
#define SSHKEYCTL_FILES_SSH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "base/dynbuf.h"

#define SSH_CONFIG_FILE_MAX (4 * 1024 * 1024)

struct ssh_config_scan {
	/* a Host pattern other than "*", a Match block other than "Match all",
	 * CanonicalizeHostname on, or a %-token anywhere (tokens may name the host) */
	bool host_dependent;
	/* KexAlgorithms, HostKeyAlgorithms, Ciphers, MACs or PubkeyAcceptedAlgorithms set */
	bool sets_algorithms;
	char **includes; /* the Include arguments, as written (unquoted) */
	size_t n_includes;
};

/* Scan text; includes are listed, not read. 0, -ENOMEM, or ERR_TOO_LARGE. */
int ssh_config_scan(const char *text, size_t len, struct ssh_config_scan *ret);
void ssh_config_scan_clear(struct ssh_config_scan *s);

/* One "Keyword value" line of a new Host entry. */
struct ssh_config_setting {
	const char *keyword;
	const char *value;
};
/* text with a "Host alias" entry added, into out: just before the first Host or Match line
 * (so that its values come before any later block's, and the global lines at the top stay
 * global), or at the end when there is none; every other byte as it was (a missing final
 * newline added). -EEXIST when a Host line already names alias; -EINVAL for an alias or a
 * value ssh_config cannot hold (a newline, a double quote, an empty value). */
int ssh_config_add_host(const char *text, size_t len, const char *alias,
			const struct ssh_config_setting *settings, size_t n, struct dynbuf *out);

#endif
