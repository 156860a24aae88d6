/* The check list doctor builds for one host, shared by its two halves: doctor.c (the client,
 * the network, the key offered) and doctor_server.c (what a login shows on the server). */
#ifndef SSHKEYCTL_OPS_DOCTOR_CHECKS_H
#define SSHKEYCTL_OPS_DOCTOR_CHECKS_H

#include <time.h>

#include "ops/doctor.h"
#include "remote/authorized_keys_remote.h"
#include "remote/openssh_client.h"
#include "remote/session.h"

/* How specific a cause is; the first line names the heaviest FAIL. A blocker before the
 * server (the network, the client) outweighs what the server would do next; among the
 * server's reasons, sshd's own refusal of the file outweighs the file's content. */
enum {
	WEIGHT_GENERIC = 10,  /* the server refuses the key, reason not seen */
	WEIGHT_SERVER = 100,  /* a reason seen on the server (+ up to 50: more specific) */
	WEIGHT_CLIENT = 200,  /* ssh itself never offers the key */
	WEIGHT_NETWORK = 300, /* no SSH conversation at all */
};

/* OpenSSH's default MaxAuthTries: ssh is cut off after this many refused keys */
#define DEFAULT_MAX_AUTH_TRIES 6

struct doctor {
	const struct target *t;
	const struct doctor_request *req;
	struct doctor_result *res;
	struct timespec deadline;
	const char *user; /* who we log in as (points to user_name once known) */
	char user_name[256];
	const struct openssh_client_config *ssh; /* what ssh would do (have_ssh_config) */
	bool have_ssh_config;
	char groups[512]; /* the account's groups, when root could ask */
	const char *host; /* where we connect */
	unsigned port;
	/* the first line when no cause was seen but the checks stopped short of the server */
	char stopped_short[512];
	/* doctor's own connections (their local ports) and when it began: sshd's log lines
	 * about them are the ones it quotes */
	unsigned ports[8];
	size_t n_ports;
	time_t started;
};
/* Note a connection of doctor's (its port) for the log check. */
void doctor_note_connection(struct doctor *dr, const struct remote_session *s);

/* A new check at the end of the list (never NULL: out of memory, a scratch one). */
struct doctor_check *doctor_add(struct doctor *dr, const char *name, enum doctor_status status,
				const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void doctor_set_cause(struct doctor_check *c, int weight, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void doctor_set_fix(struct doctor_check *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The sshkeyctl command line that repeats this run's work as command (with extra options
 * after it, may be ""), carrying every option it needs to reach the same account the same
 * way: -i KEY, --for-user, -p, -l, -F, each -o, then the target; words shell-quoted.
 * Truncated to len with "..." if longer. */
void doctor_command(const struct doctor *dr, const char *command, const char *extra, char *buf,
		    size_t len);

/* Does a PubkeyAcceptedAlgorithms list take keys of this type (RSA: rsa-sha2-*)? */
bool doctor_type_accepted(const char *list, const char *type);

/* --fix: the local private key's mode, a split or BOM'd key line mended in place, then
 * copy's install and permission fixes; each change logged in res->fixes. 0 when something
 * could be tried. */
int doctor_fix(const struct target *t, const struct doctor_request *req, struct doctor_result *res);

/* SELinux labels as the account sees them (the answer of doctor_selinux.c's helper). */
#define SELINUX_LABELS_MAX 4
struct selinux_label {
	char path[1024];
	char type[128];        /* the type of its context now */
	char wanted_type[128]; /* the type the policy gives the path (matchpathcon) */
};
struct selinux_labels {
	bool enabled;
	bool enforcing;
	bool no_matchpathcon;
	struct selinux_label items[SELINUX_LABELS_MAX];
	size_t n;
};
/* Parse the helper's answer (network data, bounded); ERR_FORMAT when malformed. */
int selinux_labels_parse(const char *text, size_t len, struct selinux_labels *ret);
/* The labels of st's file and directory: FAIL when enforcing and not the policy's. */
void doctor_check_selinux(struct doctor *dr, struct remote_session *s,
			  const struct authorized_keys_state *st);

/* After a login as the account (s): its authorized_keys and, with root, sshd's view. */
void doctor_server_checks(struct doctor *dr, struct remote_session *s);

#endif
