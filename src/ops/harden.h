/* The harden use case: password login off on one host, the way a careful engineer does it.
 *
 * Preconditions (else nothing changes): our key logs in (the connection that does the work
 * is itself that proof), root is at hand (root, or sudo), and the configuration passes
 * `sshd -t`. The sshd_config model decides where the settings take effect (an early drop-in,
 * or the main file before its first Match); `sshd -T -C` is the ground truth before and
 * after. The change is a transaction on the server (backup, atomic writes, `sshd -t`, a
 * dead-man, reload) proven from new connections: the key logs in, and neither password nor
 * keyboard-interactive is offered to the login user or any --users name. Any failure puts
 * the backups back, reloads, and proves the old state is back. */
#ifndef SSHKEYCTL_OPS_HARDEN_H
#define SSHKEYCTL_OPS_HARDEN_H

#include <stdbool.h>

#include "base/dynbuf.h"
#include "ops/local_key.h"
#include "ops/login.h"

enum harden_root_login {
	HARDEN_ROOT_DEFAULT, /* prohibit-password, unless it is already no */
	HARDEN_ROOT_NO,
	HARDEN_ROOT_PROHIBIT_PASSWORD,
	HARDEN_ROOT_KEEP,
};

#define HARDEN_DEFAULT_CONFIRM_TIMEOUT 120
/* where revoke --install-krl puts the KRL on a server */
#define HARDEN_KRL_PATH "/etc/ssh/sshkeyctl_revoked_keys"

/* sshkeyctl mfa: a TOTP code after the key (pam_google_authenticator), through the same
 * transaction (ops/mfa.c). Refused unless password login is off already (the PAM stack
 * then asks a code, not the password: a password login through it would break). */
enum mfa_action { MFA_ENABLE = 1, MFA_DISABLE, MFA_STATUS };
struct mfa_request {
	enum mfa_action action;
	char *const *users; /* --users: the accounts of the rollout */
	size_t n_users;
	const char *group; /* --group: its accounts */
	bool all;          /* --all: every account (secrets for the login user and --users) */
	bool enforce;      /* no nullok: an account without a secret can no longer log in */
	long max_skew;     /* seconds the server's clock may differ from ours (0: one step,
			    * MFA_CLOCK_STEP) */
};
#define MFA_SECRET_BYTES  20 /* 160 bits, as google-authenticator makes them */
#define MFA_SCRATCH_CODES 5

struct harden_request {
	struct local_key *keys; /* the keys that log in (none: ssh-agent's) */
	size_t n_keys;
	const struct connect_options *connect;
	char *const *users; /* --users: more accounts that must lose password login */
	size_t n_users;
	enum harden_root_login root_login;
	bool fix_match;
	bool dry_run;
	bool undo;
	unsigned confirm_timeout;               /* seconds before the dead-man restores */
	const struct password_source *password; /* for sudo */
	/* revoke --install-krl: instead of password login off, this KRL installed at krl_path
	 * and named by RevokedKeys, through the same transaction and proof */
	const struct dynbuf *krl;
	const char *krl_path;
	const struct mfa_request *mfa; /* sshkeyctl mfa instead of harden */
	/* tests only: "fail-after-reload", "cut-after-reload", "reload-no-effect",
	 * "sshd-test-fails"; mfa: "wrong-pam-line" (the module's name misspelt in what is
	 * written: the proof must catch the PAM stack that cannot ask a code) */
	const char *fault;
};

enum harden_outcome {
	HARDEN_DONE,        /* changed and proven */
	HARDEN_ALREADY,     /* nothing needed changing; proven */
	HARDEN_WARN,        /* done, but some account can still use a password (named) */
	HARDEN_WOULD,       /* dry run: the plan and the diffs */
	HARDEN_UNDONE,      /* --undo: the backup is back, key login proven */
	HARDEN_REFUSED,     /* a precondition failed; nothing changed */
	HARDEN_ROLLED_BACK, /* failed after the change; the old state is back, proven */
	HARDEN_FAILED,      /* failed; diag says what state the host is in */
	HARDEN_N_OUTCOMES,
};

/* A secret mfa enable wrote, to be shown once (then wiped with the result). */
struct mfa_secret_shown {
	char account[65];
	char label[320]; /* "ACCOUNT@HOSTNAME", as google-authenticator labels it */
	unsigned char secret[MFA_SECRET_BYTES];
	unsigned long scratch[MFA_SCRATCH_CODES];
};

struct harden_result {
	enum harden_outcome outcome;
	int error;
	struct diag diag;
	struct dynbuf plan;     /* one line per change (made, or to be made) */
	struct dynbuf diff;     /* --dry-run: a unified diff per file */
	struct dynbuf warnings; /* Match blocks, accounts that lose SSH access */
	struct dynbuf proof;    /* what was proven, one line each */
	char backup_dir[512];
	char reload_how[128];
	/* a change left unproven on the server, which its dead-man restores at this time
	 * (wall clock); 0 when none is pending */
	time_t deadman_restores_at;
	/* mfa enable: the secrets written, shown once; mfa status: what sshd requires of each
	 * account, one line each (in proof) */
	struct mfa_secret_shown *secrets;
	size_t n_secrets;
	long clock_skew; /* mfa: the server's clock minus ours, seconds */
};

void harden_result_init(struct harden_result *res);
void harden_result_clear(struct harden_result *res);
/* Never fails as a function: everything is in res. */
void harden_host(const struct target *t, const struct harden_request *req,
		 struct harden_result *res);

#endif
