#include "ops/account_keys.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "remote/server_kind.h"
#include "remote/sftp_client.h"

/* Read the account's authorized_keys state with the sh helper, or over SFTP when asked or
 * when the account cannot run commands; *sftp is started on first use and kept for the
 * write. */
int account_ref_open(struct remote_session *s, const char *for_user,
		     const struct password_source *password, struct account_ref *ret,
		     struct diag *d)
{
	struct account_ref a = {.for_user = for_user};
	if (for_user) {
		/* logged in as root: no probe (one command less on the server); an account
		 * named root that is not uid 0 would only be refused by the files' modes */
		int r = 0;
		if (!strcmp(remote_user(s), "root"))
			root_runner_as_root(&a.root);
		else
			r = root_runner_open(s, password, &a.root, d);
		if (r < 0)
			return r;
		a.through_root = true;
	}
	*ret = a;
	return 0;
}

void account_ref_clear(struct account_ref *a)
{
	if (a->through_root)
		root_runner_clear(&a->root);
	memset(a, 0, sizeof(*a));
}

static const struct root_runner *root_of(const struct account_ref *a)
{
	return a->through_root ? &a->root : NULL;
}

int account_keys_read(struct remote_session *s, const struct account_ref *acct, bool use_sftp,
		      struct remote_sftp **sftp, struct authorized_keys_state *st, struct diag *d)
{
	const char *for_user = acct->for_user;
	struct diag no_shell = {{0}};
	int r;
	if (!use_sftp && !*sftp) {
		r = authorized_keys_remote_read(s, for_user, root_of(acct), st, d);
		if (r != ERR_NO_SHELL)
			return r;
		no_shell = *d;
	}
	if (for_user) {
		diag_set(d, "%s%s--for-user needs a shell on the server, not SFTP", no_shell.text,
			 no_shell.text[0] ? "; " : "");
		return no_shell.text[0] ? ERR_NO_SHELL : -EINVAL;
	}
	if (!*sftp && (r = remote_sftp_start(s, sftp, d)) < 0) {
		if (no_shell.text[0]) {
			struct diag sftp_failure = *d;
			diag_set(d, "%s, and SFTP failed: %s", no_shell.text, sftp_failure.text);
		}
		return r;
	}
	return authorized_keys_sftp_read(*sftp, st, d);
}

int account_keys_read_others(struct remote_session *s, const struct account_ref *acct,
			     const struct authorized_keys_state *first,
			     struct authorized_keys_state **ret, size_t *ret_n, struct diag *d)
{
	struct server_kind kind;
	server_kind_of(s, &kind);
	*ret = NULL;
	*ret_n = 0;
	if (!first->conversation || first->n_entries < 2 ||
	    (kind.software != SERVER_OPENSSH && !first->entries_from_sshd))
		return 0;
	struct authorized_keys_state *others = calloc(first->n_entries - 1, sizeof(*others));
	size_t n = 0;
	int r = others ? 0 : -ENOMEM;
	/* only the entries that exist: a missing one holds no key (perms checks the first
	 * entry's path even when missing, and that is first) */
	for (unsigned e = 1; r == 0 && e < first->n_entries; e++) {
		if (e >= 64 || !(first->others_existing & (1UL << e)))
			continue;
		r = authorized_keys_remote_read_entry(s, acct->for_user, root_of(acct), e,
						      &others[n], d);
		if (r == 0)
			n++;
	}
	if (r < 0) {
		account_keys_others_free(others, n);
		return r;
	}
	*ret = others;
	*ret_n = n;
	return 0;
}

void account_keys_others_free(struct authorized_keys_state *others, size_t n)
{
	for (size_t i = 0; i < n; i++)
		authorized_keys_state_clear(&others[i]);
	free(others);
}

/* StrictModes findings as the server's sshd sees them: Debian's group exception asked of
 * the helper when a group-writable level needs it (over SFTP it cannot be: such a level
 * just gets its g-w fix, which never hurts). */
int account_keys_strict_modes(struct remote_session *s, struct authorized_keys_state *st,
			      bool above_home, struct strict_modes_finding **ret, size_t *ret_n,
			      struct diag *d)
{
	struct strict_modes_rules rules = {
		.debian_groups = strict_modes_debian_sshd(remote_server_banner(s)),
		.above_home = above_home};
	gid_t *gids = NULL;
	size_t n = 0;
	int r = 0;
	if (rules.debian_groups && st->conversation && st->n_groups == 0 &&
	    (r = strict_modes_groups_needed(st, &gids, &n)) == 0 && n)
		r = authorized_keys_remote_groups(st, gids, n, d);
	free(gids);
	return r < 0 ? r : strict_modes_check(st, &rules, ret, ret_n);
}
