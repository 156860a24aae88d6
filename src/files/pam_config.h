/* PAM service files (/etc/pam.d/NAME, pam.d(5)): rules "TYPE CONTROL MODULE [ARGS]" (TYPE
 * auth, account, password or session, '-' before it: a module that may be missing; CONTROL
 * a keyword or "[value=action ...]"; with CONTROL include or substack, MODULE names another
 * service file), Debian's "@include NAME", comments from '#', a line ending in '\' joined
 * with the next. Read from memory buffers, bounded, every rule with its line; what mfa needs
 * to know of sshd's stack: whether its auth rules ask the password and whether they ask a
 * TOTP code, following includes. */
#ifndef SSHKEYCTL_FILES_PAM_CONFIG_H
#define SSHKEYCTL_FILES_PAM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "base/dynbuf.h"
#include "base/error.h"

#define PAM_CONFIG_FILE_MAX  (256 * 1024)
#define PAM_CONFIG_RULES_MAX 1000
#define PAM_CONFIG_DEPTH_MAX 8 /* includes within includes */

enum pam_rule_kind { PAM_RULE, PAM_INCLUDE_LINE };

struct pam_rule {
	unsigned long line; /* its first line */
	enum pam_rule_kind kind;
	bool dash;         /* "-auth": the module may be missing */
	char type[16];     /* "auth", "account", "password", "session"; "" for @include */
	char control[256]; /* "required", "[success=1 default=ignore]", "include", ... */
	char module[256];  /* "pam_unix.so", a path, or the service file an include names */
	char args[1024];
};

struct pam_config {
	struct pam_rule *rules;
	size_t n;
};

/* name: for errors ("FILE:LINE: why" in d). ERR_TOO_LARGE past the limits, ERR_FORMAT for
 * a rule that is not one (a type PAM does not know, a bracket not closed, no module). */
int pam_config_parse(const char *text, size_t len, const char *name, struct pam_config *ret,
		     struct diag *d);
void pam_config_clear(struct pam_config *c);

/* The auth rules of a stack, includes followed: load(name, ret_text, ret_len, arg) gives an
 * included service file's text (0; -ENOENT when it is not there: PAM skips it). */
struct pam_auth_view {
	bool asks_password;    /* pam_unix (or pam_sss, pam_ldap, pam_krb5, pam_winbind) */
	bool asks_totp;        /* pam_google_authenticator */
	bool totp_nullok;      /* ... with nullok: an account without a secret passes */
	char password_at[300]; /* where: "FILE:LINE" */
	char totp_at[300];
};
int pam_auth_view(const struct pam_config *c, const char *name,
		  int (*load)(const char *name, char **ret_text, size_t *ret_len, void *arg),
		  void *arg, struct pam_auth_view *ret, struct diag *d);

/* mfa's edit of sshd's own file (/etc/pam.d/sshd): the line that asks the password
 * (Debian's "@include common-auth", RHEL's "auth substack password-auth") commented out
 * with PAM_CONFIG_MARKER, and after it a header comment and "auth required
 * pam_google_authenticator.so", with nullok and "auth required pam_permit.so" unless
 * enforce (an account without a secret then passes with the key alone; with only the module
 * and nullok, PAM refuses it: measured). Any earlier edit of ours is undone first. Every
 * other byte is kept. ERR_FORMAT (d names the file) when no such line stands alone. */
#define PAM_CONFIG_MARKER "# sshkeyctl: "
int pam_config_totp_edit(const char *text, size_t len, const char *name, bool enforce,
			 struct dynbuf *out, struct diag *d);
/* The edit undone: our added lines dropped, the line we commented out (the marked line just
 * before our header) back; the result is byte-identical to the file before the edit, and
 * undoing again changes nothing. ret_changed: there was an edit of ours. */
int pam_config_totp_unedit(const char *text, size_t len, struct dynbuf *out, bool *ret_changed);

#endif
