#include "remote/scan_remote.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/number.h"
#include "base/text_lines.h"
#include "remote/helper_scripts.h"
#include "remote/root_runner.h"
#include "remote/server_kind.h"
#include "remote/session.h"

#define SCAN_TEXT_MAX 4096 /* a path, a shell, a log line: longer is not from our helper */

static void file_clear(struct scan_file *f)
{
	free(f->path);
	free(f->link);
	free(f->why);
}

static void private_file_clear(struct scan_private_file *p)
{
	free(p->path);
	free(p->first_line);
	free(p->second_line);
}

static void account_clear(struct scan_account *a)
{
	free(a->name);
	free(a->home);
	free(a->shell);
	free(a->config);
	free(a->unread);
	for (size_t i = 0; i < a->n_files; i++)
		file_clear(&a->files[i]);
	free(a->files);
	for (size_t i = 0; i < a->n_private_files; i++)
		private_file_clear(&a->private_files[i]);
	free(a->private_files);
}

void scan_answer_clear(struct scan_answer *a)
{
	for (size_t i = 0; i < a->n_accounts; i++)
		account_clear(&a->accounts[i]);
	free(a->accounts);
	for (size_t i = 0; i < a->n_logins; i++)
		free(a->logins[i].line);
	free(a->logins);
	free(a->sshd);
	free(a->log_source);
	memset(a, 0, sizeof(*a));
}

void scan_account_config(const struct scan_account *a, const char *keyword, char *buf, size_t len)
{
	buf[0] = 0;
	if (a->config)
		keyword_values(a->config, strlen(a->config), keyword, false, buf, len);
}

/* line starts with word and a space: *ret_value is what follows (rest bytes) */
static bool word_is(const char *line, size_t len, const char *word, const char **ret_value,
		    size_t *ret_rest)
{
	size_t w = strlen(word);
	if (len < w + 1 || memcmp(line, word, w) != 0 || line[w] != ' ')
		return false;
	*ret_value = line + w + 1;
	*ret_rest = len - w - 1;
	return true;
}

/* A NUL-terminated copy of value[len]: no NUL inside, at most SCAN_TEXT_MAX */
static int text_copy(const char *value, size_t len, char **ret)
{
	if (len > SCAN_TEXT_MAX || memchr(value, 0, len))
		return ERR_FORMAT;
	char *copy = strndup(value, len);
	if (!copy)
		return -ENOMEM;
	free(*ret);
	*ret = copy;
	return 0;
}

static int ulong_of(const char *value, size_t len, unsigned long *ret)
{
	char buf[24];
	long v;
	if (len == 0 || len >= sizeof(buf))
		return ERR_FORMAT;
	memcpy(buf, value, len);
	buf[len] = 0;
	if (number_parse(buf, 0, 4294967295L, &v) < 0)
		return ERR_FORMAT;
	*ret = (unsigned long)v;
	return 0;
}

/* "WORD REST": WORD (1 to max - 1 bytes) copied into word, NUL-terminated, REST after the
 * space; false when there is no such split */
static bool split_word(const char *v, size_t n, char *word, size_t max, const char **ret_rest,
		       size_t *ret_rest_len)
{
	const char *sp = memchr(v, ' ', n);
	if (!sp || sp == v || (size_t)(sp - v) >= max)
		return false;
	memcpy(word, v, (size_t)(sp - v));
	word[sp - v] = 0;
	*ret_rest = sp + 1;
	*ret_rest_len = n - (size_t)(sp + 1 - v);
	return true;
}

/* "MODE UID ..." from ls -ln's first and third fields: mode and owner */
static int mode_owner_of(const char *value, size_t len, char *mode, long *owner,
			 const char **ret_rest, size_t *ret_rest_len)
{
	const char *u;
	size_t ulen;
	if (!split_word(value, len, mode, 12, &u, &ulen))
		return ERR_FORMAT;
	const char *sp2 = memchr(u, ' ', ulen);
	size_t n = sp2 ? (size_t)(sp2 - u) : ulen;
	unsigned long uid;
	*owner = ulong_of(u, n, &uid) == 0 ? (long)uid : -1;
	*ret_rest = sp2 ? sp2 + 1 : u + ulen;
	*ret_rest_len = sp2 ? ulen - n - 1 : 0;
	return 0;
}

struct parse {
	const char *text;
	size_t len;
	struct line_iter it;
	const char *token;
	struct scan_answer *a;
	struct scan_account *account; /* the one being read */
	struct scan_file *file;       /* its last file */
	struct scan_private_file *private_file;
	unsigned heads; /* of private_file, read */
	unsigned long pending_count;
};

/* content-until: the content runs to "\nTOKEN\n"; the iterator continues after it */
static int read_content(struct parse *p)
{
	char end[48];
	int n = snprintf(end, sizeof(end), "\n%s\n", p->token);
	if (n <= 2 || (size_t)n >= sizeof(end) || !p->file)
		return ERR_FORMAT;
	const char *start = p->text + p->it.off;
	size_t left = p->len - p->it.off;
	const char *stop = memmem(start, left, end, (size_t)n);
	if (!stop)
		return ERR_FORMAT;
	p->file->state = SCAN_FILE_READ;
	p->file->content = start;
	p->file->content_len = (size_t)(stop - start);
	p->it.off += p->file->content_len + (size_t)n;
	return 0;
}

static int account_line(struct parse *p, const char *line, size_t n)
{
	struct scan_account *acc = p->account;
	const char *v;
	size_t vn;
	if (p->private_file && p->heads < 2) {
		/* the two "head" lines that follow "private" */
		if (!word_is(line, n, "head", &v, &vn) && !(n == 4 && !memcmp(line, "head", 4)))
			return ERR_FORMAT;
		if (n == 4)
			v = line + 4, vn = 0;
		return text_copy(v, vn,
				 p->heads++ ? &p->private_file->second_line
					    : &p->private_file->first_line);
	}
	if (n == 11 && !memcmp(line, "end-account", 11)) {
		p->account = NULL;
		p->file = NULL;
		p->private_file = NULL;
		return 0;
	}
	if (word_is(line, n, "home", &v, &vn))
		return text_copy(v, vn, &acc->home);
	if (word_is(line, n, "shell", &v, &vn)) {
		static const char *const states[] = {"usable", "none", "missing"};
		for (size_t i = 0; i < 3; i++) {
			size_t k = strlen(states[i]);
			if (vn > k && !memcmp(v, states[i], k) && v[k] == ' ') {
				acc->shell_state = (enum scan_shell)i;
				return text_copy(v + k + 1, vn - k - 1, &acc->shell);
			}
		}
		return ERR_FORMAT;
	}
	if (word_is(line, n, "config", &v, &vn)) {
		size_t old = acc->config ? strlen(acc->config) : 0;
		if (vn > SCAN_TEXT_MAX || old > 64 * SCAN_TEXT_MAX || memchr(v, 0, vn))
			return ERR_FORMAT;
		char *more = realloc(acc->config, old + vn + 2);
		if (!more)
			return -ENOMEM;
		memcpy(more + old, v, vn);
		more[old + vn] = '\n';
		more[old + vn + 1] = 0;
		acc->config = more;
		return 0;
	}
	if (word_is(line, n, "password", &v, &vn)) {
		if (vn == 0 || vn >= sizeof(acc->password) || memchr(v, 0, vn))
			return ERR_FORMAT;
		memcpy(acc->password, v, vn);
		acc->password[vn] = 0;
		return 0;
	}
	if (word_is(line, n, "expire", &v, &vn)) {
		unsigned long day;
		acc->expire_day = ulong_of(v, vn, &day) == 0 ? (long)day : -1;
		return 0;
	}
	if (word_is(line, n, "unread", &v, &vn))
		return text_copy(v, vn, &acc->unread);
	if (word_is(line, n, "file", &v, &vn)) {
		const char *sp = memchr(v, ' ', vn);
		unsigned long entry;
		if (!sp || ulong_of(v, (size_t)(sp - v), &entry) < 0 || entry > 999)
			return ERR_FORMAT;
		struct scan_file *f = array_append(&acc->files, &acc->n_files, sizeof(*f), 1000);
		if (!f)
			return -ENOMEM;
		f->entry = (unsigned)entry;
		f->owner_uid = -1;
		f->state = SCAN_FILE_ABSENT;
		p->file = f;
		p->private_file = NULL;
		return text_copy(sp + 1, vn - (size_t)(sp + 1 - v), &f->path);
	}
	if (word_is(line, n, "private", &v, &vn)) {
		struct scan_private_file *pf = array_append(
			&acc->private_files, &acc->n_private_files, sizeof(*pf), 10000);
		if (!pf)
			return -ENOMEM;
		const char *rest;
		size_t rest_len;
		int r = mode_owner_of(v, vn, pf->mode, &pf->owner_uid, &rest, &rest_len);
		if (r < 0 || rest_len == 0)
			return ERR_FORMAT;
		p->private_file = pf;
		p->heads = 0;
		p->file = NULL;
		return text_copy(rest, rest_len, &pf->path);
	}
	/* the rest describe the current file */
	if (!p->file)
		return ERR_FORMAT;
	if (word_is(line, n, "link", &v, &vn))
		return text_copy(v, vn, &p->file->link);
	if (n == 12 && !memcmp(line, "from-command", 12)) {
		p->file->from_command = true;
		return 0;
	}
	if (word_is(line, n, "mode", &v, &vn)) {
		const char *rest;
		size_t rest_len;
		return mode_owner_of(v, vn, p->file->mode, &p->file->owner_uid, &rest, &rest_len);
	}
	if (word_is(line, n, "state", &v, &vn)) {
		static const struct {
			const char *word;
			enum scan_file_state state;
		} states[] = {{"absent", SCAN_FILE_ABSENT},
			      {"not-regular", SCAN_FILE_NOT_REGULAR},
			      {"unreadable", SCAN_FILE_UNREADABLE}};
		for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
			if (vn == strlen(states[i].word) && !memcmp(v, states[i].word, vn)) {
				p->file->state = states[i].state;
				return 0;
			}
		const char *size;
		size_t size_len;
		unsigned long bytes;
		if (word_is(v, vn, "not-run", &size, &size_len) && p->file->from_command) {
			p->file->state = SCAN_FILE_NOT_RUN;
			return text_copy(size, size_len, &p->file->why);
		}
		if (word_is(v, vn, "too-large", &size, &size_len) &&
		    ulong_of(size, size_len, &bytes) == 0) {
			p->file->state = SCAN_FILE_TOO_LARGE;
			p->file->size = bytes;
			return 0;
		}
		/* a size past 4 GiB */
		if (word_is(v, vn, "too-large", &size, &size_len)) {
			p->file->state = SCAN_FILE_TOO_LARGE;
			p->file->size = 0;
			return 0;
		}
		return ERR_FORMAT;
	}
	if (word_is(line, n, "content-until", &v, &vn)) {
		if (vn != strlen(p->token) || memcmp(v, p->token, vn))
			return ERR_FORMAT;
		return read_content(p);
	}
	return ERR_FORMAT;
}

static int top_line(struct parse *p, const char *line, size_t n, bool *ret_end)
{
	struct scan_answer *a = p->a;
	const char *v;
	size_t vn;
	unsigned long number;
	if (n == 8 && !memcmp(line, "end-scan", 8)) {
		*ret_end = true;
		return 0;
	}
	if (word_is(line, n, "uid", &v, &vn))
		return ulong_of(v, vn, &a->login_uid);
	if (word_is(line, n, "now", &v, &vn)) {
		if (ulong_of(v, vn, &number) < 0) {
			/* past 2106: a 64-bit clock */
			long long big;
			char buf[24];
			if (vn >= sizeof(buf))
				return ERR_FORMAT;
			memcpy(buf, v, vn);
			buf[vn] = 0;
			if (sscanf(buf, "%lld", &big) != 1)
				return ERR_FORMAT;
			a->now = big;
			return 0;
		}
		a->now = (long long)number;
		return 0;
	}
	if (word_is(line, n, "scope", &v, &vn)) {
		a->all_accounts = vn == 3 && !memcmp(v, "all", 3);
		return 0;
	}
	if (word_is(line, n, "sshd", &v, &vn))
		return text_copy(v, vn, &a->sshd);
	if (word_is(line, n, "account", &v, &vn)) {
		char name[64];
		unsigned long uid, gid;
		const char *ids;
		size_t ids_len;
		if (!split_word(v, vn, name, sizeof(name), &ids, &ids_len))
			return ERR_FORMAT;
		const char *sp2 = memchr(ids, ' ', ids_len);
		if (!sp2 || ulong_of(ids, (size_t)(sp2 - ids), &uid) < 0 ||
		    ulong_of(sp2 + 1, ids_len - (size_t)(sp2 + 1 - ids), &gid) < 0)
			return ERR_FORMAT;
		struct scan_account *acc =
			array_append(&a->accounts, &a->n_accounts, sizeof(*acc), SCAN_ACCOUNTS_MAX);
		if (!acc)
			return -ENOMEM;
		acc->uid = uid;
		acc->gid = gid;
		acc->expire_day = -1;
		p->account = acc;
		p->file = NULL;
		p->private_file = NULL;
		return text_copy(name, strlen(name), &acc->name);
	}
	if (word_is(line, n, "log-source", &v, &vn))
		return text_copy(v, vn, &a->log_source);
	if (word_is(line, n, "used", &v, &vn))
		return ulong_of(v, vn, &p->pending_count);
	if (word_is(line, n, "line", &v, &vn)) {
		if (p->pending_count == 0)
			return ERR_FORMAT;
		struct scan_login *l =
			array_append(&a->logins, &a->n_logins, sizeof(*l), SCAN_LOGINS_MAX);
		if (!l)
			return -ENOMEM;
		l->count = p->pending_count;
		p->pending_count = 0;
		/* a log line may hold a NUL byte: cut there */
		return text_copy(v, strnlen(v, vn), &l->line);
	}
	return ERR_FORMAT;
}

int scan_answer_parse(const char *text, size_t len, const char *token, struct scan_answer *ret)
{
	struct scan_answer a = {0};
	struct parse p = {.text = text, .len = len, .token = token, .a = &a};
	const char *line;
	size_t n;
	bool end = false, started = false;
	int r = 0;
	if (!token || strlen(token) < 16)
		return ERR_FORMAT;
	line_iter_init(&p.it, text, len);
	while (r == 0 && !end && line_iter_next(&p.it, &line, &n, NULL)) {
		if (!started) {
			/* the first line names the helper */
			if (n != 6 || memcmp(line, "scan 1", 6))
				r = ERR_FORMAT;
			started = true;
			continue;
		}
		r = p.account ? account_line(&p, line, n) : top_line(&p, line, n, &end);
	}
	if (r == 0 && (!end || p.account))
		r = ERR_FORMAT;
	if (r == 0)
		for (size_t i = 0; i < a.n_accounts && r == 0; i++)
			if (!a.accounts[i].home || !a.accounts[i].shell)
				r = ERR_FORMAT;
	if (r < 0) {
		scan_answer_clear(&a);
		return r;
	}
	*ret = a;
	return 0;
}

const char *scan_server_name(const struct remote_session *s)
{
	struct server_kind kind;
	server_kind_of(s, &kind);
	switch (kind.software) {
	case SERVER_OPENSSH:
		return "openssh";
	case SERVER_DROPBEAR:
		return "dropbear";
	case SERVER_TINYSSH:
		return "tinysshd";
	default:
		return "other";
	}
}

static bool answer_complete(const struct dynbuf *out, void *arg)
{
	(void)arg;
	return out->len >= 9 && !memcmp(out->data + out->len - 9, "end-scan\n", 9);
}

int scan_remote_read(struct remote_session *s, const struct root_runner *root,
		     enum scan_scope scope, bool logs, bool run_keys_command,
		     const char *connection, struct dynbuf *out, struct scan_answer *ret,
		     struct diag *d)
{
	static const char *const scopes[] = {"auto", "self", "all"};
	struct remote_process *process = NULL;
	struct dynbuf in, err;
	char token[40];
	int status = -1;
	dynbuf_init(&in, 4096);
	dynbuf_init(&err, 64 * 1024);
	int r = remote_random_token(token, sizeof(token));
	if (r == 0)
		r = dynbuf_printf(&in, "%s\n%s\n%s\n%s\n%s\n%s\n", token, scopes[scope],
				  logs ? "logs" : "nologs", connection,
				  run_keys_command ? "keyscmd" : "nokeyscmd", scan_server_name(s));
	if (r == 0)
		r = root_runner_run(s, root, helper_scan_sh, &in, out, &err, answer_complete, NULL,
				    &process, d);
	if (r == 0 && (r = remote_process_finish(process, &status, d)) == 0 && status != 0) {
		const char *text = out->len ? (const char *)out->data : "";
		const char *e = strstr(text, "\nerror ");
		const char *why = err.len ? (const char *)err.data : "";
		if (e)
			diag_set(d, "on the server: %.*s", (int)strcspn(e + 7, "\n"), e + 7);
		else if (strncmp(text, "scan 1\n", 7) != 0)
			diag_set(d, "the account cannot run commands (status %d%s%.*s)", status,
				 *why ? ": " : "", (int)strcspn(why, "\r\n"), why);
		else
			diag_set(d, "the scan helper failed on the server (status %d)", status);
		r = e || !strncmp(text, "scan 1\n", 7) ? ERR_REMOTE : ERR_NO_SHELL;
	}
	if (r == 0 && !answer_complete(out, NULL))
		r = ERR_FORMAT;
	if (r == 0)
		r = scan_answer_parse((const char *)out->data, out->len, token, ret);
	if (r == ERR_FORMAT && !d->text[0])
		diag_set(d, "unexpected answer from the server's scan helper");
	remote_process_free(process);
	dynbuf_free(&in);
	dynbuf_free(&err);
	return r;
}
