#include "keys/key_type.h"

#include <string.h>

static const struct key_type key_types[] = {
	{"ssh-ed25519", "ED25519", KEY_ALG_ED25519, false, NULL, 0, "ssh-ed25519", false},
	{"ssh-rsa", "RSA", KEY_ALG_RSA, false, NULL, 0, "ssh-rsa", false},
	{"ecdsa-sha2-nistp256", "ECDSA", KEY_ALG_ECDSA, false, "nistp256", 256,
	 "ecdsa-sha2-nistp256", false},
	{"ecdsa-sha2-nistp384", "ECDSA", KEY_ALG_ECDSA, false, "nistp384", 384,
	 "ecdsa-sha2-nistp384", false},
	{"ecdsa-sha2-nistp521", "ECDSA", KEY_ALG_ECDSA, false, "nistp521", 521,
	 "ecdsa-sha2-nistp521", false},
	{"sk-ssh-ed25519@openssh.com", "ED25519-SK", KEY_ALG_SK_ED25519, false, NULL, 0,
	 "sk-ssh-ed25519@openssh.com", false},
	{"sk-ecdsa-sha2-nistp256@openssh.com", "ECDSA-SK", KEY_ALG_SK_ECDSA, false, "nistp256", 256,
	 "sk-ecdsa-sha2-nistp256@openssh.com", false},
	{"ssh-dss", "DSA", KEY_ALG_DSA, false, NULL, 0, "ssh-dss", true},
	{"ssh-ed25519-cert-v01@openssh.com", "ED25519-CERT", KEY_ALG_ED25519, true, NULL, 0,
	 "ssh-ed25519", false},
	{"ssh-rsa-cert-v01@openssh.com", "RSA-CERT", KEY_ALG_RSA, true, NULL, 0, "ssh-rsa", false},
	{"ecdsa-sha2-nistp256-cert-v01@openssh.com", "ECDSA-CERT", KEY_ALG_ECDSA, true, "nistp256",
	 256, "ecdsa-sha2-nistp256", false},
	{"ecdsa-sha2-nistp384-cert-v01@openssh.com", "ECDSA-CERT", KEY_ALG_ECDSA, true, "nistp384",
	 384, "ecdsa-sha2-nistp384", false},
	{"ecdsa-sha2-nistp521-cert-v01@openssh.com", "ECDSA-CERT", KEY_ALG_ECDSA, true, "nistp521",
	 521, "ecdsa-sha2-nistp521", false},
	{"sk-ssh-ed25519-cert-v01@openssh.com", "ED25519-SK-CERT", KEY_ALG_SK_ED25519, true, NULL,
	 0, "sk-ssh-ed25519@openssh.com", false},
	{"sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", "ECDSA-SK-CERT", KEY_ALG_SK_ECDSA, true,
	 "nistp256", 256, "sk-ecdsa-sha2-nistp256@openssh.com", false},
	{"ssh-dss-cert-v01@openssh.com", "DSA-CERT", KEY_ALG_DSA, true, NULL, 0, "ssh-dss", true},
};

const struct key_type *key_type_from_name(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(key_types) / sizeof(key_types[0]); i++) {
		/* bounded, not a strlen per candidate: a listing looks a name up per line */
		const char *candidate = key_types[i].name;
		if (strnlen(candidate, len + 1) == len && memcmp(candidate, name, len) == 0)
			return &key_types[i];
	}
	return NULL;
}

const struct key_type *key_type_ecdsa_for_curve(const char *curve, size_t len)
{
	for (size_t i = 0; i < sizeof(key_types) / sizeof(key_types[0]); i++) {
		const struct key_type *t = &key_types[i];
		if (t->algorithm == KEY_ALG_ECDSA && !t->cert && strlen(t->curve) == len &&
		    memcmp(t->curve, curve, len) == 0)
			return t;
	}
	return NULL;
}
