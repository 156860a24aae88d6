/* The SSH key types we know: their wire names, the short names ssh-keygen prints, and how
 * their public key data is laid out. */
#ifndef SSHKEYCTL_KEYS_KEY_TYPE_H
#define SSHKEYCTL_KEYS_KEY_TYPE_H

#include <stdbool.h>
#include <stddef.h>

enum key_algorithm {
	KEY_ALG_RSA,
	KEY_ALG_DSA,
	KEY_ALG_ECDSA,
	KEY_ALG_ED25519,
	KEY_ALG_SK_ECDSA,
	KEY_ALG_SK_ED25519,
};

struct key_type {
	const char *name;       /* wire name: "ssh-ed25519", "ssh-rsa-cert-v01@openssh.com" */
	const char *short_name; /* as ssh-keygen -l prints it: "ED25519", "RSA-CERT" */
	enum key_algorithm algorithm;
	bool cert;
	const char *curve;   /* "nistp256" etc. for the ECDSA family, else NULL */
	unsigned curve_bits; /* 256, 384, 521; 0 when not ECDSA */
	const char
		*plain_name; /* name of the key a certificate certifies; same as name otherwise */
	bool legacy;         /* ssh-dss: readable, reported as legacy, never generated */
};

/* NULL when the name is unknown. */
const struct key_type *key_type_from_name(const char *name, size_t len);
/* The plain (non-certificate) type for a curve name, or NULL. */
const struct key_type *key_type_ecdsa_for_curve(const char *curve, size_t len);

#endif
