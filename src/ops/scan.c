#include "ops/scan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/array.h"
#include "base/base64.h"
#include "base/time_text.h"
#include "base/wire.h"
#include "files/authorized_keys.h"
#include "files/expect_keys.h"
#include "files/sshd_log.h"
#include "keys/fingerprint.h"
#include "ops/login.h"

const struct scan_finding_info scan_finding_infos[SCAN_FINDING_COUNT] = {
	[SCAN_FINDING_DSA] = {"dsa", "DSA key (OpenSSH 9.8+ refuses DSA)", SCAN_ERROR},
	[SCAN_FINDING_RSA_SHORT] = {"rsa-under-2048", "RSA under 2048 bits", SCAN_ERROR},
	[SCAN_FINDING_RSA_WEAK] = {"rsa-under-3072", "RSA under 3072 bits", SCAN_WARNING},
	[SCAN_FINDING_EXPIRED] = {"expired", "expiry-time passed (sshd refuses it)", SCAN_WARNING},
	[SCAN_FINDING_DUPLICATE] = {"duplicate", "listed twice in the file", SCAN_WARNING},
	[SCAN_FINDING_SHARED] = {"shared", "the same key in several accounts or hosts",
				 SCAN_WARNING},
	[SCAN_FINDING_ROOT_NO_FROM] = {"root-without-from", "root key without from=", SCAN_WARNING},
	[SCAN_FINDING_ACCOUNT_LOCKED] = {"account-locked",
					 "the account is locked: sshd refuses its keys (UsePAM no)",
					 SCAN_WARNING},
	[SCAN_FINDING_LOCKED_KEYS_WORK] =
		{"locked-account-keys-work",
		 "the account is locked (passwd -l), yet its keys log in "
		 "(UsePAM yes: sshd leaves the lock to PAM, which ignores it)",
		 SCAN_WARNING},
	[SCAN_FINDING_ACCOUNT_EXPIRED] = {"account-expired",
					  "the account has expired: sshd refuses its keys",
					  SCAN_WARNING},
	[SCAN_FINDING_UNEXPECTED] = {"unexpected", "not in the expected keys", SCAN_WARNING},
	[SCAN_FINDING_TYPE_REFUSED] = {"type-not-accepted",
				       "a key type this server does not take (tinysshd: Ed25519 "
				       "only)",
				       SCAN_WARNING},
};

void scan_result_init(struct scan_result *res)
{
	memset(res, 0, sizeof(*res));
	res->outcome = SCAN_FAILED;
}

void scan_result_clear(struct scan_result *res)
{
	for (size_t i = 0; i < res->n_keys; i++) {
		struct scan_key *k = &res->keys[i];
		free(k->account);
		free(k->file);
		pubkey_free(k->key);
		free(k->comment);
		free(k->options);
	}
	free(res->keys);
	for (size_t i = 0; i < res->n_private_keys; i++) {
		free(res->private_keys[i].account);
		free(res->private_keys[i].path);
	}
	free(res->private_keys);
	for (size_t i = 0; i < res->n_notes; i++) {
		free(res->notes[i].account);
		free(res->notes[i].text);
	}
	free(res->notes);
	for (size_t i = 0; i < res->n_accounts; i++)
		free(res->accounts[i].name);
	free(res->accounts);
	free(res->log_source);
	scan_result_init(res);
}

static int add_note(struct scan_result *res, const char *account, enum scan_severity severity,
		    bool info, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int add_note(struct scan_result *res, const char *account, enum scan_severity severity,
		    bool info, const char *fmt, ...)
{
	struct scan_note *n = array_append(&res->notes, &res->n_notes, sizeof(*n), SIZE_MAX);
	if (!n)
		return -ENOMEM;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&n->text, fmt, ap);
	va_end(ap);
	n->account = strdup(account);
	n->severity = severity;
	n->info = info;
	if (r < 0 || !n->account)
		return -ENOMEM;
	return 0;
}

/* The option name[len] of an options text, its value (quotes off) into buf; false: none. */
static bool option_value(const char *options, size_t len, const char *name, char *buf, size_t size)
{
	struct authorized_keys_option o;
	size_t pos = 0;
	while (authorized_keys_option_next(options, len, &pos, &o) > 0) {
		if (o.name.len != strlen(name) ||
		    strncasecmp(options + o.name.off, name, o.name.len))
			continue;
		size_t n = o.value.len < size ? o.value.len : size - 1;
		memcpy(buf, options + o.value.off, n);
		buf[n] = 0;
		return true;
	}
	return false;
}

/* expiry-time="YYYYMMDD[HHMM[SS]][Z]": seconds since 1970 (local time read as UTC: sshd
 * uses the server's zone, a day is the precision that matters here); 0 when malformed */
static long long expiry_time(const char *v)
{
	size_t n = strlen(v);
	if (n && v[n - 1] == 'Z')
		n--;
	if (n != 8 && n != 12 && n != 14)
		return 0;
	int f[6] = {0};
	static const unsigned widths[6] = {4, 2, 2, 2, 2, 2};
	size_t pos = 0;
	for (int i = 0; i < 6 && pos < n; i++) {
		for (unsigned j = 0; j < widths[i]; j++, pos++) {
			if (v[pos] < '0' || v[pos] > '9')
				return 0;
			f[i] = f[i] * 10 + (v[pos] - '0');
		}
	}
	return time_text_utc(f[0], f[1], f[2], f[3], f[4], f[5]);
}

static unsigned key_findings(const struct scan_key *k, const struct scan_account *acc,
			     const char *options, size_t options_len, long long now, bool use_pam)
{
	unsigned f = 0;
	const struct key_type *type = k->key->type;
	char value[64];
	if (type->algorithm == KEY_ALG_DSA)
		f |= 1u << SCAN_FINDING_DSA;
	if (type->algorithm == KEY_ALG_RSA && k->key->bits < 2048)
		f |= 1u << SCAN_FINDING_RSA_SHORT;
	else if (type->algorithm == KEY_ALG_RSA && k->key->bits < 3072)
		f |= 1u << SCAN_FINDING_RSA_WEAK;
	if (option_value(options, options_len, "expiry-time", value, sizeof(value))) {
		long long until = expiry_time(value);
		if (until && now && until < now)
			f |= 1u << SCAN_FINDING_EXPIRED;
	}
	if (acc->uid == 0 && !option_value(options, options_len, "from", value, sizeof(value)))
		f |= 1u << SCAN_FINDING_ROOT_NO_FROM;
	/* sshd checks a locked password itself only without PAM (auth.c, allowed_user) */
	if (!strcmp(acc->password, "locked"))
		f |= 1u << (use_pam ? SCAN_FINDING_LOCKED_KEYS_WORK : SCAN_FINDING_ACCOUNT_LOCKED);
	if (acc->expire_day >= 0 && now && acc->expire_day <= now / 86400)
		f |= 1u << SCAN_FINDING_ACCOUNT_EXPIRED;
	return f;
}

/* a file of garbage is one finding, not a million: the first lines named, then a count */
#define SCAN_INVALID_LINES_NAMED 20

static int add_keys(struct scan_result *res, const struct scan_account *acc,
		    const struct scan_file *file, long long now, bool use_pam, bool tinysshd)
{
	struct authorized_keys *ak = NULL;
	unsigned long invalid = 0;
	struct dynbuf fp;
	dynbuf_init(&fp, 128);
	int r = authorized_keys_parse(file->content, file->content_len, &ak);
	if (r < 0)
		goto out;
	size_t first = res->n_keys;
	for (size_t i = 0; i < ak->n_entries && r == 0; i++) {
		struct authorized_keys_entry *e = &ak->entries[i];
		if (e->kind == KEY_LINE_INVALID) {
			if (++invalid <= SCAN_INVALID_LINES_NAMED)
				r = add_note(res, acc->name, SCAN_WARNING, false, "%s:%lu: %s",
					     file->path, e->lineno, error_to_string(e->error));
			continue;
		}
		if (e->kind != KEY_LINE_KEY)
			continue;
		struct scan_key *k = array_append(&res->keys, &res->n_keys, sizeof(*k), SIZE_MAX);
		if (!k) {
			r = -ENOMEM;
			break;
		}
		k->uid = acc->uid;
		k->line = e->lineno;
		k->key = e->key;
		e->key = NULL;
		k->account = strdup(acc->name);
		k->file = strdup(file->path);
		if (e->comment.len)
			k->comment = strndup(e->raw + e->comment.off, e->comment.len);
		const char *options = e->raw + e->options.off;
		if (e->options.len)
			k->options = strndup(options, e->options.len);
		dynbuf_reset(&fp);
		if (!k->account || !k->file || (e->comment.len && !k->comment) ||
		    (e->options.len && !k->options) ||
		    (r = fingerprint_format(k->key, FINGERPRINT_SHA256, &fp)) < 0 ||
		    (r = dynbuf_append_byte(&fp, 0)) < 0) {
			r = r < 0 ? r : -ENOMEM;
			break;
		}
		snprintf(k->fingerprint, sizeof(k->fingerprint), "%s", (const char *)fp.data);
		char value[8];
		k->cert_authority = option_value(options, e->options.len, "cert-authority", value,
						 sizeof(value));
		k->findings = key_findings(k, acc, options, e->options.len, now, use_pam);
		if (tinysshd && k->key->type->algorithm != KEY_ALG_ED25519)
			k->findings |= 1u << SCAN_FINDING_TYPE_REFUSED;
		/* twice in one file: sshd uses the first line that matches */
		for (size_t j = first; j + 1 < res->n_keys; j++)
			if (pubkey_same_key(res->keys[j].key, k->key)) {
				k->findings |= 1u << SCAN_FINDING_DUPLICATE;
				break;
			}
	}
	if (r == 0 && invalid > SCAN_INVALID_LINES_NAMED)
		r = add_note(res, acc->name, SCAN_WARNING, false,
			     "%s: %lu more lines sshd cannot read (%lu in all)", file->path,
			     invalid - SCAN_INVALID_LINES_NAMED, invalid);
out:
	authorized_keys_free(ak);
	dynbuf_free(&fp);
	return r;
}

/* What a private key file's first two lines say about its protection. */
static void private_key_kind(const struct scan_private_file *pf, struct scan_private_key *pk)
{
	const char *l1 = pf->first_line ? pf->first_line : "";
	const char *l2 = pf->second_line ? pf->second_line : "";
	pk->encrypted = -1;
	if (!strcmp(l1, "-----BEGIN OPENSSH PRIVATE KEY-----")) {
		struct dynbuf raw;
		struct wire_reader w;
		const uint8_t *cipher;
		size_t cipher_len;
		snprintf(pk->format, sizeof(pk->format), "openssh");
		dynbuf_init(&raw, 64);
		/* 64 characters: whole base64 groups, 48 bytes */
		if (strlen(l2) >= 64 && base64_decode(&raw, l2, 64) == 0 && raw.len >= 15 &&
		    !memcmp(raw.data, "openssh-key-v1", 15)) {
			wire_reader_init(&w, raw.data + 15, raw.len - 15);
			if (wire_get_string(&w, &cipher, &cipher_len) == 0)
				pk->encrypted = !(cipher_len == 4 && !memcmp(cipher, "none", 4));
		}
		dynbuf_free(&raw);
	} else if (!strcmp(l1, "-----BEGIN PRIVATE KEY-----")) {
		snprintf(pk->format, sizeof(pk->format), "pkcs8");
		pk->encrypted = 0;
	} else if (!strcmp(l1, "-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
		snprintf(pk->format, sizeof(pk->format), "pkcs8");
		pk->encrypted = 1;
	} else if (!strncmp(l1, "-----BEGIN ", 11)) {
		snprintf(pk->format, sizeof(pk->format), "pem");
		pk->encrypted = strstr(l2, "ENCRYPTED") != NULL && !strncmp(l2, "Proc-Type:", 10);
	} else if (!strncmp(l1, "PuTTY-User-Key-File-", 20)) {
		snprintf(pk->format, sizeof(pk->format), "putty");
		if (!strncmp(l2, "Encryption: ", 12))
			pk->encrypted = strcmp(l2 + 12, "none") != 0;
	} else {
		snprintf(pk->format, sizeof(pk->format), "unknown");
	}
}

static int add_private_keys(struct scan_result *res, const struct scan_account *acc)
{
	for (size_t i = 0; i < acc->n_private_files; i++) {
		const struct scan_private_file *pf = &acc->private_files[i];
		struct scan_private_key *pk = array_append(&res->private_keys, &res->n_private_keys,
							   sizeof(*pk), SIZE_MAX);
		if (!pk)
			return -ENOMEM;
		pk->account = strdup(acc->name);
		pk->path = strdup(pf->path);
		if (!pk->account || !pk->path)
			return -ENOMEM;
		snprintf(pk->mode, sizeof(pk->mode), "%s", pf->mode);
		/* "-rw-r-----": group or others may read */
		pk->others_read =
			strlen(pf->mode) >= 8 && (pf->mode[4] == 'r' || pf->mode[7] == 'r');
		private_key_kind(pf, pk);
	}
	return 0;
}

static int file_notes(struct scan_result *res, const struct scan_account *acc,
		      const struct scan_file *f)
{
	switch (f->state) {
	case SCAN_FILE_NOT_REGULAR:
		return add_note(res, acc->name, SCAN_WARNING, false,
				"%s is not a regular file (sshd reads no keys from it)", f->path);
	case SCAN_FILE_UNREADABLE:
		return add_note(res, acc->name, SCAN_WARNING, false,
				"%s cannot be read by %s (nor by sshd for it)", f->path, acc->name);
	case SCAN_FILE_TOO_LARGE:
		return add_note(res, acc->name, SCAN_WARNING, false,
				"%s is too large to scan (%llu bytes)", f->path, f->size);
	case SCAN_FILE_NOT_RUN:
		return add_note(res, acc->name, SCAN_WARNING, true, "%s not run: %s", f->path,
				f->why ? f->why : "");
	default:
		return 0;
	}
}

/* sshd -T's settings that give keys other ways in than the files */
static int config_notes(struct scan_result *res, const struct scan_account *acc)
{
	char command[512], user[128], value[512];
	int r = 0;
	scan_account_config(acc, "authorizedkeyscommand", command, sizeof(command));
	scan_account_config(acc, "authorizedkeyscommanduser", user, sizeof(user));
	bool ran = false;
	for (size_t i = 0; i < acc->n_files; i++)
		ran = ran || (acc->files[i].from_command && acc->files[i].state == SCAN_FILE_READ);
	if (command[0] && strcmp(command, "none") && !ran)
		r = add_note(res, acc->name, SCAN_WARNING, true,
			     "keys also come from AuthorizedKeysCommand %s%s%s (not run: "
			     "--run-keys-command runs it)",
			     command, user[0] ? " as " : "", user);
	scan_account_config(acc, "trustedusercakeys", value, sizeof(value));
	if (r == 0 && value[0] && strcmp(value, "none"))
		r = add_note(res, acc->name, SCAN_WARNING, true,
			     "certificates signed by the CA keys in %s log in (TrustedUserCAKeys)",
			     value);
	scan_account_config(acc, "authorizedprincipalsfile", value, sizeof(value));
	if (r == 0 && value[0] && strcmp(value, "none"))
		r = add_note(res, acc->name, SCAN_WARNING, true,
			     "certificate principals from %s (AuthorizedPrincipalsFile)", value);
	return r;
}

/* last-used: each logged login matched to the keys of its account by fingerprint */
static void match_logins(struct scan_result *res, const struct scan_answer *a)
{
	for (size_t i = 0; i < a->n_logins; i++) {
		struct sshd_log_accepted acc;
		const char *line = a->logins[i].line;
		if (sshd_log_parse_accepted(line, strlen(line), a->now, &acc) < 0)
			continue;
		for (size_t j = 0; j < res->n_keys; j++) {
			struct scan_key *k = &res->keys[j];
			if (strcmp(k->account, acc.user) || strcmp(k->fingerprint, acc.fingerprint))
				continue;
			k->uses += a->logins[i].count;
			if (acc.time > k->last_used) {
				k->last_used = acc.time;
				snprintf(k->last_from, sizeof(k->last_from), "%s", acc.address);
			} else if (!acc.time) {
				k->used_undated = true;
				if (!k->last_used)
					snprintf(k->last_from, sizeof(k->last_from), "%s",
						 acc.address);
			}
		}
	}
}

int scan_result_from_answer(const struct scan_answer *a, struct scan_result *res)
{
	int r = 0;
	res->all_accounts = a->all_accounts;
	res->now = a->now;
	if (a->log_source && !(res->log_source = strdup(a->log_source)))
		return -ENOMEM;
	for (size_t i = 0; i < a->n_accounts && r == 0; i++) {
		const struct scan_account *acc = &a->accounts[i];
		char use_pam[8];
		scan_account_config(acc, "usepam", use_pam, sizeof(use_pam));
		size_t before = res->n_keys;
		struct scan_account_info *info =
			array_append(&res->accounts, &res->n_accounts, sizeof(*info), SIZE_MAX);
		if (!info || !(info->name = strdup(acc->name)))
			return -ENOMEM;
		info->uid = acc->uid;
		info->shell_state = acc->shell_state;
		snprintf(info->password, sizeof(info->password), "%s", acc->password);
		info->expired = acc->expire_day >= 0 && a->now && acc->expire_day <= a->now / 86400;
		if (acc->unread)
			r = add_note(res, acc->name, SCAN_WARNING, false, "files not read: %s",
				     acc->unread);
		for (size_t j = 0; j < acc->n_files && r == 0; j++) {
			const struct scan_file *f = &acc->files[j];
			r = f->state == SCAN_FILE_READ
				    ? add_keys(res, acc, f, a->now, !strcmp(use_pam, "yes"),
					       a->tinysshd)
				    : file_notes(res, acc, f);
		}
		if (r == 0)
			r = add_private_keys(res, acc);
		if (r == 0)
			r = config_notes(res, acc);
		info->n_keys = res->n_keys - before;
	}
	if (r == 0)
		match_logins(res, a);
	return r;
}

int scan_apply_expect(struct scan_result *res, const char *target, const char *host,
		      const struct expect_keys *e)
{
	int r = 0;
	for (size_t i = 0; i < res->n_keys; i++) {
		struct scan_key *k = &res->keys[i];
		bool expected = false;
		for (size_t j = 0; !expected && j < e->n_keys; j++)
			expected = !strcmp(e->keys[j].account, k->account) &&
				   pubkey_same_key(e->keys[j].key, k->key) &&
				   expect_group_matches(&e->groups[e->keys[j].group], target, host);
		if (!expected)
			k->findings |= 1u << SCAN_FINDING_UNEXPECTED;
	}
	for (size_t j = 0; r == 0 && j < e->n_keys; j++) {
		const struct expect_key *x = &e->keys[j];
		if (!expect_group_matches(&e->groups[x->group], target, host))
			continue;
		bool scanned = false, found = false;
		for (size_t a = 0; a < res->n_accounts; a++)
			scanned = scanned || !strcmp(res->accounts[a].name, x->account);
		for (size_t i = 0; !found && i < res->n_keys; i++)
			found = !strcmp(res->keys[i].account, x->account) &&
				pubkey_same_key(res->keys[i].key, x->key);
		if (found)
			continue;
		char fp[FINGERPRINT_SHA256_TEXT_MAX] = "";
		fingerprint_sha256_text(x->key, fp, sizeof(fp));
		r = add_note(
			res, x->account, SCAN_WARNING, false,
			scanned ? "missing: the expected key %s %s%s%s (--expect line %lu)"
				: "missing: the expected key %s %s%s%s (--expect line %lu), and "
				  "no such account was scanned",
			x->key->type->short_name, fp, x->comment ? " " : "",
			x->comment ? x->comment : "", x->line);
	}
	return r;
}

void scan_result_settle(struct scan_result *res)
{
	res->n_warnings = res->n_errors = 0;
	for (size_t i = 0; i < res->n_keys; i++)
		for (unsigned f = 0; f < SCAN_FINDING_COUNT; f++)
			if (res->keys[i].findings & (1u << f)) {
				if (scan_finding_infos[f].severity == SCAN_ERROR)
					res->n_errors++;
				else
					res->n_warnings++;
			}
	for (size_t i = 0; i < res->n_private_keys; i++) {
		const struct scan_private_key *pk = &res->private_keys[i];
		if (pk->others_read)
			res->n_errors++;
		else if (pk->encrypted == 0)
			res->n_warnings++;
	}
	for (size_t i = 0; i < res->n_notes; i++)
		if (!res->notes[i].info) {
			if (res->notes[i].severity == SCAN_ERROR)
				res->n_errors++;
			else
				res->n_warnings++;
		}
	if (res->outcome == SCAN_CLEAN || res->outcome == SCAN_FINDINGS)
		res->outcome = res->n_warnings || res->n_errors ? SCAN_FINDINGS : SCAN_CLEAN;
}

void scan_cross_findings(struct scan_result *results, size_t n)
{
	/* the same key (plain blob) in more than one account or host: a sort would be
	 * O(n log n), but the pairs compared here are few (keys per fleet, thousands) and
	 * the fingerprint string compare is cheap; a hash when fleets grow */
	for (size_t h = 0; h < n; h++)
		for (size_t i = 0; i < results[h].n_keys; i++) {
			struct scan_key *k = &results[h].keys[i];
			for (size_t h2 = h; h2 < n; h2++)
				for (size_t j = h2 == h ? i + 1 : 0; j < results[h2].n_keys; j++) {
					struct scan_key *o = &results[h2].keys[j];
					if (strcmp(k->fingerprint, o->fingerprint) ||
					    (h2 == h && !strcmp(k->account, o->account)))
						continue;
					k->findings |= 1u << SCAN_FINDING_SHARED;
					o->findings |= 1u << SCAN_FINDING_SHARED;
				}
		}
	for (size_t h = 0; h < n; h++)
		scan_result_settle(&results[h]);
}

int scan_session_open(const struct target *t, const struct scan_request *req,
		      struct scan_session *ss, struct diag *d)
{
	char connection[256] = "";
	memset(ss, 0, sizeof(*ss));
	dynbuf_init(&ss->out, SCAN_ANSWER_MAX);
	int r = login_for_work_keys(t, req->connect, req->keys, req->n_keys, req->password, &ss->s,
				    &ss->used, d);
	if (r < 0) {
		ss->unreachable = r == ERR_CONNECT || r == ERR_TIMEOUT;
		return r;
	}
	if (req->all_accounts) {
		if ((r = root_runner_open(ss->s, req->password, &ss->root, d)) < 0)
			return r;
		ss->have_root = true;
		/* "CLIENT CPORT LOCAL LPORT" -> "CLIENT LOCAL LPORT", for sshd's Match */
		char value[256], c[64], cp[16], l[64], lp[16];
		root_runner_probe_value(&ss->root, "connection", value, sizeof(value));
		if (sscanf(value, "%63s %15s %63s %15s", c, cp, l, lp) == 4)
			snprintf(connection, sizeof(connection), "%s %s %s", c, l, lp);
	}
	if ((r = scan_remote_read(ss->s, ss->have_root ? &ss->root : NULL,
				  ss->have_root ? SCAN_SCOPE_ALL : SCAN_SCOPE_AUTO, req->logs,
				  req->run_keys_command, connection, &ss->out, &ss->answer, d)) < 0)
		return r;
	ss->answer.tinysshd = !strcmp(scan_server_name(ss->s), "tinysshd");
	/* the helper sends no clock: the client's places a log line's year and what expired */
	if (!ss->answer.now)
		ss->answer.now = (long long)time(NULL);
	ss->login_uid = ss->answer.login_uid;
	if (ss->have_root) {
		char uid[32] = "";
		root_runner_probe_value(&ss->root, "uid", uid, sizeof(uid));
		ss->login_uid = strtoul(uid, NULL, 10);
	} else if (ss->answer.all_accounts) {
		/* root logged in (the helper ran as uid 0): the runner the edits use, direct */
		root_runner_as_root(&ss->root);
		ss->have_root = true;
	}
	return 0;
}

int scan_session_reconnect(const struct target *t, const struct scan_request *req,
			   struct scan_session *ss, struct diag *d)
{
	remote_session_free(ss->s);
	ss->s = NULL;
	return login_for_work_keys(t, req->connect, req->keys, req->n_keys, req->password, &ss->s,
				   NULL, d);
}

void scan_session_close(struct scan_session *ss)
{
	scan_answer_clear(&ss->answer);
	dynbuf_free(&ss->out);
	if (ss->have_root)
		root_runner_clear(&ss->root);
	pubkey_free(ss->used);
	remote_session_free(ss->s);
	memset(ss, 0, sizeof(*ss));
}

void scan_host(const struct target *t, const struct scan_request *req, struct scan_result *res)
{
	struct scan_session ss;
	res->outcome = SCAN_FAILED;
	int r = scan_session_open(t, req, &ss, &res->diag);
	if (r == 0)
		r = scan_result_from_answer(&ss.answer, res);
	if (r == 0) {
		res->outcome = SCAN_CLEAN;
		scan_result_settle(res);
	} else if (ss.unreachable) {
		res->outcome = SCAN_UNREACHABLE;
	}
	if (r < 0 && !res->diag.text[0])
		diag_set(&res->diag, "%s", error_to_string(r));
	res->error = r < 0 ? r : 0;
	scan_session_close(&ss);
}
