/* A key the user named (-i) or the default identity, as loaded on this machine: the public
 * half always, the private half decrypted when it could be opened (for logins and proofs). */
#ifndef SSHKEYCTL_OPS_LOCAL_KEY_H
#define SSHKEYCTL_OPS_LOCAL_KEY_H

#include "keys/privkey.h"
#include "keys/pubkey.h"

struct local_key {
	struct pubkey *pub;
	char *comment;        /* may be NULL */
	struct privkey *priv; /* decrypted; NULL when only the .pub is at hand */
	char *path;           /* the file the user named */
	const char *no_proof; /* why there is no private key, when priv is NULL */
	bool pub_mismatch;    /* the .pub beside the private key holds another key */
	bool in_agent;        /* encrypted, and ssh-agent holds it: it signs through the agent */
	bool encrypted;       /* the private key has a passphrase */
};

#endif
