/* What a second factor (mfa: a TOTP code after the key, pam_google_authenticator) needs on
 * a server, for one account, read through the root helper: whether sshd asks it, the
 * account's secret file, what sshd's PAM stack asks, the server's clock. mfa status and
 * doctor show it; mfa enable|disable change it (through harden, ops/harden.h). */
#ifndef SSHKEYCTL_OPS_MFA_H
#define SSHKEYCTL_OPS_MFA_H

#include <stdbool.h>

#include "base/dynbuf.h"
#include "files/pam_config.h"
#include "remote/server_admin.h"

/* The clock difference (server minus ours) a code still matches at: one 30-second step,
 * the module's window being 3 steps. */
#define MFA_CLOCK_STEP 30

struct mfa_view {
	bool requires_code; /* sshd -T: AuthenticationMethods publickey,keyboard-interactive
			     * and keyboard-interactive on */
	bool pam_read;      /* sshd's PAM stack was read (pam below is its view) */
	struct pam_auth_view pam;
	struct server_admin_secret secret;
	bool secret_usable;       /* a regular file, the account's own, nobody else's to read */
	char secret_problem[160]; /* why not, when there is one */
	long skew;                /* the server's clock minus ours, seconds */
};

/* The server's part of v, the same for every account: sshd's PAM stack, and (clock) the
 * clock's skew. */
int mfa_view_server(struct server_admin *a, bool clock, struct mfa_view *v, struct diag *d);
/* The account's part of v (eff: its sshd -T, server_admin_sshd_effective): whether sshd asks
 * it a code, its secret file; the server's part is kept. */
int mfa_view_account(struct server_admin *a, const char *account, const struct dynbuf *eff,
		     struct mfa_view *v, struct diag *d);
/* The server's clock minus ours (seconds), measured around one request. */
int mfa_clock_skew(struct server_admin *a, long *ret_skew, struct diag *d);
/* sshd -T asks this account a code after the key. */
bool mfa_requires_code(const struct dynbuf *eff);

#endif
