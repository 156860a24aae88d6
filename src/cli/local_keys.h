/* Loading the keys a command names with -i (or the default identity) for work on servers. */
#ifndef SSHKEYCTL_CLI_LOCAL_KEYS_H
#define SSHKEYCTL_CLI_LOCAL_KEYS_H

#include "ops/local_key.h"

/* path: a public or a private key file; the other half is looked for beside it. The
 * private key is decrypted now (with passphrase, else asked once at the terminal) so that
 * every host can use it; when it cannot be, k->no_proof says why. */
int local_key_load(const char *path, const char *passphrase, struct local_key *k);
void local_key_clear(struct local_key *k);

#endif
