/* Loading the keys a command names with -i (or the default identity) for work on servers. */
#ifndef SSHKEYCTL_CLI_LOCAL_KEYS_H
#define SSHKEYCTL_CLI_LOCAL_KEYS_H

#include "ops/local_key.h"

/* path: a public or a private key file; the other half is looked for beside it. The
 * private key is decrypted now (with passphrase, else asked once at the terminal) so that
 * every host can use it; when it cannot be, k->no_proof says why. */
int local_key_load(const char *path, const char *passphrase, struct local_key *k);
void local_key_clear(struct local_key *k);

/* The keys named with -i, else the default identity (none when there is none): loaded,
 * errors reported; an exit status. */
int local_keys_load_all(const char **key_files, size_t n_key_files, struct local_key **ret_keys,
			size_t *ret_n);
void local_keys_free_all(struct local_key *keys, size_t n);

#endif
