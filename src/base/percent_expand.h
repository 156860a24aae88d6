/* OpenSSH's %-tokens (ssh_config(5), TOKENS): %X replaced by the value given for X, %% by a
 * percent sign, in IdentityFile, IdentityAgent, ProxyCommand and the like. */
#ifndef SSHKEYCTL_BASE_PERCENT_EXPAND_H
#define SSHKEYCTL_BASE_PERCENT_EXPAND_H

#include <stdbool.h>
#include <stddef.h>

#include "base/dynbuf.h"

struct percent_token {
	char letter;
	const char *value;
};

/* text expanded, appended to out. accept (may be NULL) vets each value used (a shell
 * command refuses characters a shell reads). -EINVAL, *ret_bad the letter, for a token not
 * given, a % at the end (' '), or a value refused. */
int percent_expand(const char *text, const struct percent_token *tokens, size_t n,
		   bool (*accept)(const char *value), struct dynbuf *out, char *ret_bad);

#endif
