/* sshkeyctl mfa on one host: a TOTP code after the key (pam_google_authenticator), set up
 * through harden's transaction (ops/harden_internal.h).
 *
 * What changes on the server, and why so:
 *  - sshd: a Match block (our drop-in, or the end of sshd_config) for the rollout's
 *    accounts (Match User, Match Group, or Match all) with KbdInteractiveAuthentication yes
 *    and AuthenticationMethods publickey,keyboard-interactive. Nobody else's methods change:
 *    keyboard-interactive stays off for them, so the PAM stack below is reached only after
 *    a key, by the rollout's accounts.
 *  - PAM: sshd's stack asks the code instead of the password (Debian's "@include
 *    common-auth", RHEL's "auth substack password-auth" commented out; files/pam_config).
 *    Until --enforce, "nullok" and pam_permit let an account without a secret in with its
 *    key alone (the module alone with nullok refuses it: measured on Debian 12).
 *  - The secrets: ~/.google_authenticator, written by each account itself (the root
 *    helper's as_account), 0400, never over an existing one, inside the transaction: its
 *    restore (ours, the dead-man's, or the next run's recovery) removes them again, as
 *    each account, only while unchanged.
 * Refused, changing nothing, unless password login is already off for the accounts proven
 * (the PAM stack would no longer take a password), the module is installed, sshd uses PAM
 * and the server's clock is within max_skew of ours. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/error.h"
#include "base/line_diff.h"
#include "base/random.h"
#include "base/totp.h"
#include "files/google_authenticator.h"
#include "files/pam_config.h"
#include "files/sshd_config.h"
#include "ops/harden_internal.h"
#include "ops/login.h"
#include "ops/mfa.h"

#define PAM_SSHD         "/etc/pam.d/sshd"
#define MFA_DROPIN       "00-sshkeyctl-mfa.conf"
#define MFA_HEADER       "sshkeyctl mfa: a key, then a TOTP code (keyboard-interactive, PAM)"
#define MFA_METHODS      "publickey,keyboard-interactive"
#define MFA_MAX_ACCOUNTS 4096

static const char *const block_keywords[] = {"KbdInteractiveAuthentication",
					     "AuthenticationMethods"};

/* One account of the rollout. */
struct mfa_account {
	char *name;
	bool needs_secret; /* none yet: this run writes one */
	bool kept;         /* a sound secret of its own, there before */
	bool secret_here;  /* written by this run: its secret is in shown */
	char sum[64];      /* what was written ("CKSUM_SIZE"), for the rollback */
	bool proven;       /* its key-and-code login succeeded (a code is used once) */
	bool key_refused;  /* our key is not this account's: proven by its methods only */
	struct mfa_secret_shown shown;
};

struct mfa {
	const struct mfa_request *req;
	struct mfa_account *accounts;
	size_t n;
	bool login_in_rollout;
	char hostname[256];
	long skew;
};

static struct mfa_account *find_account(struct mfa *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->accounts[i].name, name))
			return &m->accounts[i];
	return NULL;
}

static int add_account(struct mfa *m, const char *name)
{
	if (find_account(m, name))
		return 0;
	if (m->n >= MFA_MAX_ACCOUNTS)
		return -E2BIG;
	struct mfa_account *g = realloc(m->accounts, (m->n + 1) * sizeof(*g));
	if (!g)
		return -ENOMEM;
	m->accounts = g;
	memset(&g[m->n], 0, sizeof(*g));
	if (!(g[m->n].name = strdup(name)))
		return -ENOMEM;
	m->n++;
	return 0;
}

static void mfa_free(struct mfa *m)
{
	for (size_t i = 0; i < m->n; i++) {
		explicit_bzero(&m->accounts[i].shown, sizeof(m->accounts[i].shown));
		free(m->accounts[i].name);
	}
	free(m->accounts);
}

int mfa_clock_skew(struct server_admin *a, long *ret_skew, struct diag *d)
{
	long long server;
	time_t before = time(NULL);
	int r = server_admin_time(a, &server, d);
	time_t after = time(NULL);
	if (r == 0)
		*ret_skew = (long)(server - (before + (after - before) / 2));
	return r;
}

/* The server's clock against ours (the codes are computed here for the proof, and people's
 * phones keep the time too). */
static int check_clock(struct harden *h, struct mfa *m, bool refuse)
{
	struct diag d = {{0}};
	int r = mfa_clock_skew(h->admin, &m->skew, &d);
	if (r < 0) {
		harden_set_outcome(h, HARDEN_FAILED, r, "%s", d.text);
		return r;
	}
	h->res->clock_skew = m->skew;
	long limit = m->req->max_skew > 0 ? m->req->max_skew : MFA_CLOCK_STEP;
	if (labs(m->skew) <= limit)
		return 0;
	char text[256];
	snprintf(text, sizeof(text),
		 "the server's clock is %ld s %s ours (more than %ld s): codes would not match; "
		 "set its time (timedatectl, chrony)",
		 labs(m->skew), m->skew > 0 ? "ahead of" : "behind", limit);
	if (!refuse) {
		dynbuf_printf(&h->res->warnings, "%s\n", text);
		return 0;
	}
	harden_set_outcome(h, HARDEN_REFUSED, -ERANGE, "%s first (nothing changed)", text);
	return -ERANGE;
}

/* The rollout's accounts, as the server names them; the login user's place in it. */
static int gather_accounts(struct harden *h, struct mfa *m)
{
	const struct mfa_request *req = m->req;
	struct diag d = {{0}};
	struct dynbuf info;
	int r = 0;
	dynbuf_init(&info, 64 * 1024);
	for (size_t i = 0; r == 0 && i < req->n_users; i++) {
		if (!server_admin_account_name_ok(req->users[i])) {
			harden_set_outcome(h, HARDEN_REFUSED, -EINVAL,
					   "not an account name sshkeyctl takes: %s (nothing "
					   "changed)",
					   req->users[i]);
			r = -EINVAL;
			break;
		}
		r = server_admin_account(h->admin, req->users[i], &info, &d);
		if (r == -ENOENT) {
			harden_set_outcome(h, HARDEN_REFUSED, r,
					   "no account %s on the server (nothing changed)",
					   req->users[i]);
			break;
		}
		if (r == 0)
			r = add_account(m, req->users[i]);
	}
	if (r == 0 && req->group) {
		char **names = NULL;
		size_t n = 0;
		r = server_admin_group_members(h->admin, req->group, &names, &n, &d);
		if (r == 0 && n == 0) {
			diag_set(&d, "the group %s has no accounts", req->group);
			r = -ENOENT;
		}
		for (size_t i = 0; r == 0 && i < n; i++)
			r = add_account(m, names[i]);
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		if (r < 0)
			harden_set_outcome(h, HARDEN_REFUSED, r, "%s (nothing changed)", d.text);
	}
	/* --all: every account is in; a secret is written for the login user alone */
	if (r == 0 && req->all)
		r = add_account(m, h->login_user);
	if (r == 0)
		m->login_in_rollout = find_account(m, h->login_user) != NULL;
	if (r < 0 && h->res->outcome != HARDEN_REFUSED)
		harden_set_outcome(h, HARDEN_FAILED, r, "%s", d.text[0] ? d.text : "out of memory");
	dynbuf_free(&info);
	return r;
}

static void new_secret(struct mfa *m, struct mfa_account *a, struct ga_file *f)
{
	memset(f, 0, sizeof(*f));
	f->secret_len = MFA_SECRET_BYTES;
	/* google-authenticator -t -d -f -r 3 -R 30 -w 3: TOTP, each code once, at most three
	 * logins in 30 s, one step of skew either way */
	f->totp = true;
	f->disallow_reuse = true;
	f->rate_n = 3;
	f->rate_m = 30;
	f->window = 3;
	f->n_scratch = MFA_SCRATCH_CODES;
	snprintf(a->shown.account, sizeof(a->shown.account), "%s", a->name);
	snprintf(a->shown.label, sizeof(a->shown.label), "%s@%s", a->name, m->hostname);
}

/* 8-digit scratch codes, as the tool makes them: 10000000 to 99999999. */
static int fill_secret(struct ga_file *f, struct mfa_account *a)
{
	int r = random_bytes(f->secret, MFA_SECRET_BYTES);
	for (size_t i = 0; r == 0 && i < MFA_SCRATCH_CODES; i++) {
		uint32_t v;
		do
			r = random_bytes(&v, sizeof(v));
		while (r == 0 && v >= 4294967295u - 4294967295u % 90000000u);
		f->scratch[i] = 10000000u + v % 90000000u;
		a->shown.scratch[i] = f->scratch[i];
	}
	if (r == 0)
		memcpy(a->shown.secret, f->secret, MFA_SECRET_BYTES);
	return r;
}

/* What makes the module refuse a secret file (false: nothing, or no file at all). */
static bool secret_problem(const struct server_admin_secret *st, char *buf, size_t len)
{
	if (st->kind == SECRET_LINK)
		snprintf(buf, len, "a symbolic link");
	else if (st->kind == SECRET_OTHER)
		snprintf(buf, len, "not a regular file");
	else if (st->kind == SECRET_FILE && (st->mode & 077))
		snprintf(buf, len, "readable or writable by others (mode %04o)", st->mode);
	else if (st->kind == SECRET_FILE && st->uid != st->account_uid)
		snprintf(buf, len, "owned by uid %lu, not the account (uid %lu)", st->uid,
			 st->account_uid);
	else
		return false;
	return true;
}

/* Each account's secret before anything changes: kept when it has a sound one, to be
 * written when it has none; a link, a FIFO, a file others can read or not the account's
 * own is refused (the module refuses it, and the account would be locked out when
 * enforced). */
static int check_secrets(struct harden *h, struct mfa *m)
{
	struct diag d = {{0}};
	int r = 0;
	for (size_t i = 0; r == 0 && i < m->n; i++) {
		struct mfa_account *a = &m->accounts[i];
		struct server_admin_secret st;
		char why[160];
		if ((r = server_admin_secret_state(h->admin, a->name, &st, &d)) < 0)
			break;
		if (st.kind == SECRET_NO_HOME)
			dynbuf_printf(&h->res->warnings,
				      "%s has no home directory: no secret written; %s\n", a->name,
				      m->req->enforce ? "it can no longer log in over SSH"
						      : "its key alone still lets it in (nullok)");
		else if (secret_problem(&st, why, sizeof(why))) {
			diag_set(
				&d,
				"%s's ~/.google_authenticator is %s: the module refuses it; fix or "
				"remove it, or leave %s out (nothing changed)",
				a->name, why, a->name);
			r = -EPERM;
		} else if (st.kind == SECRET_FILE) {
			a->kept = true;
			dynbuf_printf(&h->res->plan,
				      "kept %s's ~/.google_authenticator (there before this run)\n",
				      a->name);
		} else
			a->needs_secret = true;
	}
	if (r < 0)
		harden_set_outcome(h, r == -EPERM ? HARDEN_REFUSED : HARDEN_FAILED, r, "%s",
				   d.text[0] ? d.text : error_to_string(r));
	return r;
}

/* The new secrets, written by the accounts (inside the transaction, which records them:
 * its restore, ours or the dead-man's, removes them again). */
static int create_secrets(struct harden *h, struct diag *d)
{
	struct mfa *m = h->op;
	int r = 0;
	struct dynbuf text;
	dynbuf_init(&text, GA_FILE_MAX);
	for (size_t i = 0; r == 0 && i < m->n; i++) {
		struct mfa_account *a = &m->accounts[i];
		struct ga_file f;
		if (!a->needs_secret || a->secret_here)
			continue;
		new_secret(m, a, &f);
		dynbuf_reset(&text);
		if ((r = fill_secret(&f, a)) == 0)
			r = ga_file_write(&f, &text);
		explicit_bzero(&f, sizeof(f));
		if (r == 0)
			r = server_admin_secret_create(h->admin, a->name, text.data, text.len,
						       a->sum, sizeof(a->sum), d);
		else
			diag_set(d, "cannot make a secret: %s", error_to_string(r));
		if (r == 0) {
			a->secret_here = true;
			dynbuf_printf(&h->res->plan, "wrote %s's ~/.google_authenticator (0400)\n",
				      a->name);
		}
	}
	dynbuf_free(&text);
	return r;
}

/* The secrets this run wrote outside a transaction, taken back. */
static void remove_secrets(struct harden *h, struct mfa *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct mfa_account *a = &m->accounts[i];
		struct diag d = {{0}};
		if (!a->secret_here)
			continue;
		if (server_admin_secret_remove(h->admin, a->name, a->sum, &d) < 0)
			dynbuf_printf(&h->res->warnings, "%s\n", d.text);
		else
			dynbuf_printf(&h->res->plan, "removed %s's new ~/.google_authenticator\n",
				      a->name);
		a->secret_here = false;
	}
}

/* After a rollback: the restore removed the new secrets; said so, or that one is left. */
static void secrets_restored(struct harden *h, struct mfa *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct mfa_account *a = &m->accounts[i];
		struct server_admin_secret st;
		struct diag d = {{0}};
		if (!a->secret_here)
			continue;
		a->secret_here = false;
		if (server_admin_secret_state(h->admin, a->name, &st, &d) == 0 &&
		    st.kind == SECRET_NONE)
			dynbuf_printf(
				&h->res->plan,
				"removed %s's new ~/.google_authenticator (with the backup)\n",
				a->name);
		else
			dynbuf_printf(&h->res->warnings,
				      "%s's new ~/.google_authenticator is still there%s%s\n",
				      a->name, d.text[0] ? ": " : "", d.text);
	}
}

/* (ours when the line before it is our header) */
bool mfa_block_match(const struct sshd_config *cfg, const struct sshd_directive *mt)
{
	const struct sshd_config_file *f = &cfg->files[mt->file];
	const char *text = f->content.len ? (const char *)f->content.data : "";
	size_t start = mt->offset ? mt->offset - 1 : 0; /* the newline before it */
	if (!mt->offset || text[start] != '\n')
		return false;
	while (start && text[start - 1] != '\n')
		start--;
	static const char header[] = "# " MFA_HEADER;
	return mt->offset - start > sizeof(header) - 1 &&
	       !memcmp(text + start, header, sizeof(header) - 1);
}

/* The criteria of our Match block ("User a,b", "Group g", "all"), or NULL. */
static const char *our_criteria(const struct sshd_config *cfg)
{
	for (size_t i = 0; i < cfg->n_directives; i++)
		if (!strcmp(cfg->directives[i].keyword, "match") &&
		    mfa_block_match(cfg, &cfg->directives[i]))
			return cfg->directives[i].args;
	return NULL;
}

static bool name_in(const char *list, size_t len, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p < list + len;) {
		size_t w = strcspn(p, ",");
		if (w > (size_t)(list + len - p))
			w = (size_t)(list + len - p);
		if (w == n && !memcmp(p, name, n))
			return true;
		p += w + 1;
	}
	return false;
}

/* The Match block: "Match all", "Match Group g" or "Match User a,b", with the settings. An
 * existing block of ours is added to, never narrowed: the accounts it names keep their
 * second factor (mfa disable takes it away); another kind of criteria is refused. */
static int block_text(const struct mfa *m, const struct sshd_config *cfg, struct dynbuf *out,
		      struct diag *d)
{
	static const char settings[] = "\tKbdInteractiveAuthentication yes\n"
				       "\tAuthenticationMethods " MFA_METHODS "\n";
	const struct mfa_request *req = m->req;
	const char *now = our_criteria(cfg);
	int r;
	if (now && strncasecmp(now, "User ", 5) && strcasecmp(now, "all")) {
		if (req->group && !strncasecmp(now, "Group ", 6) && !strcmp(now + 6, req->group))
			return dynbuf_printf(out, "Match %s\n%s", now, settings);
		diag_set(d,
			 "mfa is set up here for \"%s\": sshkeyctl mfa disable first, or enable it "
			 "for the same accounts",
			 now);
		return -EEXIST;
	}
	if (req->all || (now && !strcasecmp(now, "all")))
		return dynbuf_printf(out, "Match all\n%s", settings);
	if (req->group) {
		if (now) {
			diag_set(d,
				 "mfa is set up here for \"%s\": sshkeyctl mfa disable first, or "
				 "add accounts with --users",
				 now);
			return -EEXIST;
		}
		return dynbuf_printf(out, "Match Group %s\n%s", req->group, settings);
	}
	const char *had = now ? now + 5 : "";
	size_t had_len = strcspn(had, " \t");
	r = dynbuf_printf(out, "Match User %.*s", (int)had_len, had);
	for (size_t i = 0; r == 0 && i < req->n_users; i++)
		if (!name_in(had, had_len, req->users[i]))
			r = dynbuf_printf(out, "%s%s", (had_len || i) ? "," : "", req->users[i]);
	return r == 0 ? dynbuf_printf(out, "\n%s", settings) : r;
}

/* disable --users: our Match User block without those accounts; 1 with the block in out
 * when some remain, 0 when none does (all of mfa goes), or -EEXIST (d says why). */
static int block_without(const struct mfa *m, const struct sshd_config *cfg, struct dynbuf *out,
			 struct diag *d)
{
	const char *now = our_criteria(cfg);
	if (!now)
		return 0;
	if (strncasecmp(now, "User ", 5)) {
		diag_set(d,
			 "mfa is set up here for \"%s\": mfa disable without --users takes it "
			 "away",
			 now);
		return -EEXIST;
	}
	const char *list = now + 5;
	size_t len = strcspn(list, " \t");
	size_t kept = 0;
	int r = dynbuf_printf(out, "Match User ");
	for (const char *p = list; r == 0 && p < list + len;) {
		size_t w = strcspn(p, ",");
		if (w > (size_t)(list + len - p))
			w = (size_t)(list + len - p);
		bool going = false;
		for (size_t i = 0; i < m->req->n_users && !going; i++)
			going = strlen(m->req->users[i]) == w && !memcmp(p, m->req->users[i], w);
		if (!going && w)
			r = dynbuf_printf(out, "%s%.*s", kept++ ? "," : "", (int)w, p);
		p += w + 1;
	}
	if (r == 0)
		r = dynbuf_printf(out,
				  "\n\tKbdInteractiveAuthentication yes\n\tAuthenticationMethods "
				  "%s\n",
				  MFA_METHODS);
	return r < 0 ? r : kept > 0;
}

static int load_included(const char *name, char **ret_text, size_t *ret_len, void *arg)
{
	struct server_admin *a = arg;
	char path[512];
	struct dynbuf b;
	struct diag d;
	snprintf(path, sizeof(path), "/etc/pam.d/%s", name);
	dynbuf_init(&b, PAM_CONFIG_FILE_MAX);
	int r = server_admin_read(a, path, &b, &d);
	if (r == 0) {
		*ret_len = b.len;
		*ret_text = malloc(b.len + 1);
		if (!*ret_text)
			r = -ENOMEM;
		else
			memcpy(*ret_text, b.len ? (const char *)b.data : "", b.len);
	}
	dynbuf_free(&b);
	return r;
}

/* The view of sshd's PAM stack text (includes read from the server). */
static int pam_view(struct server_admin *a, const struct dynbuf *text, struct pam_auth_view *v,
		    struct diag *d)
{
	struct pam_config c;
	int r = pam_config_parse(text->len ? (const char *)text->data : "", text->len, PAM_SSHD, &c,
				 d);
	if (r == 0) {
		r = pam_auth_view(&c, "sshd", load_included, a, v, d);
		pam_config_clear(&c);
	}
	return r;
}

int mfa_view_server(struct server_admin *a, bool clock, struct mfa_view *v, struct diag *d)
{
	struct dynbuf pam;
	dynbuf_init(&pam, PAM_CONFIG_FILE_MAX);
	v->pam_read = false;
	int r = server_admin_read(a, PAM_SSHD, &pam, d);
	if (r == 0 && (r = pam_view(a, &pam, &v->pam, d)) == 0)
		v->pam_read = true;
	if (r == -ENOENT)
		r = 0;
	if (r == 0 && clock)
		r = mfa_clock_skew(a, &v->skew, d);
	dynbuf_free(&pam);
	return r;
}

int mfa_view_account(struct server_admin *a, const char *account, const struct dynbuf *eff,
		     struct mfa_view *v, struct diag *d)
{
	struct server_admin_secret st;
	int r = server_admin_secret_state(a, account, &st, d);
	if (r < 0)
		return r;
	v->requires_code = mfa_requires_code(eff);
	v->secret = st;
	v->secret_problem[0] = 0;
	bool problem = secret_problem(&st, v->secret_problem, sizeof(v->secret_problem));
	v->secret_usable = st.kind == SECRET_FILE && !problem;
	return 0;
}

bool mfa_requires_code(const struct dynbuf *eff)
{
	char methods[1024];
	sshd_effective_values(eff, "authenticationmethods", methods, sizeof(methods));
	return !strcmp(methods, MFA_METHODS) &&
	       harden_effective_is(eff, "kbdinteractiveauthentication", "yes");
}

/* sshd -T for name asks a code after the key exactly when want says: NULL, else why (in
 * buf). */
static const char *code_as_wanted(struct harden *h, const char *name, bool want, char *buf,
				  size_t len)
{
	struct dynbuf eff;
	struct diag d = {{0}};
	const char *why = NULL;
	char methods[256];
	dynbuf_init(&eff, 1024 * 1024);
	if (server_admin_sshd_effective(h->admin, name, &eff, &d) < 0) {
		snprintf(buf, len, "sshd -T for %s: %s", name, d.text);
		why = buf;
	} else if (mfa_requires_code(&eff) != want) {
		sshd_effective_values(&eff, "authenticationmethods", methods, sizeof(methods));
		if (want)
			snprintf(buf, len,
				 "the Match block did not take effect for %s: sshd -T shows "
				 "AuthenticationMethods %s (an earlier Match block wins?)",
				 name, methods);
		else
			snprintf(buf, len, "sshd -T still asks %s a code", name);
		why = buf;
	}
	dynbuf_free(&eff);
	return why;
}

/* After the write: sshd -T shows the rollout's accounts the key-then-code methods, and the
 * login user, when outside the rollout, unchanged and without a password. */
static const char *check_enabled(struct harden *h, char *buf, size_t len)
{
	struct mfa *m = h->op;
	const char *why = NULL;
	for (size_t i = 0; !why && i < m->n; i++)
		why = code_as_wanted(h, m->accounts[i].name, true, buf, len);
	const struct account_check *login = &h->accounts[0];
	if (!why && !m->login_in_rollout && !m->req->all && mfa_requires_code(&login->effective)) {
		snprintf(buf, len, "sshd -T asks %s, outside the rollout, for a code too",
			 login->user);
		why = buf;
	}
	if (!why && login->password_expected) {
		snprintf(buf, len, "sshd -T offers %s a password", login->user);
		why = buf;
	}
	return why;
}

struct code_answer {
	const unsigned char *secret;
	long skew;
	bool asked_other; /* a prompt that is not a code's */
	char prompt[128];
};

/* The module's "Verification code: ": the code for now (by the server's clock); any other
 * prompt (a password's) gets nothing. */
static int answer_code(const struct kbdint_prompt *p, char *buf, size_t len, void *data)
{
	struct code_answer *c = data;
	if (!strcasestr(p->text, "code")) {
		c->asked_other = true;
		snprintf(c->prompt, sizeof(c->prompt), "%s", p->text);
		return -EPERM;
	}
	uint32_t code;
	int r = totp_code(TOTP_SHA1, c->secret, MFA_SECRET_BYTES, (long long)time(NULL) + c->skew,
			  30, 6, &code);
	if (r == 0)
		snprintf(buf, len, "%06u", (unsigned)code);
	return r;
}

/* One account of the rollout, from a new connection: no password first; the key alone is a
 * partial success that asks keyboard-interactive; with a secret of this run, the code
 * computed here completes the login. */
static int prove_account(struct harden *h, struct mfa *m, struct mfa_account *a, struct diag *d)
{
	struct target as = *h->t;
	struct remote_session *s = NULL;
	unsigned methods = 0;
	bool login = !strcmp(a->name, h->login_user);
	as.user = a->name;
	int r = remote_connect(&as, h->req->connect, &s, d);
	if (r == 0) {
		remote_set_host_deadline(s, &h->deadline);
		r = remote_auth_methods(s, &methods, d);
	}
	if (r == 0 && (methods & (AUTH_METHOD_PASSWORD | AUTH_METHOD_KBDINT))) {
		diag_set(d, "sshd offers %s %s before any key", a->name,
			 methods & AUTH_METHOD_PASSWORD ? "a password" : "keyboard-interactive");
		r = ERR_REMOTE;
	}
	if (r == 0 && !(methods & AUTH_METHOD_PUBLICKEY)) {
		diag_set(d, "sshd does not offer %s public keys", a->name);
		r = ERR_REMOTE;
	}
	if (r == 0)
		r = h->used_priv ? remote_auth_key(s, h->used_priv, d)
				 : remote_auth_agent_key(s, h->used, d);
	if (r == 0) {
		diag_set(d, "the key alone logs in as %s: the change did not take effect", a->name);
		r = ERR_REMOTE;
	} else if (r == ERR_AUTH_DENIED && !login) {
		/* not our key's account: its methods are the proof */
		a->key_refused = true;
		r = 0;
		goto out;
	} else if (r == ERR_AUTH_PARTIAL) {
		r = 0;
		if (!(remote_auth_methods_named(s) & AUTH_METHOD_KBDINT)) {
			diag_set(d, "after the key sshd does not ask %s keyboard-interactive",
				 a->name);
			r = ERR_REMOTE;
		}
	}
	if (r == 0 && a->secret_here) {
		struct code_answer c = {.secret = a->shown.secret, .skew = m->skew};
		r = remote_auth_kbdint(s, answer_code, &c, d);
		if (c.asked_other) {
			diag_set(d,
				 "after the key sshd asks %s \"%s\", not a code: the PAM stack "
				 "still asks the password",
				 a->name, c.prompt);
			r = ERR_REMOTE;
		} else if (r == ERR_AUTH_DENIED)
			diag_set(d, "the code computed here was refused for %s", a->name);
		if (r == 0)
			a->proven = true;
	} else if (r == 0 && a->kept) {
		/* its secret is not ours to answer with: the question read, not answered */
		enum kbdint_first first = KBDINT_FAILS;
		char prompt[128] = "";
		r = remote_auth_kbdint_first(s, &first, prompt, sizeof(prompt), d);
		if (r == 0 && (first != KBDINT_ASKS || !strcasestr(prompt, "code"))) {
			diag_set(d, "after the key sshd asks %s %s%s%s, not a code", a->name,
				 prompt[0] ? "\"" : "", prompt[0] ? prompt : "nothing",
				 prompt[0] ? "\"" : "");
			r = ERR_REMOTE;
		}
		a->proven = r == 0;
	}
out:
	remote_session_free(s);
	return r;
}

/* The new state, from new connections (tried again while a reload settles): the login user
 * outside the rollout logs in with the key alone as before; each account of the rollout as
 * prove_account says. An account proven once is not tried again: its code is spent. */
static int prove_enabled(struct harden *h, struct diag *d)
{
	struct mfa *m = h->op;
	int r = 0;
	for (int attempt = 0; attempt < PROOF_ATTEMPTS; attempt++) {
		if (attempt)
			harden_sleep_ms(PROOF_PAUSE_MS);
		r = 0;
		if (!m->login_in_rollout) {
			unsigned methods = 0;
			r = login_prove(h->t, NULL, h->req->connect, &h->deadline, h->used,
					h->used_priv, &methods, d);
			if (r == ERR_AUTH_PARTIAL)
				diag_set(d, "%s, outside the rollout, is asked a second factor",
					 h->login_user);
			else if (r == 0 &&
				 (methods & (AUTH_METHOD_PASSWORD | AUTH_METHOD_KBDINT))) {
				diag_set(d, "sshd offers %s a password", h->login_user);
				r = ERR_REMOTE;
			}
		}
		for (size_t i = 0; r == 0 && i < m->n; i++)
			if (!m->accounts[i].proven)
				r = prove_account(h, m, &m->accounts[i], d);
		if (r == 0 || r == ERR_HOST_KEY_CHANGED || r == ERR_HOST_KEY_UNKNOWN ||
		    r == ERR_HOST_KEY_REVOKED)
			break;
	}
	if (r < 0)
		return r;
	if (!m->login_in_rollout)
		dynbuf_printf(&h->res->proof,
			      "%s: outside the rollout, the key alone logs in as before; no "
			      "password offered\n",
			      h->login_user);
	for (size_t i = 0; i < m->n; i++) {
		const struct mfa_account *a = &m->accounts[i];
		if (a->proven && a->secret_here)
			dynbuf_printf(&h->res->proof,
				      "%s: the key alone is not enough (sshd asks keyboard-"
				      "interactive); the key and a code computed here log in; no "
				      "password offered\n",
				      a->name);
		else if (a->key_refused)
			dynbuf_printf(&h->res->proof,
				      "%s: no password offered; not logged in (the key is not "
				      "%s's): sshd -T asks it " MFA_METHODS "\n",
				      a->name, a->name);
		else
			dynbuf_printf(
				&h->res->proof,
				"%s: the key alone is not enough: sshd then asks a code (not "
				"answered: its secret was there before); no password offered\n",
				a->name);
	}
	return 0;
}

/* Match directives that turn a password back on, other than ours: with the PAM stack
 * asking a code, such a login would break; refused. */
static int password_elsewhere(struct harden *h, const struct sshd_config *cfg, char *buf,
			      size_t len)
{
	static const char *const keywords[] = {"passwordauthentication",
					       "kbdinteractiveauthentication"};
	for (size_t k = 0; k < 2; k++) {
		size_t *idx = NULL, n = 0;
		if (sshd_config_match_overrides(cfg, keywords[k], &idx, &n) < 0)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			const struct sshd_directive *dv = &cfg->directives[idx[i]];
			const struct sshd_directive *mt = &cfg->directives[dv->match];
			const struct sshd_config_file *f = &cfg->files[mt->file];
			if (mfa_block_match(cfg, mt) || strncasecmp(dv->args, "yes", 3) != 0)
				continue;
			snprintf(buf, len, "\"Match %s\" (%s:%lu) turns %s on", mt->args, f->path,
				 dv->line, dv->keyword);
			free(idx);
			return 1;
		}
		free(idx);
	}
	(void)h;
	return 0;
}

/* What must hold before anything is written. */
static int preconditions(struct harden *h, struct mfa *m, const struct sshd_config *cfg)
{
	struct diag d = {{0}};
	char module[512], why[1024];
	int r = server_admin_pam_module(h->admin, module, sizeof(module), &d);
	if (r == -ENOENT) {
		harden_set_outcome(
			h, HARDEN_REFUSED, r,
			"the PAM module pam_google_authenticator is not installed on the "
			"server: apt-get install libpam-google-authenticator (Debian, "
			"Ubuntu) or dnf install google-authenticator (RHEL, from EPEL); "
			"nothing changed");
		return r;
	}
	if (r < 0) {
		harden_set_outcome(h, HARDEN_FAILED, r, "%s", d.text);
		return r;
	}
	const struct dynbuf *eff = &h->accounts[0].effective;
	char usepam[32];
	sshd_effective_values(eff, "usepam", usepam, sizeof(usepam));
	if (strcmp(usepam, "yes") != 0) {
		harden_set_outcome(h, HARDEN_REFUSED, -ENOTSUP,
				   "%s: sshd would not ask PAM for the code (nothing changed)",
				   usepam[0] ? "UsePAM is no"
					     : "this sshd was built without PAM (sshd -T shows no "
					       "UsePAM)");
		return -ENOTSUP;
	}
	if (harden_password_possible(eff) ||
	    (r = password_elsewhere(h, cfg, why, sizeof(why))) != 0) {
		if (r < 0)
			return r;
		harden_set_outcome(
			h, HARDEN_REFUSED, -EPERM,
			"password login is still on (%s): the PAM stack will ask a code, not the "
			"password, so such logins would break; run sshkeyctl harden first "
			"(nothing changed)",
			r ? why : "for the login user");
		return -EPERM;
	}
	return check_clock(h, m, true);
}

/* The server's name, for the secrets' labels ("ACCOUNT@HOSTNAME", as the module's tool). */
static void server_hostname(struct harden *h, struct mfa *m)
{
	struct dynbuf eff;
	struct diag d;
	dynbuf_init(&eff, 64 * 1024);
	snprintf(m->hostname, sizeof(m->hostname), "%s", h->t->host);
	if (server_admin_read(h->admin, "/etc/hostname", &eff, &d) == 0 && eff.len) {
		size_t n = strcspn((const char *)eff.data, "\n");
		if (n && n < eff.len && n < sizeof(m->hostname))
			snprintf(m->hostname, sizeof(m->hostname), "%.*s", (int)n,
				 (const char *)eff.data);
	}
	for (char *c = m->hostname; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr(".-_", *c))
			*c = '_';
	dynbuf_free(&eff);
}

/* The changed files: sshd's PAM stack and the Match block. */
struct mfa_plan {
	struct dynbuf pam_old, pam_new;
	struct sshd_config_plan block;
	struct file_change changes[1 + 8];
	size_t n;
};

static void plan_clear(struct mfa_plan *p)
{
	dynbuf_free(&p->pam_old);
	dynbuf_free(&p->pam_new);
	sshd_config_plan_clear(&p->block);
}

static int plan_files(struct harden *h, struct mfa *m, const struct sshd_config *cfg, bool enable,
		      struct mfa_plan *p)
{
	struct diag d = {{0}};
	struct dynbuf block;
	unsigned long line = 0;
	dynbuf_init(&block, 64 * 1024);
	int r = server_admin_read(h->admin, PAM_SSHD, &p->pam_old, &d);
	if (r == -ENOENT)
		diag_set(&d, "%s is missing: sshd's PAM stack is not where sshkeyctl looks",
			 PAM_SSHD);
	bool changed = false;
	/* disable --users: some accounts keep the block, and the PAM stack with it */
	int some_left = !enable && m->req->n_users ? block_without(m, cfg, &block, &d) : 0;
	if (some_left == -EEXIST)
		r = ERR_CHANGED_UNDER_US; /* refused */
	else if (some_left < 0)
		r = some_left;
	if (r == 0 && some_left)
		r = dynbuf_append(&p->pam_new, p->pam_old.data, p->pam_old.len);
	else if (r == 0)
		r = enable ? pam_config_totp_edit((const char *)p->pam_old.data, p->pam_old.len,
						  PAM_SSHD, m->req->enforce, &p->pam_new, &d)
			   : pam_config_totp_unedit((const char *)p->pam_old.data, p->pam_old.len,
						    &p->pam_new, &changed);
	if (r == 0 && enable) {
		struct pam_auth_view v;
		if ((r = pam_view(h->admin, &p->pam_new, &v, &d)) == 0 &&
		    (v.asks_password || !v.asks_totp)) {
			diag_set(
				&d,
				"after the edit sshd's PAM stack would still ask the password (%s)",
				v.password_at);
			r = ERR_FORMAT;
		}
	}
	if (r == 0 && enable && h->req->fault && !strcmp(h->req->fault, "wrong-pam-line")) {
		char *at =
			memmem(p->pam_new.data, p->pam_new.len, "pam_google_authenticator.so", 27);
		if (at)
			memcpy(at, "pam_google_authenticatr.so ", 27);
	}
	if (r == 0 && (p->pam_new.len != p->pam_old.len ||
		       memcmp(p->pam_new.data, p->pam_old.data, p->pam_old.len)))
		p->changes[p->n++] = (struct file_change){PAM_SSHD, &p->pam_old, &p->pam_new};
	if (r == 0 && enable && (r = block_text(m, cfg, &block, &d)) == -EEXIST)
		r = ERR_CHANGED_UNDER_US; /* refused, as a block not ours alone */
	if (r == 0) {
		r = sshd_config_plan_block(cfg, MFA_DROPIN, MFA_HEADER,
					   enable || some_left ? (const char *)block.data : NULL,
					   block_keywords, 2, &p->block, &line);
		if (r == ERR_CHANGED_UNDER_US)
			diag_set(&d,
				 "%s:%lu: sshkeyctl's mfa block holds lines of someone else; edit "
				 "it by hand",
				 cfg->files[0].path, line);
	}
	for (size_t i = 0; r == 0 && i < p->block.n_edits && p->n < 9; i++) {
		const struct sshd_file_edit *e = &p->block.edits[i];
		const struct dynbuf *old = NULL;
		for (size_t f = 0; f < cfg->n_files && !e->create; f++)
			if (!strcmp(cfg->files[f].path, e->path))
				old = &cfg->files[f].content;
		bool same = old && !e->remove && old->len == e->content.len &&
			    !memcmp(old->data, e->content.data, old->len);
		if (!same)
			p->changes[p->n++] =
				(struct file_change){e->path, old, e->remove ? NULL : &e->content};
	}
	dynbuf_free(&block);
	if (r < 0)
		harden_set_outcome(h,
				   r == ERR_FORMAT || r == ERR_CHANGED_UNDER_US ? HARDEN_REFUSED
										: HARDEN_FAILED,
				   r, "%s (nothing changed)",
				   d.text[0] ? d.text : error_to_string(r));
	return r;
}

/* --dry-run: the plan and a diff per file. */
static void show_plan(struct harden *h, const struct mfa_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct file_change *c = &p->changes[i];
		dynbuf_printf(&h->res->plan, "%s %s\n",
			      !c->content   ? "remove"
			      : c->expected ? "edit"
					    : "create",
			      c->path);
		line_diff_unified(c->expected ? (const char *)c->expected->data : "",
				  c->expected ? c->expected->len : 0,
				  c->content ? (const char *)c->content->data : "",
				  c->content ? c->content->len : 0,
				  c->expected ? c->path : "/dev/null",
				  c->content ? c->path : "/dev/null", &h->res->diff);
	}
}

static void keep_secrets(struct harden *h, struct mfa *m)
{
	size_t n = 0;
	for (size_t i = 0; i < m->n; i++)
		n += m->accounts[i].secret_here;
	h->res->secrets = n ? calloc(n, sizeof(*h->res->secrets)) : NULL;
	for (size_t i = 0; h->res->secrets && i < m->n; i++)
		if (m->accounts[i].secret_here)
			h->res->secrets[h->res->n_secrets++] = m->accounts[i].shown;
}

static void mfa_enable(struct harden *h, struct mfa *m)
{
	struct sshd_config *cfg = NULL;
	struct mfa_plan p = {0};
	struct diag d = {{0}};
	dynbuf_init(&p.pam_old, PAM_CONFIG_FILE_MAX);
	dynbuf_init(&p.pam_new, PAM_CONFIG_FILE_MAX + 4096);
	int r;
	if (harden_open_server(h, &cfg) < 0)
		goto out;
	if (preconditions(h, m, cfg) < 0 || gather_accounts(h, m) < 0 ||
	    plan_files(h, m, cfg, true, &p) < 0)
		goto out;
	if (h->req->dry_run) {
		for (size_t i = 0; i < m->n; i++)
			dynbuf_printf(&h->res->plan, "a secret for %s (unless it has one)\n",
				      m->accounts[i].name);
		show_plan(h, &p);
		harden_set_outcome(h, HARDEN_WOULD, 0, NULL);
		goto out;
	}
	server_hostname(h, m);
	if (check_secrets(h, m) < 0)
		goto out;
	if (m->login_in_rollout)
		dynbuf_printf(&h->res->warnings,
			      "%s, this login, is in the rollout: sshkeyctl's later work on this "
			      "host as %s stops at the code, mfa disable included (log in as an "
			      "account outside it; or by hand: remove the Match block of "
			      "sshkeyctl mfa and put back the \"# sshkeyctl: \" line of %s)\n",
			      h->login_user, h->login_user, PAM_SSHD);
	if (m->req->all && m->req->enforce)
		dynbuf_printf(&h->res->warnings,
			      "--all --enforce: every account without a ~/.google_authenticator "
			      "can no longer log in over SSH\n");
	h->prove_change = prove_enabled;
	if (p.n == 0) {
		/* the configuration is in place: new secrets (if any), the accounts proven */
		if ((r = create_secrets(h, &d)) == 0)
			r = prove_enabled(h, &d);
		if (r < 0) {
			remove_secrets(h, m);
			harden_set_outcome(h, HARDEN_FAILED, r, "mfa is set up, but %s", d.text);
			goto out;
		}
		keep_secrets(h, m);
		harden_set_outcome(h, HARDEN_ALREADY, 0, NULL);
		goto out;
	}
	h->before_write = create_secrets;
	harden_transaction(h, "mfa", p.changes, p.n, check_enabled, HARDEN_DONE);
	if (h->res->outcome == HARDEN_DONE)
		keep_secrets(h, m);
	else if (h->res->outcome == HARDEN_ROLLED_BACK)
		secrets_restored(h, m);
	else if (h->deadman_armed)
		dynbuf_printf(&h->res->warnings,
			      "the new secrets go with the rest when the backup is restored\n");
out:
	plan_clear(&p);
	sshd_config_free(cfg);
}

/* After the write of disable --users: sshd -T asks none of those accounts a code. */
static const char *check_disabled(struct harden *h, char *buf, size_t len)
{
	struct mfa *m = h->op;
	const char *why = NULL;
	for (size_t i = 0; !why && i < m->req->n_users; i++)
		why = code_as_wanted(h, m->req->users[i], false, buf, len);
	return why;
}

/* disable: the login account's key logs in (harden's proof), and each account named is
 * no longer asked a code after its key (logged in where the key is its). */
static int prove_disabled(struct harden *h, struct diag *d)
{
	struct mfa *m = h->op;
	int r = harden_prove(h, d);
	for (size_t i = 0; r == 0 && i < m->req->n_users; i++) {
		const char *name = m->req->users[i];
		for (int attempt = 0; attempt < PROOF_ATTEMPTS; attempt++) {
			if (attempt)
				harden_sleep_ms(PROOF_PAUSE_MS);
			r = login_prove(h->t, name, h->req->connect, &h->deadline, h->used,
					h->used_priv, NULL, d);
			if (r != ERR_AUTH_PARTIAL)
				break;
		}
		if (r == ERR_AUTH_PARTIAL)
			diag_set(d, "%s is still asked a code after the key", name);
		else if (r == 0 || r == ERR_AUTH_DENIED)
			dynbuf_printf(&h->res->proof, "%s: %s\n", name,
				      r == 0 ? "the key alone logs in again"
					     : "sshd -T asks it no code (the key is not its: not "
					       "logged in)");
		if (r == ERR_AUTH_DENIED)
			r = 0;
	}
	if (r == 0)
		harden_note_proof(h);
	return r;
}

static void mfa_disable(struct harden *h, struct mfa *m)
{
	struct sshd_config *cfg = NULL;
	struct mfa_plan p = {0};
	dynbuf_init(&p.pam_old, PAM_CONFIG_FILE_MAX);
	dynbuf_init(&p.pam_new, PAM_CONFIG_FILE_MAX + 4096);
	if (harden_open_server(h, &cfg) < 0 || plan_files(h, m, cfg, false, &p) < 0)
		goto out;
	if (p.n == 0) {
		harden_prove_unchanged(h, "mfa is not set up here");
		goto out;
	}
	if (h->req->dry_run) {
		show_plan(h, &p);
		harden_set_outcome(h, HARDEN_WOULD, 0, NULL);
		goto out;
	}
	h->prove_change = prove_disabled;
	harden_transaction(h, "mfa-off", p.changes, p.n, check_disabled, HARDEN_UNDONE);
	if (h->res->outcome == HARDEN_UNDONE)
		dynbuf_printf(&h->res->warnings,
			      "the accounts' ~/.google_authenticator files are kept (no longer "
			      "asked for)\n");
out:
	plan_clear(&p);
	sshd_config_free(cfg);
}

/* What sshd requires of the login user and each named account, read-only. */
static void mfa_status(struct harden *h, struct mfa *m)
{
	struct sshd_config *cfg = NULL;
	struct dynbuf eff;
	struct diag d = {{0}};
	dynbuf_init(&eff, 1024 * 1024);
	if (harden_open_server(h, &cfg) < 0)
		goto out;
	int r;
	if (check_clock(h, m, false) < 0 || (r = add_account(m, h->login_user)) < 0 ||
	    gather_accounts(h, m) < 0)
		goto out;
	/* sshd's PAM stack read once for all the accounts (the clock: check_clock's) */
	struct mfa_view v = {.skew = m->skew};
	if ((r = mfa_view_server(h->admin, false, &v, &d)) < 0) {
		harden_set_outcome(h, HARDEN_FAILED, r, "%s", d.text);
		goto out;
	}
	for (size_t i = 0; i < m->n; i++) {
		const char *name = m->accounts[i].name;
		if ((r = server_admin_sshd_effective(h->admin, name, &eff, &d)) < 0 ||
		    (r = mfa_view_account(h->admin, name, &eff, &v, &d)) < 0) {
			harden_set_outcome(h, HARDEN_FAILED, r, "%s", d.text);
			goto out;
		}
		if (i == 0)
			dynbuf_printf(&h->res->plan, "PAM (%s): %s%s%s%s\n", PAM_SSHD,
				      !v.pam_read       ? "not read"
				      : v.pam.asks_totp ? "asks a TOTP code"
							: "asks no TOTP code",
				      v.pam.asks_totp && v.pam.totp_nullok
					      ? " (nullok: an account without a secret passes with "
						"its key)"
					      : "",
				      v.pam.asks_password ? "; asks the password too, at " : "",
				      v.pam.asks_password ? v.pam.password_at : "");
		char secret[200];
		if (v.secret_usable)
			snprintf(secret, sizeof(secret), "a secret (mode %04o)", v.secret.mode);
		else if (v.secret.kind == SECRET_NONE)
			snprintf(secret, sizeof(secret), "no secret");
		else if (v.secret.kind == SECRET_NO_HOME)
			snprintf(secret, sizeof(secret), "no home directory");
		else
			snprintf(secret, sizeof(secret), "~/.google_authenticator is %s (refused)",
				 v.secret_problem);
		const char *what =
			!v.requires_code ? "the key alone (no second factor)"
			: !v.pam.asks_totp || v.pam.asks_password
				? "a key, then keyboard-interactive (the PAM stack does "
				  "not ask a code alone)"
			: v.secret_usable ? "a key and a code"
			: v.pam.totp_nullok
				? "a key and a code, but with no usable secret the key "
				  "alone lets it in (until --enforce)"
				: "a key and a code, and it has no usable secret: it cannot "
				  "log in";
		dynbuf_printf(&h->res->plan, "%s: %s; %s\n", name, what, secret);
	}
	harden_set_outcome(h, HARDEN_ALREADY, 0, NULL);
out:
	dynbuf_free(&eff);
	sshd_config_free(cfg);
}

bool mfa_set_up(struct harden *h)
{
	struct dynbuf pam, plain;
	struct diag d;
	bool changed = false;
	dynbuf_init(&pam, PAM_CONFIG_FILE_MAX);
	dynbuf_init(&plain, PAM_CONFIG_FILE_MAX);
	if (server_admin_read(h->admin, PAM_SSHD, &pam, &d) == 0 &&
	    pam_config_totp_unedit(pam.len ? (const char *)pam.data : "", pam.len, &plain,
				   &changed) < 0)
		changed = false;
	dynbuf_free(&pam);
	dynbuf_free(&plain);
	return changed;
}

void mfa_host_work(struct harden *h)
{
	struct mfa m = {.req = h->req->mfa};
	h->op = &m;
	switch (m.req->action) {
	case MFA_ENABLE:
		mfa_enable(h, &m);
		break;
	case MFA_DISABLE:
		mfa_disable(h, &m);
		break;
	case MFA_STATUS:
		mfa_status(h, &m);
		break;
	}
	h->op = NULL;
	h->prove_change = NULL;
	h->before_write = NULL;
	mfa_free(&m);
}
