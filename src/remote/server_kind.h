/* Which SSH server answers, from its identification string (RFC 4253 4.2:
 * "SSH-2.0-softwareversion SP comments"), and the facts sshkeyctl's OpenSSH-only work
 * depends on for each OpenSSH version:
 *
 *   Include in sshd_config (sshd_config.d)          8.2 and later
 *   KbdInteractiveAuthentication as sshd -T's name  8.7 and later (ChallengeResponse before)
 *   sshd-session per connection, PerSourcePenalties 9.8 and later
 *   mixed-case keywords in sshd -T and ssh -G       10.4 and later
 *
 * The banner is the server's own claim (VersionAddendum can append to it, nothing in OpenSSH
 * lets it change the software field): good enough to refuse work meant for another server,
 * never a proof. A banner that is not understood is "other", with its software field named.
 */
#ifndef SSHKEYCTL_REMOTE_SERVER_KIND_H
#define SSHKEYCTL_REMOTE_SERVER_KIND_H

#include <stdbool.h>
#include <stddef.h>

enum server_software {
	SERVER_OTHER,
	SERVER_OPENSSH,
	SERVER_DROPBEAR,
	SERVER_TINYSSH,
};

struct server_kind {
	enum server_software software;
	unsigned major, minor; /* OpenSSH's and Dropbear's version (Dropbear: year, release) */
	bool debian;           /* a Debian or Ubuntu build (its patches: StrictModes groups) */
	char name[96];         /* for messages: "OpenSSH 9.2p1", "Dropbear 2022.83", ... */
};

/* Parse banner[len] (with or without "\r\n"); never fails: unknown is SERVER_OTHER. */
void server_kind_from_banner(const char *banner, size_t len, struct server_kind *ret);

/* The kind of the server a session is connected to (its banner). */
struct remote_session;
void server_kind_of(const struct remote_session *s, struct server_kind *ret);

/* An OpenSSH at least major.minor (false for every other server). */
bool server_openssh_at_least(const struct server_kind *k, unsigned major, unsigned minor);
bool server_has_include(const struct server_kind *k);
bool server_has_penalties(const struct server_kind *k);
/* The name sshd -T gives the keyboard-interactive switch on this version (lower case). */
const char *server_kbdinteractive_keyword(const struct server_kind *k);
/* The same as written in sshd_config ("KbdInteractiveAuthentication"). */
const char *server_kbdinteractive_setting(const struct server_kind *k);

#endif
