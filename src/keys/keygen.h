/* New key pairs, from OpenSSL's generators (RSA: raced on the usable CPUs), with OpenSSH's
 * size rules. */
#ifndef SSHKEYCTL_KEYS_KEYGEN_H
#define SSHKEYCTL_KEYS_KEYGEN_H

#include "keys/key_type.h"
#include "keys/privkey.h"

#define KEYGEN_RSA_DEFAULT_BITS   3072
#define KEYGEN_RSA_MIN_BITS       2048 /* stricter than ssh-keygen's 1024: nothing weaker is made */
#define KEYGEN_RSA_MAX_BITS       16384
#define KEYGEN_ECDSA_DEFAULT_BITS 256

/* The type for a -t name: "ed25519", "rsa", "ecdsa" (also the wire names); NULL else. */
const char *keygen_canonical_type(const char *name);
/* bits 0 means the type's default. Errors: ERR_KEY_SIZE (RSA outside 2048..16384),
 * ERR_BITS (ECDSA other than 256/384/521), ERR_KEY_TYPE_UNSUPPORTED, ERR_CRYPTO. */
int keygen_generate(const char *type, unsigned bits, const char *comment, struct privkey **ret);
/* bits the generator will use for type and the requested bits (0 = default). */
unsigned keygen_effective_bits(const char *type, unsigned bits);

#endif
