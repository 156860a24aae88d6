/* Algorithm negotiation failures (RFC 4253 7.1): the server and the client share no key
 * exchange method, host key algorithm, cipher or MAC. libssh reports one as
 * "kex error : no match for method kex algos: server [LIST], client [LIST]"; doctor needs
 * to know which negotiation failed and what the server offered, to ask whether OpenSSH's ssh
 * (whose lists `ssh -G` prints) would have fared better. */
#ifndef SSHKEYCTL_REMOTE_NEGOTIATION_H
#define SSHKEYCTL_REMOTE_NEGOTIATION_H

#include <stdbool.h>
#include <stddef.h>

enum negotiation_kind {
	NEGOTIATION_KEX,      /* KexAlgorithms */
	NEGOTIATION_HOST_KEY, /* HostKeyAlgorithms */
	NEGOTIATION_CIPHER,   /* Ciphers */
	NEGOTIATION_MAC,      /* MACs */
	NEGOTIATION_OTHER,    /* compression or languages */
};

struct negotiation_failure {
	enum negotiation_kind kind;
	/* the server's list, comma separated, without the pseudo-algorithms that only signal
	 * extensions (ext-info-*, kex-strict-*) */
	char server[2048];
};

/* Parse a libssh error text (text[len]); -ENOENT when it is not a negotiation failure. */
int negotiation_failure_parse(const char *text, size_t len, struct negotiation_failure *ret);
/* What the kind is called in prose ("key exchange method"), in ssh_config ("KexAlgorithms")
 * and by `ssh -Q` ("kex"). */
const char *negotiation_kind_prose(enum negotiation_kind kind);
const char *negotiation_kind_keyword(enum negotiation_kind kind);
const char *negotiation_kind_query(enum negotiation_kind kind);
/* The first algorithm of server's list that client's list holds too (the one that would be
 * chosen is the client's first, but either proves there is one): false when none. */
bool negotiation_common(const char *server, const char *client, char *ret, size_t len);

#endif
