/* Loading the keys a command names with -i (or the default identity) for work on servers. */
#ifndef SSHKEYCTL_CLI_LOCAL_KEYS_H
#define SSHKEYCTL_CLI_LOCAL_KEYS_H

#include "ops/local_key.h"

/* path: a public or a private key file; the other half is looked for beside it. The
 * private key is decrypted now (with passphrase, else asked once at the terminal) so that
 * every host can use it; when it cannot be, k->no_proof says why. */
int local_key_load(const char *path, const char *passphrase, struct local_key *k);
void local_key_clear(struct local_key *k);

void local_keys_free_all(struct local_key *keys, size_t n);

struct fleet_options;
/* The keys each target works with. */
struct target_keys {
	struct local_key *keys; /* every key loaded, each once */
	size_t n;
	size_t *key_of; /* per target: its key in keys (SIZE_MAX: none); NULL: all keys */
};
/* -i KEY...: every target works with them all. Without -i, each target works with the key
 * ssh offers it first: the first IdentityFile of its configuration that exists (ssh -G),
 * else the default identity (id_ed25519, id_ecdsa, id_rsa), else none. Every key is loaded
 * once, its passphrase asked once, before any host is contacted (passphrase: for a key
 * just made). Errors reported; an exit status. */
int target_keys_load(const struct fleet_options *o, const char *passphrase,
		     struct target_keys *ret);
/* Target i's keys (a slice of tk->keys; n 0 when it has none). */
void target_keys_of(const struct target_keys *tk, size_t i, struct local_key **ret_keys,
		    size_t *ret_n);
void target_keys_free(struct target_keys *tk);

#endif
