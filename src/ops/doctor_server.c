/* doctor, logged in on the server (read-only): the account's authorized_keys as sshd reads
 * it, and with root (or sudo) sshd's effective configuration for us, the account, and
 * sshd's own log lines. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/error.h"
#include "base/number.h"
#include "files/authorized_keys.h"
#include "files/authorized_keys_edit.h"
#include "files/sshd_config.h"
#include "keys/key_type.h"
#include "ops/account_keys.h"
#include "ops/doctor_checks.h"
#include "ops/mfa.h"
#include "ops/perms.h"
#include "remote/openssh_client.h"
#include "remote/server_admin.h"
#include "remote/server_kind.h"
#include "remote/sftp_client.h"

/* An address against one from= pattern: wildcards, or CIDR (addr/bits). */
static bool address_matches(const char *addr, const char *pattern)
{
	const char *slash = strchr(pattern, '/');
	if (!slash)
		return fnmatch(pattern, addr, 0) == 0;
	char net[64];
	snprintf(net, sizeof(net), "%.*s", (int)(slash - pattern), pattern);
	long bits;
	unsigned char a[16], n[16];
	int family = strchr(net, ':') ? AF_INET6 : AF_INET;
	int size = family == AF_INET6 ? 16 : 4;
	if (number_parse(slash + 1, 0, size * 8, &bits) < 0 || inet_pton(family, addr, a) != 1 ||
	    inet_pton(family, net, n) != 1)
		return false;
	for (int i = 0; i < size; i++) {
		int take = bits >= 8 ? 8 : bits > 0 ? bits : 0;
		unsigned char mask = (unsigned char)(take ? 0xff << (8 - take) : 0);
		if ((a[i] & mask) != (n[i] & mask))
			return false;
		bits -= take;
	}
	return true;
}

/* sshd's from="pattern-list" (by address: host names need UseDNS, off by default): a
 * negated match denies, else one match allows. */
static bool from_allows(const char *list, const char *addr)
{
	bool allowed = false;
	char copy[1024];
	snprintf(copy, sizeof(copy), "%s", list);
	char *save = NULL;
	for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		bool negated = *p == '!';
		if (address_matches(addr, p + negated)) {
			if (negated)
				return false;
			allowed = true;
		}
	}
	return allowed;
}

/* The value of option name="..." in an options string (unquoted, \" kept simple). */
static bool option_value(const char *opts, size_t len, const char *name, char *buf, size_t blen)
{
	size_t n = strlen(name);
	for (size_t i = 0; i + n + 2 <= len; i++) {
		if ((i == 0 || opts[i - 1] == ',') && strncasecmp(opts + i, name, n) == 0 &&
		    opts[i + n] == '=' && opts[i + n + 1] == '"') {
			const char *v = opts + i + n + 2;
			const char *end = memchr(v, '"', len - (size_t)(v - opts));
			if (!end)
				return false;
			snprintf(buf, blen, "%.*s", (int)(end - v), v);
			return true;
		}
	}
	return false;
}

/* expiry-time="YYYYMMDD[HHMM[SS]][Z]": passed? (local time of this machine unless Z) */
static bool expiry_passed(const char *value)
{
	struct tm tm = {0};
	size_t n = strspn(value, "0123456789");
	bool utc = value[n] == 'Z';
	if (n != 8 && n != 12 && n != 14)
		return false;
	/* YYYYMMDD[HHMM[SS]]: fixed-width fields of digits (checked above) */
	int field[6] = {0};
	static const int at[6] = {0, 4, 6, 8, 10, 12}, width[6] = {4, 2, 2, 2, 2, 2};
	for (int f = 0; f < 6 && (size_t)(at[f] + width[f]) <= n; f++)
		for (int i = 0; i < width[f]; i++)
			field[f] = field[f] * 10 + (value[at[f] + i] - '0');
	tm.tm_year = field[0] - 1900;
	tm.tm_mon = field[1] - 1;
	tm.tm_mday = field[2];
	tm.tm_hour = field[3];
	tm.tm_min = field[4];
	tm.tm_sec = field[5];
	time_t t = utc ? timegm(&tm) : mktime(&tm);
	return t != (time_t)-1 && t < time(NULL);
}

/* The key's line, or what became of it: missing, split in two, after a byte-order mark. */
static void check_file_content(struct doctor *dr, const struct authorized_keys_state *st,
			       const char *addr)
{
	const struct pubkey *ours = dr->req->key->pub;
	const char *text = st->content.len ? (const char *)st->content.data : "";
	struct authorized_keys *ak = NULL;
	struct doctor_check *c;
	if (authorized_keys_parse(text, st->content.len, &ak) < 0) {
		doctor_add(dr, "server: authorized_keys", DOCTOR_SKIP, "%s could not be parsed",
			   st->path);
		return;
	}
	const struct authorized_keys_entry *found = NULL;
	size_t keys = 0;
	bool crlf = false;
	for (size_t i = 0; i < ak->n_entries; i++) {
		const struct authorized_keys_entry *e = &ak->entries[i];
		crlf = crlf || e->crlf;
		if (e->kind == KEY_LINE_KEY) {
			keys++;
			if (!found && pubkey_equal(e->key, ours))
				found = e;
		}
	}
	if (crlf)
		doctor_add(dr, "server: line endings", DOCTOR_WARN,
			   "%s has CRLF (Windows) line endings; this sshd reads them, others may "
			   "not",
			   st->path);
	if (found) {
		char value[1024];
		const char *opts = found->raw + found->options.off;
		size_t olen = found->options.len;
		if (olen && option_value(opts, olen, "from", value, sizeof(value)) && addr[0] &&
		    !from_allows(value, addr)) {
			c = doctor_add(dr, "server: key options", DOCTOR_FAIL,
				       "%s:%lu: from=\"%s\", and we come from %s", st->path,
				       found->lineno, value, addr);
			doctor_set_cause(
				c, WEIGHT_SERVER + 30,
				"the key's line in %s allows it only from=\"%s\", and this "
				"connection comes from %s",
				st->path, value, addr);
			doctor_set_fix(c,
				       "add %s to from=\"...\" on line %lu (or remove the option)",
				       addr, found->lineno);
		} else if (olen && option_value(opts, olen, "expiry-time", value, sizeof(value)) &&
			   expiry_passed(value)) {
			c = doctor_add(dr, "server: key options", DOCTOR_FAIL,
				       "%s:%lu: expiry-time=\"%s\" has passed", st->path,
				       found->lineno, value);
			doctor_set_cause(c, WEIGHT_SERVER + 30,
					 "the key expired: its line in %s says expiry-time=\"%s\"",
					 st->path, value);
			doctor_set_fix(c, "a new expiry-time on line %lu, or a new key",
				       found->lineno);
		} else {
			doctor_add(dr, "server: authorized_keys", DOCTOR_PASS,
				   "%s:%lu lists the key%s", st->path, found->lineno,
				   olen ? " (with options)" : "");
		}
		authorized_keys_free(ak);
		return;
	}
	/* not there as a line of its own: pasted across two lines, or after a BOM? */
	for (size_t i = 0; i < ak->n_entries; i++) {
		const struct authorized_keys_entry *e = &ak->entries[i];
		struct authorized_keys_entry joined = {0};
		char buf[AUTHORIZED_KEYS_LINE_MAX];
		size_t len = 0;
		if (e->lineno == 1 && e->raw_len >= 3 && memcmp(e->raw, "\xef\xbb\xbf", 3) == 0) {
			len = e->raw_len - 3;
			memcpy(buf, e->raw + 3, len);
			if (authorized_keys_parse_line(buf, len, &joined) == 0 &&
			    joined.kind == KEY_LINE_KEY && pubkey_equal(joined.key, ours)) {
				c = doctor_add(
					dr, "server: authorized_keys", DOCTOR_FAIL,
					"%s starts with a UTF-8 byte-order mark (EF BB BF), so "
					"sshd cannot read line 1, which holds the key",
					st->path);
				doctor_set_cause(
					c, WEIGHT_SERVER + 30,
					"%s starts with a byte-order mark (an editor's), which "
					"breaks its first line, the key's",
					st->path);
				doctor_set_fix(c, "remove the first three bytes of %s (--fix does)",
					       st->path);
				dr->res->repair = DOCTOR_REPAIR_BOM;
				authorized_keys_entry_clear(&joined);
				authorized_keys_free(ak);
				return;
			}
			authorized_keys_entry_clear(&joined);
		}
		if (i + 1 < ak->n_entries && e->kind == KEY_LINE_INVALID &&
		    e->raw_len + ak->entries[i + 1].raw_len < sizeof(buf)) {
			const struct authorized_keys_entry *n = &ak->entries[i + 1];
			len = e->raw_len;
			while (len && (e->raw[len - 1] == '\r' || e->raw[len - 1] == ' '))
				len--;
			memcpy(buf, e->raw, len);
			size_t skip = 0;
			while (skip < n->raw_len && n->raw[skip] == ' ')
				skip++;
			memcpy(buf + len, n->raw + skip, n->raw_len - skip);
			len += n->raw_len - skip;
			if (authorized_keys_parse_line(buf, len, &joined) == 0 &&
			    joined.kind == KEY_LINE_KEY && pubkey_equal(joined.key, ours)) {
				c = doctor_add(dr, "server: authorized_keys", DOCTOR_FAIL,
					       "%s:%lu-%lu: the key, broken across two lines",
					       st->path, e->lineno, n->lineno);
				doctor_set_cause(
					c, WEIGHT_SERVER + 30,
					"the key's line in %s is broken in two (lines %lu and "
					"%lu), as a paste that wrapped",
					st->path, e->lineno, n->lineno);
				doctor_set_fix(c, "join lines %lu and %lu (--fix does)", e->lineno,
					       n->lineno);
				dr->res->repair = DOCTOR_REPAIR_JOIN;
				dr->res->repair_line = e->lineno;
				authorized_keys_entry_clear(&joined);
				authorized_keys_free(ak);
				return;
			}
			authorized_keys_entry_clear(&joined);
		}
	}
	c = doctor_add(dr, "server: authorized_keys", DOCTOR_FAIL,
		       "%s lists %zu key%s, not this one", st->path, keys, keys == 1 ? "" : "s");
	doctor_set_cause(c, WEIGHT_SERVER + 10,
			 "the key is not installed for %s: %s lists %zu other key%s, not this one",
			 dr->user, st->path, keys, keys == 1 ? "" : "s");
	char command[2048];
	doctor_command(dr, "copy", "", command, sizeof(command));
	doctor_set_fix(c, "%s (--fix does)", command);
	dr->res->fixable_key_file = true;
	authorized_keys_free(ak);
}

/* Can the account (uid, gid) read the file node, as sshd does with the account's rights? */
static bool readable_by(const struct remote_node *n, uid_t uid, gid_t gid)
{
	if (uid == 0)
		return true;
	if (n->uid == uid)
		return n->mode & 0400;
	if (n->gid == gid)
		return n->mode & 0040;
	return n->mode & 0004;
}

/* readable_by, with the account's supplementary groups asked of the waiting helper when
 * only the group bits could let it read (over SFTP, unknown: assumed readable, so no cause is
 * claimed that was not seen). */
static bool readable_by_account(struct authorized_keys_state *st, const struct remote_node *n)
{
	if (readable_by(n, st->uid, st->gid))
		return true;
	if (n->uid == st->uid || !(n->mode & 0040))
		return false;
	struct diag d;
	if (!st->conversation || authorized_keys_remote_groups(st, &n->gid, 1, &d) < 0)
		return true;
	for (size_t i = 0; i < st->n_groups; i++) {
		const struct group_members *g = &st->groups[i];
		if (g->gid != n->gid)
			continue;
		if (!g->known)
			return true;
		for (size_t j = 0; j < g->n_members; j++)
			if (g->members[j] == st->uid)
				return true;
	}
	return false;
}

/* sshd lets the account in with a password ("Could not chdir to home directory"), but finds
 * no authorized_keys: what is missing is the home itself. */
static void no_home(struct doctor *dr, const char *what)
{
	struct doctor_check *c = doctor_add(dr, "server: home directory", DOCTOR_FAIL, "%s", what);
	doctor_set_cause(c, WEIGHT_SERVER + 40, "sshd finds no authorized_keys for %s: %s",
			 dr->user, what);
	char command[2048];
	doctor_command(dr, "copy", "", command, sizeof(command));
	doctor_set_fix(c,
		       "on the server, as root: mkhomedir_helper %s (a home from /etc/skel), "
		       "then %s",
		       dr->user, command);
}

/* Does the file (read) list the key? */
static bool lists_key(const struct authorized_keys_state *st, const struct pubkey *key)
{
	struct authorized_key_to_add k = {.key = key};
	return st->exists && !st->unreadable &&
	       authorized_keys_find((const char *)st->content.data, st->content.len, &k, 1) == 0 &&
	       k.present;
}

static bool server_is_openssh(struct remote_session *s)
{
	struct server_kind kind;
	server_kind_of(s, &kind);
	return kind.software == SERVER_OPENSSH;
}

/* Is the account's home among the levels the read found absent? */
static bool home_absent(const struct authorized_keys_state *st)
{
	for (size_t i = 0; st->home && i < st->n_nodes; i++)
		if (!st->nodes[i].exists && strcmp(st->nodes[i].path, st->home) == 0)
			return true;
	return false;
}

/* The account's authorized_keys: read into *stp (the caller clears it), then checked. */
static void check_authorized_keys(struct doctor *dr, struct remote_session *s,
				  struct authorized_keys_state *stp)
{
	struct authorized_keys_state st = {0};
	struct remote_sftp *sftp = NULL;
	struct strict_modes_finding *findings = NULL;
	size_t n_findings = 0;
	struct diag d = {{0}};
	struct doctor_check *c;
	struct authorized_keys_state *others = NULL;
	size_t n_others = 0;
	char paths[2048] = "";
	struct account_ref acct = {0};
	/* --for-user: as root, directly or through sudo */
	int r = account_ref_open(s, dr->req->for_user, dr->req->password, &acct, &d);
	if (r == 0)
		r = account_keys_read(s, &acct, false, &sftp, &st, &d);
	if (r == ERR_NO_HOME) {
		no_home(dr, d.text);
		goto out;
	}
	if (r == ERR_KEYS_NOT_IN_FILES) {
		c = doctor_add(dr, "server: authorized_keys", DOCTOR_FAIL, "%s", d.text);
		doctor_set_cause(c, WEIGHT_SERVER + 10,
				 "%s; no file sshkeyctl could install the key into is read",
				 d.text);
		doctor_set_fix(c,
			       "add the key where that command finds keys (its source, "
			       "such as LDAP), or set an AuthorizedKeysFile for %s",
			       dr->user);
		goto out;
	}
	if (r == 0)
		r = account_keys_read_others(s, &acct, &st, &others, &n_others, &d);
	if (r < 0) {
		doctor_add(dr, "server: authorized_keys", DOCTOR_SKIP, "cannot read it: %s",
			   d.text);
		goto out;
	}
	if (st.lock[0]) {
		/* another run's lock beside the file: a write now would wait for it */
		char dir[1024];
		const char *slash = strrchr(st.path, '/');
		snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - st.path) : 1,
			 slash ? st.path : ".");
		struct doctor_check *lc = doctor_add(
			dr, "server: lock", DOCTOR_WARN,
			!strcmp(st.lock, "live")
				? "%s/.sshkeyctl.lock is held%s%s (a write is in progress: copy "
				  "and "
				  "perms wait for it)"
				: "%s/.sshkeyctl.lock was left%s%s more than a minute ago by a run "
				  "that did not finish (the next write breaks it, saying so)",
			dir, st.lock_owner[0] ? " by " : "", st.lock_owner);
		if (!strcmp(st.lock, "stale"))
			doctor_set_fix(lc,
				       "when no sshkeyctl runs there: rmdir %s/.sshkeyctl.lock "
				       "(and the owner file in it)",
				       dir);
	}
	if (st.keys_command[0])
		doctor_add(dr, "server: AuthorizedKeysCommand", DOCTOR_PASS,
			   "sshd also asks %s%s%s for keys (not run by doctor)", st.keys_command,
			   st.keys_command_user[0] ? " run as " : "", st.keys_command_user);
	/* several files (AuthorizedKeysFile .ssh/authorized_keys .ssh/authorized_keys2): the
	 * one that lists the key is the one to look at, else the first that exists */
	/* "neither A nor B exists", "none of A, B, C exists" */
	snprintf(paths, sizeof(paths), "%s%s", n_others == 1 ? "neither " : "none of ", st.path);
	for (size_t i = 0; i < n_others; i++) {
		size_t len = strlen(paths);
		snprintf(paths + len, sizeof(paths) - len, "%s%s", n_others == 1 ? " nor " : ", ",
			 others[i].path);
	}
	for (size_t i = 0, chosen = 0; i < n_others && !chosen; i++) {
		bool here = lists_key(&others[i], dr->req->key->pub);
		if (here ||
		    (!st.exists && others[i].exists && !lists_key(&st, dr->req->key->pub))) {
			struct authorized_keys_state swap = st;
			st = others[i];
			others[i] = swap;
			chosen = here;
		}
	}
	if (!st.exists && home_absent(&st)) {
		char what[512];
		snprintf(what, sizeof(what), "the home directory %s does not exist", st.home);
		no_home(dr, what);
		goto out;
	}
	if (!st.exists) {
		c = doctor_add(dr, "server: authorized_keys", DOCTOR_FAIL, "%s %s",
			       n_others ? paths : st.path, n_others ? "exists" : "does not exist");
		doctor_set_cause(c, WEIGHT_SERVER + 10, "the key is not installed for %s: %s %s",
				 dr->user, n_others ? paths : st.path,
				 n_others ? "exists" : "does not exist");
		char command[2048];
		doctor_command(dr, "copy", "", command, sizeof(command));
		doctor_set_fix(c, "%s (--fix does)", command);
		dr->res->fixable_key_file = true;
		goto out;
	}
	const struct remote_node *file = st.n_nodes ? &st.nodes[0] : NULL; /* the file first */
	if (file && file->exists && !readable_by_account(&st, file)) {
		char owner[64];
		remote_node_owner_text(file, owner, sizeof(owner));
		c = doctor_add(dr, "server: authorized_keys", DOCTOR_FAIL,
			       "%s is owned by %s, mode %04o: %s (uid %lu) cannot read it",
			       st.real_path ? st.real_path : st.path, owner,
			       (unsigned)(file->mode & 07777), dr->user, (unsigned long)st.uid);
		doctor_set_cause(c, WEIGHT_SERVER + 40,
				 "sshd reads %s as %s, who cannot read it (owner %s, mode %04o)",
				 st.path, dr->user, owner, (unsigned)(file->mode & 07777));
		doctor_set_fix(c, "chown %s %s (as root; --fix does when logged in as root)",
			       dr->user, st.path);
		dr->res->owner_fix = st.login_uid == 0;
		goto out;
	}
	if (account_keys_strict_modes(s, &st, false, &findings, &n_findings, &d) == 0 &&
	    n_findings) {
		struct dynbuf text;
		dynbuf_init(&text, 64 * 1024);
		bool fixable = false;
		perms_describe(&st, &findings[0], st.login_uid == 0, &text, &fixable);
		const char *t = text.len ? (const char *)text.data : "";
		c = doctor_add(dr, "server: StrictModes", DOCTOR_FAIL, "%.*s%s",
			       (int)strcspn(t, "\n"), t,
			       n_findings > 1 ? " (and more: sshkeyctl perms)" : "");
		doctor_set_cause(c, WEIGHT_SERVER + 40,
				 "sshd ignores %s because of the permissions on the way to it "
				 "(StrictModes): %s is %s by others than %s",
				 st.path, findings[0].node->path,
				 findings[0].bad_owner ? "owned" : "writable", dr->user);
		char command[2048];
		doctor_command(dr, "perms", "--fix", command, sizeof(command));
		doctor_set_fix(c, "%s (--fix does)", command);
		dr->res->fixable_key_file = true;
		dynbuf_free(&text);
	} else {
		doctor_add(dr, "server: StrictModes", DOCTOR_PASS, "the path to %s passes %s",
			   st.path,
			   server_is_openssh(s) ? "sshd's checks"
						: "the checks OpenSSH's StrictModes makes (this "
						  "server is not OpenSSH)");
	}
	check_file_content(dr, &st, st.client_addr);
out:
	account_keys_others_free(others, n_others);
	account_ref_clear(&acct);
	free(findings);
	remote_sftp_free(sftp);
	*stp = st;
}

/* Is word one of the blank-separated patterns (sshd's wildcards; "user@host" entries
 * match the host part against our address)? ret: the matching pattern. */
static bool pattern_listed(const char *patterns, const char *word, const char *addr, char *ret,
			   size_t ret_len)
{
	char copy[2048];
	snprintf(copy, sizeof(copy), "%s", patterns);
	char *save = NULL;
	for (char *p = strtok_r(copy, " ", &save); p; p = strtok_r(NULL, " ", &save)) {
		char *at = strchr(p, '@');
		if (at)
			*at = 0;
		if (fnmatch(p, word, 0) == 0 && (!at || address_matches(addr, at + 1))) {
			if (at)
				*at = '@';
			snprintf(ret, ret_len, "%s", p);
			return true;
		}
	}
	return false;
}

/* The same blank-separated words (case aside), as a directive's arguments and sshd -T's
 * value compare ("root  other" and "root other"). */
static bool same_words(const char *a, const char *b)
{
	for (;;) {
		a += strspn(a, " \t");
		b += strspn(b, " \t");
		size_t la = strcspn(a, " \t"), lb = strcspn(b, " \t");
		if (la != lb || strncasecmp(a, b, la) != 0)
			return false;
		if (la == 0)
			return true;
		a += la, b += lb;
	}
}

/* Where keyword gets the value sshd -T showed for the account ("FILE:LINE", or "" when
 * sshkeyctl cannot tell: sshd's default, or several Match blocks that could give it). A
 * line in a Match block with that value wins over the global one, as sshd applies it;
 * Match criteria themselves are not evaluated, so a second such block makes it unknown. */
static void setting_location(const struct sshd_config *cfg, const char *keyword, const char *value,
			     char *buf, size_t len)
{
	buf[0] = 0;
	if (!cfg)
		return;
	size_t *idx = NULL, n = 0, found = 0;
	const struct sshd_directive *at = NULL;
	if (sshd_config_match_overrides(cfg, keyword, &idx, &n) < 0)
		n = 0, found = 2; /* unknown */
	for (size_t i = 0; i < n; i++) {
		const struct sshd_directive *dv = &cfg->directives[idx[i]];
		if (same_words(dv->args, value))
			at = dv, found++;
	}
	free(idx);
	if (found > 1)
		return;
	if (!at) {
		/* the global line: with no Match block setting the keyword, it is the source
		 * whatever form sshd -T gives its value in ("+ssh-rsa" expanded) */
		const struct sshd_directive *g = sshd_config_global(cfg, keyword);
		if (g && (n == 0 || same_words(g->args, value)))
			at = g;
	}
	if (at)
		snprintf(buf, len, "%s:%lu", cfg->files[at->file].path, at->line);
}

/* " (set at FILE:LINE)" for a cause, "" when unknown */
static void set_at(const struct sshd_config *cfg, const char *keyword, const char *value, char *buf,
		   size_t len)
{
	char where[1200];
	setting_location(cfg, keyword, value, where, sizeof(where));
	snprintf(buf, len, "%s%s%s", where[0] ? " (set at " : "", where, where[0] ? ")" : "");
}

/* sshd -T says PubkeyAuthentication no for the account: where, and the fix there. */
static void check_pubkey_setting(struct doctor *dr, const struct dynbuf *eff,
				 const struct sshd_config *cfg)
{
	char value[64], where[1200];
	sshd_effective_values(eff, "pubkeyauthentication", value, sizeof(value));
	if (strcasecmp(value, "no") != 0)
		return;
	setting_location(cfg, "pubkeyauthentication", "no", where, sizeof(where));
	struct doctor_check *c =
		doctor_add(dr, "server: PubkeyAuthentication", DOCTOR_FAIL, "no for %s%s%s",
			   dr->user, where[0] ? ", at " : "", where);
	doctor_set_cause(c, WEIGHT_SERVER + 45,
			 "sshd has public key login off for %s: PubkeyAuthentication no%s%s%s",
			 dr->user, where[0] ? " (" : "", where, where[0] ? ")" : "");
	if (where[0])
		doctor_set_fix(c,
			       "on the server: PubkeyAuthentication yes at %s (where it is set), "
			       "then reload sshd",
			       where);
	else
		doctor_set_fix(c,
			       "on the server: find where PubkeyAuthentication no comes from "
			       "(sshd -T -C user=%s; a drop-in in sshd_config.d wins over "
			       "sshd_config), set it to yes there, then reload sshd",
			       dr->user);
}

/* AllowUsers, DenyUsers, AllowGroups, DenyGroups, as sshd's allowed_user() applies them. */
static void check_access_lists(struct doctor *dr, const struct dynbuf *eff, const char *groups,
			       const char *addr, const struct sshd_config *cfg)
{
	char at[1300] = "";
	char list[2048], hit[256];
	struct doctor_check *c = NULL;
	const char *deny = NULL; /* the Deny list that names it, or NULL: an Allow list */
	sshd_effective_values(eff, "denyusers", list, sizeof(list));
	if (list[0] && pattern_listed(list, dr->user, addr, hit, sizeof(hit))) {
		set_at(cfg, "denyusers", list, at, sizeof(at));
		c = doctor_add(dr, "server: access lists", DOCTOR_FAIL, "DenyUsers %s%s", list, at);
		doctor_set_cause(c, WEIGHT_SERVER + 45,
				 "sshd refuses %s: DenyUsers lists it (%s)%s", dr->user, hit, at);
		deny = "DenyUsers";
	}
	sshd_effective_values(eff, "allowusers", list, sizeof(list));
	if (!c && list[0] && !pattern_listed(list, dr->user, addr, hit, sizeof(hit))) {
		set_at(cfg, "allowusers", list, at, sizeof(at));
		c = doctor_add(dr, "server: access lists", DOCTOR_FAIL, "AllowUsers %s%s", list,
			       at);
		doctor_set_cause(c, WEIGHT_SERVER + 45,
				 "sshd refuses %s: it is not in AllowUsers (%s)%s", dr->user, list,
				 at);
	}
	char g[512];
	snprintf(g, sizeof(g), "%s", groups);
	sshd_effective_values(eff, "denygroups", list, sizeof(list));
	for (char *save = NULL, *grp = strtok_r(g, " ", &save); !c && grp && list[0];
	     grp = strtok_r(NULL, " ", &save))
		if (pattern_listed(list, grp, addr, hit, sizeof(hit))) {
			set_at(cfg, "denygroups", list, at, sizeof(at));
			c = doctor_add(dr, "server: access lists", DOCTOR_FAIL, "DenyGroups %s%s",
				       list, at);
			doctor_set_cause(c, WEIGHT_SERVER + 45,
					 "sshd refuses %s: its group %s is in DenyGroups%s",
					 dr->user, grp, at);
			deny = "DenyGroups";
		}
	sshd_effective_values(eff, "allowgroups", list, sizeof(list));
	if (!c && list[0]) {
		bool in = false;
		snprintf(g, sizeof(g), "%s", groups);
		for (char *save = NULL, *grp = strtok_r(g, " ", &save); grp && !in;
		     grp = strtok_r(NULL, " ", &save))
			in = pattern_listed(list, grp, addr, hit, sizeof(hit));
		if (!in) {
			set_at(cfg, "allowgroups", list, at, sizeof(at));
			c = doctor_add(dr, "server: access lists", DOCTOR_FAIL, "AllowGroups %s%s",
				       list, at);
			doctor_set_cause(c, WEIGHT_SERVER + 45,
					 "sshd refuses %s: none of its groups (%s) is in "
					 "AllowGroups (%s)%s",
					 dr->user, groups, list, at);
		}
	}
	if (c && deny)
		doctor_set_fix(c,
			       "on the server, if %s is to log in: remove the pattern %s from %s%s "
			       "(sshd -T -C user=%s shows what applies), then reload sshd",
			       dr->user, hit, deny, at[0] ? at : " in sshd_config", dr->user);
	else if (c)
		doctor_set_fix(c,
			       "on the server: add %s to the list%s (sshd -T -C user=%s shows "
			       "what applies), then reload sshd",
			       dr->user, at[0] ? at : " in sshd_config", dr->user);
	else
		doctor_add(dr, "server: access lists", DOCTOR_PASS,
			   "AllowUsers, DenyUsers, AllowGroups, DenyGroups let %s in", dr->user);
}

/* The account as sshd and PAM see it: expired, no shell, no home. */
static void check_account(struct doctor *dr, struct server_admin *a, const struct dynbuf *eff)
{
	struct dynbuf info;
	dynbuf_init(&info, 64 * 1024);
	struct diag d;
	char value[512], groups[512] = "";
	if (server_admin_account(a, dr->user, &info, &d) < 0 || dynbuf_append(&info, "", 1) < 0) {
		doctor_add(dr, "server: account", DOCTOR_SKIP, "cannot read the account %s",
			   dr->user);
		dynbuf_free(&info);
		return;
	}
	const char *text = (const char *)info.data;
	long expire = -1, today = -1;
	bool locked = false;
	struct doctor_check *c = NULL;
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		snprintf(value, sizeof(value), "%.*s", (int)strcspn(p, "\n"), p);
		if (strncmp(value, "expire ", 7) == 0 && value[7])
			number_parse(value + 7, -1, LONG_MAX, &expire);
		else if (strncmp(value, "day ", 4) == 0)
			number_parse(value + 4, 0, LONG_MAX, &today);
		else if (strncmp(value, "groups ", 7) == 0)
			snprintf(groups, sizeof(groups), "%s", value + 7);
		else if (strcmp(value, "password locked") == 0)
			locked = true;
		else if (strncmp(value, "shell missing ", 14) == 0 && !c) {
			c = doctor_add(dr, "server: account", DOCTOR_FAIL,
				       "the login shell %s is not executable", value + 14);
			doctor_set_cause(c, WEIGHT_SERVER + 45,
					 "sshd refuses %s: its login shell %s is not executable",
					 dr->user, value + 14);
		}
	}
	if (!c && expire >= 0 && today >= 0 && expire <= today) {
		time_t when = (time_t)expire * 86400;
		char date[32];
		strftime(date, sizeof(date), "%Y-%m-%d", gmtime(&when));
		c = doctor_add(dr, "server: account", DOCTOR_FAIL,
			       "the account expired on %s (shadow expire day %ld, today %ld)", date,
			       expire, today);
		doctor_set_cause(c, WEIGHT_SERVER + 45,
				 "the account %s expired on %s, so PAM refuses every login",
				 dr->user, date);
		doctor_set_fix(c, "on the server: chage -E -1 %s (or a new date)", dr->user);
	}
	/* sshd itself refuses a locked password ('!' in shadow) for every method, keys
	 * included, but only without PAM: with UsePAM, PAM's account stack decides */
	char use_pam[16];
	sshd_effective_values(eff, "usepam", use_pam, sizeof(use_pam));
	if (!c && locked && strcmp(use_pam, "no") == 0) {
		c = doctor_add(dr, "server: account", DOCTOR_FAIL,
			       "%s's password is locked (\"!\" in /etc/shadow) and sshd runs with "
			       "UsePAM no",
			       dr->user);
		doctor_set_cause(c, WEIGHT_SERVER + 45,
				 "sshd refuses %s: the account is locked (passwd -l) and, without "
				 "PAM, sshd refuses locked accounts even for keys",
				 dr->user);
		doctor_set_fix(c,
			       "on the server: usermod -p '*' %s (no password, not locked), or "
			       "passwd -u %s if the old password should work again",
			       dr->user, dr->user);
	}
	if (!c)
		doctor_add(dr, "server: account", DOCTOR_PASS,
			   "%s: not expired, shell executable%s", dr->user,
			   locked ? ", password locked (keys still work: UsePAM yes)" : "");
	dr->groups[0] = 0;
	snprintf(dr->groups, sizeof(dr->groups), "%s", groups);
	dynbuf_free(&info);
}

/* Does file (read as root) list our key? */
static bool file_lists_key(struct server_admin *a, const char *path, const struct pubkey *key)
{
	struct dynbuf content;
	dynbuf_init(&content, AUTHORIZED_KEYS_STATE_MAX);
	struct diag d;
	struct authorized_keys *ak = NULL;
	bool found = false;
	if (server_admin_read(a, path, &content, &d) == 0 &&
	    authorized_keys_parse(content.len ? (const char *)content.data : "", content.len,
				  &ak) == 0) {
		for (size_t i = 0; i < ak->n_entries && !found; i++)
			found = ak->entries[i].kind == KEY_LINE_KEY &&
				pubkey_equal(ak->entries[i].key, key);
		authorized_keys_free(ak);
	}
	dynbuf_free(&content);
	return found;
}

/* The pid of sshd's syslog prefix ("sshd[PID]: ", "sshd-session[PID]: ", "sshd-auth[PID]: "),
 * 0 when the line has none (sshd -E writes bare messages); -1: another program's line. */
static long sshd_line_pid(const char *line)
{
	static const char *const names[] = {"sshd[", "sshd-session[", "sshd-auth["};
	const char *colon = strstr(line, ": ");
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		const char *at = strstr(line, names[i]);
		if (at && (!colon || at < colon) && (at == line || at[-1] == ' '))
			return strtol(at + strlen(names[i]), NULL, 10);
	}
	const char *bracket = strchr(line, '[');
	return bracket && colon && bracket < colon ? -1 : 0;
}

/* Does the line name one of doctor's connections (" port P" with P one of ours)? */
static bool names_our_port(const struct doctor *dr, const char *line)
{
	for (const char *p = strstr(line, " port "); p; p = strstr(p + 6, " port ")) {
		unsigned long port = strtoul(p + 6, NULL, 10);
		for (size_t i = 0; i < dr->n_ports; i++)
			if (port == dr->ports[i])
				return true;
	}
	return false;
}

/* Lines of our own sessions that explain nothing (a connection opening or closing) */
static bool log_noise(const char *line)
{
	static const char *const noise[] = {"Connection from ",  "Connection closed by",
					    "Disconnected from", "Received disconnect",
					    "session opened",    "session closed",
					    "Postponed ",        "Close session",
					    "Starting session",  "User child is on pid",
					    "Transferred:",      "Changed root",
					    "srclimit_penalise", "Timeout before authentication"};
	for (size_t i = 0; i < sizeof(noise) / sizeof(*noise); i++)
		if (strstr(line, noise[i]))
			return true;
	return false;
}

/* sshd's log about doctor's own connections, since doctor began: what sshd said of the
 * key. A line is ours when it names one of our connections' ports, or comes from a pid
 * (syslog, journald: sshd, sshd-session, sshd-auth) that did; in a bare log (sshd -E) the
 * lines after our "Connection from" up to another connection's. */
static void check_log(struct doctor *dr, struct server_admin *a)
{
	static const char *const refusals[] = {"Authentication refused:",
					       "not allowed because",
					       "Could not open",
					       "by PAM account configuration",
					       "not in PubkeyAcceptedAlgorithms",
					       "but not from a permitted host",
					       "expired"};
	struct dynbuf log;
	dynbuf_init(&log, 4 * 1024 * 1024);
	struct diag d;
	long since = (long)(time(NULL) - dr->started) + 5;
	if (since < 5 || since > 600)
		since = 600;
	if (server_admin_auth_log(a, since, &log, &d) < 0 || dynbuf_append(&log, "", 1) < 0) {
		doctor_add(dr, "server: sshd's log", DOCTOR_SKIP, "cannot read it");
		dynbuf_free(&log);
		return;
	}
	char quoted[1024] = "", refusal[512] = "";
	const char *lines[8];
	size_t lens[8], n = 0;
	long pids[64];
	size_t n_pids = 0;
	bool block_ours = false;
	for (const char *p = (const char *)log.data; p && *p;
	     p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		size_t len = strcspn(p, "\n");
		char line[1024];
		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		long pid = sshd_line_pid(line);
		if (pid < 0)
			continue;
		bool ours;
		if (dr->n_ports == 0) {
			/* no port known: the account's lines */
			ours = strstr(line, dr->user) != NULL;
		} else {
			bool named = names_our_port(dr, line);
			if (strstr(line, "Connection from ") && !pid)
				block_ours = named;
			ours = named || (!pid && block_ours);
			for (size_t i = 0; !ours && pid && i < n_pids; i++)
				ours = pids[i] == pid;
			if (named && pid && n_pids < sizeof(pids) / sizeof(*pids))
				pids[n_pids++] = pid;
		}
		if (!ours || log_noise(line))
			continue;
		if (n == 8) {
			memmove(lines, lines + 1, 7 * sizeof(*lines));
			memmove(lens, lens + 1, 7 * sizeof(*lens));
			n--;
		}
		lines[n] = p;
		lens[n++] = len;
		for (size_t i = 0; i < sizeof(refusals) / sizeof(*refusals); i++) {
			if (strstr(line, refusals[i])) {
				/* from the message on, without syslog's prefix */
				const char *msg = strstr(line, "]: ");
				snprintf(refusal, sizeof(refusal), "%.500s", msg ? msg + 3 : line);
			}
		}
	}
	size_t o = 0;
	for (size_t i = 0; i < n && o + 4 < sizeof(quoted); i++) {
		int w = snprintf(quoted + o, sizeof(quoted) - o, "%s\"%.*s\"", i ? " | " : "",
				 (int)lens[i], lines[i]);
		o += w > 0 ? (size_t)w : 0;
	}
	if (o >= sizeof(quoted))
		quoted[sizeof(quoted) - 1] = 0;
	if (!n) {
		doctor_add(dr, "server: sshd's log", DOCTOR_SKIP,
			   "no line about doctor's attempts in journald (sshd, sshd-session, "
			   "sshd-auth), /var/log/auth.log or /var/log/secure");
	} else if (refusal[0] && !dr->res->key_login) {
		/* (once the key logs in, an earlier refusal in the log is history, not a cause) */
		struct doctor_check *c =
			doctor_add(dr, "server: sshd's log", DOCTOR_FAIL, "%s", quoted);
		doctor_set_cause(c, WEIGHT_SERVER + 5, "sshd says: \"%s\"", refusal);
	} else {
		doctor_add(dr, "server: sshd's log", DOCTOR_PASS, "%s", quoted);
	}
	dynbuf_free(&log);
}

/* With root: sshd -T for this account and address, the account, sshd's log. */
/* A code after the key (mfa): what it needs on the server, for the account. */
static void check_second_factor(struct doctor *dr, struct server_admin *a, const struct dynbuf *eff)
{
	static const char name[] = "server: second factor";
	struct mfa_view v = {0};
	struct diag d = {{0}};
	struct doctor_check *c;
	if (!mfa_requires_code(eff))
		return;
	if (mfa_view_server(a, true, &v, &d) < 0 ||
	    mfa_view_account(a, dr->user, eff, &v, &d) < 0) {
		doctor_add(dr, name, DOCTOR_SKIP, "%s", d.text);
		return;
	}
	if (!v.pam_read) {
		doctor_add(dr, name, DOCTOR_SKIP, "sshd's PAM stack (/etc/pam.d/sshd) not read");
	} else if (v.pam.asks_password) {
		c = doctor_add(dr, name, DOCTOR_FAIL,
			       "after the key sshd's PAM stack asks the password too (%s)",
			       v.pam.password_at);
		doctor_set_cause(c, WEIGHT_SERVER + 40,
				 "after the key, sshd's PAM stack asks %s's password too (%s), not "
				 "a code alone",
				 dr->user, v.pam.password_at);
		doctor_set_fix(c,
			       "sshkeyctl mfa enable --users %s HOST comments out the "
			       "password step",
			       dr->user);
	} else if (!v.pam.asks_totp) {
		c = doctor_add(dr, name, DOCTOR_FAIL,
			       "sshd asks keyboard-interactive after the key, and its PAM stack "
			       "asks no code");
		doctor_set_cause(
			c, WEIGHT_SERVER + 40,
			"sshd asks %s keyboard-interactive after the key, but its PAM stack "
			"asks no code (no pam_google_authenticator in /etc/pam.d/sshd)",
			dr->user);
	} else {
		doctor_add(dr, name, DOCTOR_PASS,
			   "sshd's PAM stack asks a TOTP code after the key%s",
			   v.pam.totp_nullok ? " (nullok)" : "");
	}
	if (v.secret_usable) {
		doctor_add(dr, name, DOCTOR_PASS,
			   "%s's ~/.google_authenticator: mode %04o, its own", dr->user,
			   v.secret.mode);
	} else if (v.secret.kind == SECRET_NONE || v.secret.kind == SECRET_NO_HOME) {
		if (v.pam.totp_nullok) {
			doctor_add(dr, name, DOCTOR_WARN,
				   "%s has no ~/.google_authenticator: its key alone lets it in "
				   "(nullok) until mfa is enforced",
				   dr->user);
		} else {
			c = doctor_add(dr, name, DOCTOR_FAIL, "%s has no ~/.google_authenticator",
				       dr->user);
			doctor_set_cause(c, WEIGHT_SERVER + 40,
					 "%s has no ~/.google_authenticator, and sshd's PAM stack "
					 "requires one (no nullok): no code can log it in",
					 dr->user);
			doctor_set_fix(c, "sshkeyctl mfa enable --users %s HOST writes one",
				       dr->user);
		}
	} else {
		c = doctor_add(dr, name, DOCTOR_FAIL, "%s's ~/.google_authenticator is %s",
			       dr->user, v.secret_problem);
		doctor_set_cause(c, WEIGHT_SERVER + 40,
				 "%s's ~/.google_authenticator is %s: the module refuses it",
				 dr->user, v.secret_problem);
		doctor_set_fix(c,
			       "as %s: chmod 400 ~/.google_authenticator (a regular file of "
			       "its own)",
			       dr->user);
	}
	if (labs(v.skew) > MFA_CLOCK_STEP) {
		c = doctor_add(dr, name, DOCTOR_FAIL, "the server's clock is %ld s %s ours",
			       labs(v.skew), v.skew > 0 ? "ahead of" : "behind");
		doctor_set_cause(c, WEIGHT_SERVER + 40,
				 "the server's clock is %ld s %s ours: codes from a device with "
				 "the right time do not match (one 30-second step either way does)",
				 labs(v.skew), v.skew > 0 ? "ahead of" : "behind");
		doctor_set_fix(c, "set the server's time (timedatectl set-ntp true, chrony)");
	} else {
		doctor_add(dr, name, DOCTOR_PASS, "the server's clock is within %ld s of ours",
			   labs(v.skew));
	}
}

static void check_sshd_view(struct doctor *dr, struct remote_session *s,
			    const struct authorized_keys_state *st)
{
	struct server_admin *a = NULL;
	struct diag d = {{0}};
	struct dynbuf eff;
	dynbuf_init(&eff, 1024 * 1024);
	struct doctor_check *c;
	struct server_kind kind;
	server_kind_of(s, &kind);
	if (kind.software != SERVER_OPENSSH) {
		/* an OpenSSH configuration on the box does not govern this server */
		doctor_add(dr, "server: sshd's view", DOCTOR_SKIP,
			   "this server is %s (its banner), not OpenSSH: sshd_config does not "
			   "govern it, so it is not read",
			   kind.name);
		goto out;
	}
	if (server_admin_open(s, dr->req->password, &a, &d) < 0) {
		doctor_add(dr, "server: sshd's view", DOCTOR_SKIP,
			   "sshd's configuration and log need root: %s", d.text);
		goto out;
	}
	if (server_admin_sshd_effective(a, dr->user, &eff, &d) < 0) {
		doctor_add(dr, "server: sshd's view", DOCTOR_SKIP, "sshd -T: %s", d.text);
		goto out;
	}
	/* the files, to name where a setting that is a cause comes from */
	struct sshd_config *cfg = NULL;
	char err[512], at[1300];
	if (server_admin_sshd_config(a, &cfg, err, sizeof(err)) < 0)
		cfg = NULL;
	char value[4096];
	const char *type = dr->req->key->pub->type->name;
	sshd_effective_values(&eff, "pubkeyacceptedalgorithms", value, sizeof(value));
	if (value[0] && !doctor_type_accepted(value, type)) {
		set_at(cfg, "pubkeyacceptedalgorithms", value, at, sizeof(at));
		c = doctor_add(dr, "server: key type", DOCTOR_FAIL,
			       "PubkeyAcceptedAlgorithms for %s: %s%s", dr->user, value, at);
		doctor_set_cause(c, WEIGHT_SERVER + 45,
				 "the server does not accept %s keys: its PubkeyAcceptedAlgorithms "
				 "leaves the type out%s",
				 type, at);
		doctor_set_fix(c,
			       "use a key of a type it accepts (sshkeyctl keygen -t ed25519), or "
			       "add %s to PubkeyAcceptedAlgorithms%s on the server",
			       type, at[0] ? at : "");
	} else {
		doctor_add(dr, "server: key type", DOCTOR_PASS, "%s keys are accepted", type);
	}
	sshd_effective_values(&eff, "authorizedkeysfile", value, sizeof(value));
	if (value[0] && st && st->path) {
		bool checked = false, elsewhere = false;
		char copy[4096], files[2048] = "", path[2048];
		snprintf(copy, sizeof(copy), "%s", value);
		for (char *save = NULL, *p = strtok_r(copy, " ", &save); p;
		     p = strtok_r(NULL, " ", &save)) {
			if (strcmp(p, "none") == 0)
				continue;
			sshd_authorized_keys_path(p, st->home ? st->home : "", dr->user,
						  (long)st->uid, path, sizeof(path));
			checked = checked || strcmp(path, st->path) == 0;
			elsewhere = elsewhere || file_lists_key(a, path, dr->req->key->pub);
			size_t fl = strlen(files);
			snprintf(files + fl, sizeof(files) - fl, "%s%.1000s", fl ? " " : "", path);
		}
		/* the key where tutorials put it, while sshd looks elsewhere */
		char usual[2048];
		snprintf(usual, sizeof(usual), "%s/.ssh/authorized_keys", st->home ? st->home : "");
		const char *where = !checked ? st->path : usual;
		if (!elsewhere && (!checked || (strcmp(usual, st->path) != 0 &&
						file_lists_key(a, usual, dr->req->key->pub)))) {
			c = doctor_add(dr, "server: AuthorizedKeysFile", DOCTOR_FAIL,
				       "sshd reads keys for %s from %s; the key is in %s", dr->user,
				       files, where);
			doctor_set_cause(
				c, WEIGHT_SERVER + 45,
				"sshd reads %s's keys from %s (AuthorizedKeysFile), not from "
				"%s",
				dr->user, files, where);
			doctor_set_fix(c,
				       "install the key there: sshkeyctl copy as root with "
				       "--for-user %s honours AuthorizedKeysFile",
				       dr->user);
			/* copy as root honours AuthorizedKeysFile */
			dr->res->fixable_key_file = dr->req->for_user != NULL;
		} else {
			doctor_add(dr, "server: AuthorizedKeysFile", DOCTOR_PASS, "%s", files);
		}
	}
	check_account(dr, a, &eff);
	check_second_factor(dr, a, &eff);
	check_pubkey_setting(dr, &eff, cfg);
	/* our address as the root helper's probe saw it (the read helper may have failed) */
	check_access_lists(dr, &eff, dr->groups, server_admin_info(a)->client_addr, cfg);
	sshd_config_free(cfg);
	check_log(dr, a);
out:
	dynbuf_free(&eff);
	server_admin_close(a);
}

void doctor_server_checks(struct doctor *dr, struct remote_session *s)
{
	struct authorized_keys_state st = {0};
	check_authorized_keys(dr, s, &st);
	if (st.exists && st.path)
		doctor_check_selinux(dr, s, &st);
	if (dr->res->key_login && !dr->req->for_user) {
		/* nothing refused: sshd's view is only needed to explain a refusal */
		authorized_keys_state_clear(&st);
		return;
	}
	check_sshd_view(dr, s, st.path ? &st : NULL);
	authorized_keys_state_clear(&st);
}
