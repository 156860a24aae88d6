#include "remote/server_admin.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/number.h"
#include "base/text_lines.h"
#include "base/posix_cksum.h"
#include "files/sshd_config.h"
#include "remote/helper_scripts.h"
#include "remote/root_runner.h"

struct server_admin {
	struct remote_session *session;
	struct remote_process *process;
	struct dynbuf out, err;
	char token[40];
	size_t answer_start;
	struct server_admin_info info;
	char *dir; /* the transaction's backup directory */
};

const struct server_admin_info *server_admin_info(const struct server_admin *a)
{
	return &a->info;
}

const char *server_admin_backup_dir(const struct server_admin *a)
{
	return a->dir;
}

void server_admin_close(struct server_admin *a)
{
	if (!a)
		return;
	remote_process_free(a->process);
	dynbuf_free(&a->out);
	dynbuf_free(&a->err);
	free(a->dir);
	free(a);
}

/* Where "\n" TOKEN " " STATUS "\n" ends the answer that starts at from, or NULL. */
static const char *answer_end(const struct server_admin *a, const struct dynbuf *out,
			      int *ret_status, size_t *ret_body_len)
{
	if (!out->data)
		return NULL; /* nothing yet */
	char pattern[64];
	int n = snprintf(pattern, sizeof(pattern), "\n%s ", a->token);
	const char *data = (const char *)out->data + a->answer_start;
	size_t len = out->len - a->answer_start;
	const char *at = memmem(data, len, pattern, (size_t)n);
	if (!at)
		return NULL;
	const char *num = at + n;
	const char *nl = memchr(num, '\n', len - (size_t)(num - data));
	if (!nl)
		return NULL;
	long status = -1;
	if (number_parse_prefix(num, 0, 255, &status, NULL) < 0)
		return NULL;
	if (ret_status)
		*ret_status = (int)status;
	if (ret_body_len)
		*ret_body_len = (size_t)(at - data);
	return nl + 1;
}

static bool answer_complete(const struct dynbuf *out, void *arg)
{
	return answer_end(arg, out, NULL, NULL) != NULL;
}

/* Send one request (a line, then data), wait for its answer: the body into body (when not
 * NULL), the helper's status into *ret_status. */
static int request(struct server_admin *a, const char *line, const void *data, size_t len,
		   struct dynbuf *body, int *ret_status, struct diag *d)
{
	int r = 0;
	if (strchr(line, '\n'))
		return -EINVAL;
	a->answer_start = a->out.len;
	if (line[0] && ((r = remote_process_write(a->process, line, strlen(line), d)) < 0 ||
			(r = remote_process_write(a->process, "\n", 1, d)) < 0 ||
			(len && (r = remote_process_write(a->process, data, len, d)) < 0)))
		return r;
	if ((r = remote_process_read_until(a->process, answer_complete, a, d)) < 0)
		return r;
	int status;
	size_t body_len;
	if (!answer_end(a, &a->out, &status, &body_len)) {
		const char *e = a->err.len ? (const char *)a->err.data : "";
		diag_set(d, "the root helper on the server stopped%s%.*s", *e ? ": " : "",
			 (int)strcspn(e, "\n"), e);
		return ERR_REMOTE;
	}
	if (body) {
		dynbuf_reset(body);
		r = dynbuf_append(body, (const char *)a->out.data + a->answer_start, body_len);
	}
	*ret_status = status;
	/* what is answered is not needed again */
	dynbuf_reset(&a->out);
	a->answer_start = 0;
	return r;
}

static int config_read(const char *path, struct dynbuf *out, void *arg)
{
	struct diag d;
	return server_admin_read(arg, path, out, &d);
}

static int config_glob(const char *pattern, char ***ret_paths, size_t *ret_n, void *arg)
{
	struct diag d;
	return server_admin_glob(arg, pattern, ret_paths, ret_n, &d);
}

int server_admin_sshd_config(struct server_admin *a, struct sshd_config **ret, char *err,
			     size_t err_len)
{
	struct sshd_config_source src = {config_read, config_glob, a};
	return sshd_config_load(&src, a->info.config, ret, err, err_len);
}

/* A request that must succeed (status 0). */
static int request_ok(struct server_admin *a, const char *line, const void *data, size_t len,
		      struct dynbuf *body, const char *what, struct diag *d)
{
	struct dynbuf own;
	dynbuf_init(&own, 1024 * 1024);
	struct dynbuf *b = body ? body : &own;
	int status = 0;
	int r = request(a, line, data, len, b, &status, d);
	if (r == 0 && status != 0) {
		diag_set(d, "%s failed on the server%s%.*s", what, b->len ? ": " : "",
			 (int)strcspn(b->len ? (const char *)b->data : "", "\n"),
			 b->len ? (const char *)b->data : "");
		r = status == 3 ? ERR_CHANGED_UNDER_US : ERR_REMOTE;
	}
	dynbuf_free(&own);
	return r;
}

/* "key value" line of text (the value up to the end of the line), copied into buf. */
/* The first "key value" line's value in a NUL-terminated answer. */
static void line_value(const char *text, const char *key, char *buf, size_t len)
{
	keyword_values(text, strlen(text), key, false, buf, len);
}

/* The root helper, started as root (root: with sudo's password when it needs one; NULL:
 * runner alone), then the helper's own lines. */
static int start_helper(struct server_admin *a, const struct root_runner *root, const char *runner,
			const struct dynbuf *lines, struct diag *d)
{
	remote_process_free(a->process);
	a->process = NULL;
	dynbuf_reset(&a->out);
	dynbuf_reset(&a->err);
	int r = root_runner_start(a->session, root, runner, helper_server_admin_sh, &a->out,
				  &a->err, &a->process, d);
	if (r == 0)
		r = remote_process_write(a->process, lines->data, lines->len, d);
	return r;
}

/* Did the helper end at once, because its first line was not the marker? */
static bool helper_ended_unmarked(struct server_admin *a)
{
	struct diag ignored = {{0}};
	int status = -1;
	return a->process && a->out.len == 0 &&
	       remote_process_finish(a->process, &status, &ignored) == 0 &&
	       status == REMOTE_SCRIPT_MARKER_MISSING;
}

int server_admin_open(struct remote_session *s, const struct password_source *password,
		      struct server_admin **ret, struct diag *d)
{
	struct server_admin *a = calloc(1, sizeof(*a));
	struct dynbuf lines;
	dynbuf_init(&lines, 4096);
	struct root_runner root = {0};
	int r = a ? 0 : -ENOMEM;
	if (r == 0) {
		a->session = s;
		dynbuf_init(&a->out, 16 * 1024 * 1024);
		dynbuf_init(&a->err, 1024 * 1024);
		r = root_runner_open(s, password, &root, d);
	}
	if (r < 0)
		goto out;
	a->info.via_sudo = root.via_sudo;
	char connection[256], value[256];
	const char *text;
	root_runner_probe_value(&root, "connection", connection, sizeof(connection));
	char caddr[64] = "127.0.0.1", cport[16], laddr[64] = "127.0.0.1", lport[16] = "22";
	if (sscanf(connection, "%63s %15s %63s %15s", caddr, cport, laddr, lport) < 4) {
		snprintf(caddr, sizeof(caddr), "127.0.0.1");
		snprintf(laddr, sizeof(laddr), "127.0.0.1");
		snprintf(lport, sizeof(lport), "22");
	}
	snprintf(a->info.client_addr, sizeof(a->info.client_addr), "%s", caddr);
	snprintf(a->info.local_addr, sizeof(a->info.local_addr), "%s", laddr);
	snprintf(a->info.local_port, sizeof(a->info.local_port), "%s", lport);
	if ((r = remote_random_token(a->token, sizeof(a->token))) < 0 ||
	    (r = dynbuf_printf(&lines, "%s\n%s %s %s\n", a->token, caddr, laddr, lport)) < 0)
		goto out;
	struct dynbuf info;
	dynbuf_init(&info, 64 * 1024);
	int status = 0;
	if ((r = start_helper(a, &root, root.runner, &lines, d)) == 0)
		r = request(a, "", NULL, 0, &info, &status, d);
	if (r < 0 && root.password && helper_ended_unmarked(a)) {
		/* sudo read no password for sh (sudoers lets sh run without one): sh read the
		 * password line as data, found no marker and ran nothing. Again, without it. */
		d->text[0] = 0;
		if ((r = start_helper(a, NULL, ROOT_RUNNER_SUDO_NO_PASSWORD, &lines, d)) == 0)
			r = request(a, "", NULL, 0, &info, &status, d);
	}
	if (r == 0 && status != 0) {
		diag_set(d, "the root helper failed on the server");
		r = ERR_REMOTE;
	}
	if (r == 0 && (r = dynbuf_append(&info, "", 1)) == 0) {
		text = (const char *)info.data;
		line_value(text, "sshd", a->info.sshd, sizeof(a->info.sshd));
		line_value(text, "config", a->info.config, sizeof(a->info.config));
		line_value(text, "pid", value, sizeof(value));
		long pid = 0;
		a->info.listener_pid = number_parse(value, 1, INT_MAX, &pid) == 0 ? pid : 0;
		line_value(text, "unit", a->info.unit, sizeof(a->info.unit));
	}
	dynbuf_free(&info);
out:
	root_runner_clear(&root);
	dynbuf_free(&lines);
	if (r < 0) {
		server_admin_close(a);
		return r;
	}
	*ret = a;
	return 0;
}

/* request line "VERB ARG": ARG must not hold a newline (paths with one are refused). */
static int verb_line(char *buf, size_t len, const char *verb, const char *arg)
{
	if (strchr(arg, '\n'))
		return -EINVAL;
	if (snprintf(buf, len, "%s %s", verb, arg) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

int server_admin_read(struct server_admin *a, const char *path, struct dynbuf *out, struct diag *d)
{
	char line[4200];
	int status = 0;
	int r = verb_line(line, sizeof(line), "read", path);
	if (r == 0)
		r = request(a, line, NULL, 0, out, &status, d);
	if (r == 0 && status == 2)
		return -ENOENT;
	if (r == 0 && status != 0) {
		diag_set(d, "cannot read %s on the server", path);
		return ERR_REMOTE;
	}
	return r;
}

static int compare_paths(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The last non-empty line of an answer, into buf. */
static void last_line(const struct dynbuf *body, char *buf, size_t len)
{
	const char *t = body->len ? (const char *)body->data : "";
	size_t end = body->len;
	while (end && t[end - 1] == '\n')
		end--;
	size_t start = end;
	while (start && t[start - 1] != '\n')
		start--;
	snprintf(buf, len, "%.*s", (int)(end - start), t + start);
}

/* body's lines (NUL-terminated text), those keep accepts (NULL: all), strdup'd. */
static int lines_to_strings(char *text, bool (*keep)(const char *line), char ***ret, size_t *ret_n)
{
	char **list = NULL;
	size_t n = 0;
	int r = 0;
	for (char *p = text; p && *p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		if (!keep || keep(p)) {
			char **grown = realloc(list, (n + 1) * sizeof(*list));
			if (!grown || !(grown[n] = strdup(p))) {
				list = grown ? grown : list;
				r = -ENOMEM;
				break;
			}
			list = grown;
			n++;
		}
		p = nl ? nl + 1 : NULL;
	}
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			free(list[i]);
		free(list);
		return r;
	}
	*ret = list;
	*ret_n = n;
	return 0;
}

int server_admin_glob(struct server_admin *a, const char *pattern, char ***ret_paths, size_t *ret_n,
		      struct diag *d)
{
	char line[4200];
	struct dynbuf body;
	dynbuf_init(&body, 1024 * 1024);
	char **paths = NULL;
	size_t n = 0;
	int r = verb_line(line, sizeof(line), "glob", pattern);
	if (r == 0)
		r = request_ok(a, line, NULL, 0, &body, "glob", d);
	if (r == 0)
		r = dynbuf_append(&body, "", 1);
	if (r == 0)
		r = lines_to_strings((char *)body.data, NULL, &paths, &n);
	dynbuf_free(&body);
	if (r < 0)
		return r;
	if (n)
		qsort(paths, n, sizeof(*paths), compare_paths);
	*ret_paths = paths;
	*ret_n = n;
	return 0;
}

int server_admin_sshd_test(struct server_admin *a, int *ret_status, struct dynbuf *out,
			   struct diag *d)
{
	return request(a, "test", NULL, 0, out, ret_status, d);
}

int server_admin_sshd_effective(struct server_admin *a, const char *user, struct dynbuf *out,
				struct diag *d)
{
	char line[512];
	int r = strpbrk(user, ", \t") ? -EINVAL : verb_line(line, sizeof(line), "effective", user);
	return r < 0 ? r : request_ok(a, line, NULL, 0, out, "sshd -T", d);
}

int server_admin_password_accounts(struct server_admin *a, struct dynbuf *out, struct diag *d)
{
	return request_ok(a, "accounts", NULL, 0, out, "reading the accounts", d);
}

int server_admin_nonempty(struct server_admin *a, const char *path, bool *ret, struct diag *d)
{
	char line[4200];
	int status = 0;
	int r = verb_line(line, sizeof(line), "nonempty", path);
	if (r == 0 && (r = request(a, line, NULL, 0, NULL, &status, d)) == 0)
		*ret = status == 0;
	return r;
}

int server_admin_lock(struct server_admin *a, struct dynbuf *ret_recovered, struct diag *d)
{
	struct dynbuf body;
	int status = 0;
	dynbuf_init(&body, 64 * 1024);
	int r = request(a, "lock", NULL, 0, &body, &status, d);
	if (r == 0 && dynbuf_append(&body, "", 1) == 0) {
		const char *text = (const char *)body.data;
		if (status == 4 && !strncmp(text, "busy ", 5)) {
			diag_set(d, "another harden run holds this server's lock (%.*s)",
				 (int)strcspn(text + 5, "\n"), text + 5);
			r = -EBUSY;
		} else if (status != 0) {
			diag_set(d, "cannot take the lock in %s: %.*s", SERVER_ADMIN_BACKUP_ROOT,
				 (int)strcspn(text, "\n"), text);
			r = ERR_REMOTE;
		}
		/* "recovered[-unreloaded] DIR" and "unrecovered DIR" lines, as they are */
		struct line_iter it;
		const char *line;
		size_t n;
		line_iter_init(&it, text, body.len - 1);
		while (r == 0 && line_iter_next(&it, &line, &n, NULL))
			if ((n > 9 && !strncmp(line, "recovered", 9)) ||
			    (n > 12 && !strncmp(line, "unrecovered ", 12)))
				r = dynbuf_printf(ret_recovered, "%.*s\n", (int)n, line);
	}
	dynbuf_free(&body);
	return r;
}

int server_admin_begin(struct server_admin *a, const char *kind, struct diag *d)
{
	char line[64];
	struct dynbuf body;
	dynbuf_init(&body, 64 * 1024);
	int r = verb_line(line, sizeof(line), "begin", kind);
	if (r == 0)
		r = request_ok(a, line, NULL, 0, &body, "making the backup directory", d);
	if (r == 0) {
		free(a->dir);
		a->dir = strndup((const char *)body.data, body.len);
		r = a->dir ? 0 : -ENOMEM;
	}
	dynbuf_free(&body);
	return r;
}

int server_admin_save(struct server_admin *a, const char *path, struct diag *d)
{
	char line[4200];
	int r = verb_line(line, sizeof(line), "save", path);
	return r < 0 ? r : request_ok(a, line, NULL, 0, NULL, "backing up a file", d);
}

/* "CKSUM_LENGTH" of content as cksum(1) prints them, or "absent". */
static void content_sum(const struct dynbuf *content, char *buf, size_t len)
{
	if (!content)
		snprintf(buf, len, "absent");
	else
		snprintf(buf, len, "%lu_%zu",
			 (unsigned long)posix_cksum(content->data, content->len), content->len);
}

static int change_file(struct server_admin *a, const char *verb, const char *path,
		       const struct dynbuf *expected, const void *content, size_t len,
		       struct diag *d)
{
	if (!a->dir)
		return -EINVAL; /* no transaction begun: nowhere to keep the backup */
	char sum[64], line[4300], arg[4200];
	content_sum(expected, sum, sizeof(sum));
	if (snprintf(arg, sizeof(arg), "%s %zu %s", sum, len, path) >= (int)sizeof(arg))
		return -ENAMETOOLONG;
	int r = verb_line(line, sizeof(line), verb, arg);
	if (r < 0)
		return r;
	r = request_ok(a, line, content, len, NULL, path, d);
	if (r == ERR_CHANGED_UNDER_US)
		diag_set(d, "%s changed on the server while we worked; nothing written", path);
	return r;
}

int server_admin_write(struct server_admin *a, const char *path, const struct dynbuf *expected,
		       const void *content, size_t len, struct diag *d)
{
	return change_file(a, "write", path, expected, content, len, d);
}

int server_admin_remove(struct server_admin *a, const char *path, const struct dynbuf *expected,
			struct diag *d)
{
	return change_file(a, "remove", path, expected, NULL, 0, d);
}

int server_admin_arm(struct server_admin *a, unsigned seconds, struct diag *d)
{
	char line[64];
	snprintf(line, sizeof(line), "arm %u", seconds);
	return request_ok(a, line, NULL, 0, NULL, "arming the dead-man", d);
}

int server_admin_reload(struct server_admin *a, char *ret_how, size_t how_len, struct diag *d)
{
	struct dynbuf body;
	dynbuf_init(&body, 64 * 1024);
	int r = request_ok(a, "reload", NULL, 0, &body, "reloading sshd", d);
	/* the last line says what was done */
	if (r == 0)
		last_line(&body, ret_how, how_len);
	dynbuf_free(&body);
	return r;
}

int server_admin_confirm(struct server_admin *a, struct diag *d)
{
	return request_ok(a, "confirm", NULL, 0, NULL, "confirming the change", d);
}

int server_admin_restore(struct server_admin *a, struct diag *d)
{
	return request_ok(a, "restore", NULL, 0, NULL, "restoring the backup", d);
}

int server_admin_account(struct server_admin *a, const char *user, struct dynbuf *out,
			 struct diag *d)
{
	char line[512];
	int status = 0;
	int r = verb_line(line, sizeof(line), "account", user);
	if (r == 0)
		r = request(a, line, NULL, 0, out, &status, d);
	if (r == 0 && status == 2)
		return -ENOENT;
	if (r == 0 && status != 0) {
		diag_set(d, "cannot read the account %s", user);
		return ERR_REMOTE;
	}
	return r;
}

int server_admin_auth_log(struct server_admin *a, unsigned seconds, struct dynbuf *out,
			  struct diag *d)
{
	char line[64];
	snprintf(line, sizeof(line), "log %u", seconds);
	int status = 0;
	return request(a, line, NULL, 0, out, &status, d);
}

void server_admin_backup_entries_free(struct server_admin_backup_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].path);
	free(e);
}

int server_admin_backup_parse(const char *text, size_t len, char **ret_dir,
			      struct server_admin_backup_entry **ret, size_t *ret_n)
{
	struct server_admin_backup_entry *entries = NULL;
	size_t n = 0;
	char *dir = NULL;
	char *copy = strndup(text, len); /* stops at a NUL: nothing after one is ours */
	int r = copy ? 0 : -ENOMEM;
	for (char *p = copy; r == 0 && p && *p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		if (strncmp(p, "dir ", 4) == 0) {
			free(dir);
			if (!(dir = strdup(p + 4)))
				r = -ENOMEM;
		} else if (strncmp(p, "entry ", 6) == 0) {
			char kind[16], state[16];
			int off = 0;
			if (sscanf(p + 6, "%15s %15s %n", kind, state, &off) == 2 && off > 0 &&
			    p[6 + off]) {
				struct server_admin_backup_entry *g =
					realloc(entries, (n + 1) * sizeof(*entries));
				if (!g) {
					r = -ENOMEM;
					break;
				}
				entries = g;
				entries[n].existed = strcmp(kind, "saved") == 0;
				entries[n].unchanged = strcmp(state, "unchanged") == 0;
				if (!(entries[n].path = strdup(p + 6 + off))) {
					r = -ENOMEM;
					break;
				}
				n++;
			}
		}
		p = nl ? nl + 1 : NULL;
	}
	free(copy);
	if (r == 0 && !dir)
		r = ERR_FORMAT;
	if (r < 0) {
		free(dir);
		server_admin_backup_entries_free(entries, n);
		return r;
	}
	*ret_dir = dir;
	*ret = entries;
	*ret_n = n;
	return 0;
}

int server_admin_latest_backup(struct server_admin *a, char **ret_dir,
			       struct server_admin_backup_entry **ret, size_t *ret_n,
			       struct diag *d)
{
	struct dynbuf body;
	dynbuf_init(&body, 1024 * 1024);
	int status = 0;
	int r = request(a, "latest", NULL, 0, &body, &status, d);
	if (r == 0 && status == 2) {
		r = -ENOENT;
		diag_set(d, "no harden backup to undo under %s", SERVER_ADMIN_BACKUP_ROOT);
	} else if (r == 0 && status != 0) {
		r = ERR_REMOTE;
		diag_set(d, "cannot read the backups under %s", SERVER_ADMIN_BACKUP_ROOT);
	}
	if (r == 0 && (r = server_admin_backup_parse(body.len ? (const char *)body.data : "",
						     body.len, ret_dir, ret, ret_n)) == ERR_FORMAT)
		diag_set(d, "the server's answer about backups was not understood");
	dynbuf_free(&body);
	return r;
}

int server_admin_backup_content(struct server_admin *a, const char *dir, size_t i,
				struct dynbuf *out, struct diag *d)
{
	char arg[4200], line[4300];
	if (strchr(dir, ' ') ||
	    snprintf(arg, sizeof(arg), "%s %zu", dir, i + 1) >= (int)sizeof(arg))
		return -EINVAL;
	int r = verb_line(line, sizeof(line), "content", arg);
	return r < 0 ? r : request_ok(a, line, NULL, 0, out, "reading the backup", d);
}

int server_admin_mark_undone(struct server_admin *a, const char *dir, struct diag *d)
{
	char line[4300];
	int r = verb_line(line, sizeof(line), "undone", dir);
	return r < 0 ? r : request_ok(a, line, NULL, 0, NULL, "marking the backup undone", d);
}

int server_admin_time(struct server_admin *a, long long *ret_time, struct diag *d)
{
	struct dynbuf body;
	dynbuf_init(&body, 1024);
	long long t = 0;
	int r = request_ok(a, "time", NULL, 0, &body, "reading the clock", d);
	if (r == 0 && (dynbuf_append(&body, "", 1) < 0 ||
		       sscanf((const char *)body.data, "%lld", &t) != 1 || t <= 0)) {
		diag_set(d, "the server's clock answered no time");
		r = ERR_REMOTE;
	}
	dynbuf_free(&body);
	if (r == 0)
		*ret_time = t;
	return r;
}

bool server_admin_account_name_ok(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > 64 || name[0] == '-' || strspn(name, "0123456789") == len)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
	       len;
}

int server_admin_group_members(struct server_admin *a, const char *group, char ***ret_names,
			       size_t *ret_n, struct diag *d)
{
	char line[256];
	struct dynbuf body;
	char **names = NULL;
	size_t n = 0;
	int status = 0;
	if (!server_admin_account_name_ok(group)) {
		diag_set(d, "not a group name sshkeyctl takes: %s", group);
		return -EINVAL;
	}
	dynbuf_init(&body, 1024 * 1024);
	snprintf(line, sizeof(line), "members %s", group);
	int r = request(a, line, NULL, 0, &body, &status, d);
	if (r == 0 && status == 2) {
		diag_set(d, "no group %s on the server", group);
		r = -ENOENT;
	}
	if (r == 0)
		r = dynbuf_append(&body, "", 1);
	if (r == 0)
		r = lines_to_strings((char *)body.data, server_admin_account_name_ok, &names, &n);
	dynbuf_free(&body);
	if (r < 0)
		return r;
	*ret_names = names;
	*ret_n = n;
	return 0;
}

int server_admin_pam_module(struct server_admin *a, char *ret_path, size_t len, struct diag *d)
{
	struct dynbuf body;
	int status = 0;
	dynbuf_init(&body, 64 * 1024);
	int r = request(a, "pam-module", NULL, 0, &body, &status, d);
	if (r == 0 && status != 0)
		r = -ENOENT;
	if (r == 0) {
		const char *t = body.len ? (const char *)body.data : "";
		snprintf(ret_path, len, "%.*s", (int)strcspn(t, "\n"), t);
	}
	dynbuf_free(&body);
	return r;
}

/* "secret-VERB ACCOUNT [ARG]", its answer's first line into buf. */
static int secret_request(struct server_admin *a, const char *verb, const char *account,
			  const char *arg, const void *data, size_t len, char *buf, size_t buf_len,
			  int *ret_status, struct diag *d)
{
	char line[512];
	struct dynbuf body;
	if (!server_admin_account_name_ok(account)) {
		diag_set(d, "not an account name sshkeyctl takes: %s", account);
		return -EINVAL;
	}
	snprintf(line, sizeof(line), "secret-%s %s%s%s", verb, account, arg ? " " : "",
		 arg ? arg : "");
	dynbuf_init(&body, 64 * 1024);
	int r = request(a, line, data, len, &body, ret_status, d);
	/* the last line: what the login shell or the dropper printed comes first */
	if (r == 0)
		last_line(&body, buf, buf_len);
	dynbuf_free(&body);
	return r;
}

int server_admin_secret_state(struct server_admin *a, const char *account,
			      struct server_admin_secret *ret, struct diag *d)
{
	char text[512];
	int status = 0;
	struct server_admin_secret s = {SECRET_NONE, 0, 0, 0, 0};
	int r = secret_request(a, "state", account, NULL, NULL, 0, text, sizeof(text), &status, d);
	if (r < 0)
		return r;
	char perms[16];
	if (status == 2 && !strcmp(text, "no-account")) {
		diag_set(d, "no account %s on the server", account);
		return -ENOENT;
	}
	if (status == 4 && !strcmp(text, "no-home"))
		s.kind = SECRET_NO_HOME;
	else if (status != 0) {
		diag_set(d, "cannot look at %s's ~/.google_authenticator: %s", account, text);
		return ERR_REMOTE;
	} else if (!strcmp(text, "link"))
		s.kind = SECRET_LINK;
	else if (!strcmp(text, "other"))
		s.kind = SECRET_OTHER;
	else if (sscanf(text, "file %15s %lu %llu %lu", perms, &s.uid, &s.size, &s.account_uid) ==
		 4) {
		s.kind = SECRET_FILE;
		static const char bits[] = "rwxrwxrwx";
		for (size_t i = 0; i < 9 && perms[i + 1]; i++)
			if (perms[i + 1] == bits[i] || (i % 3 == 2 && strchr("st", perms[i + 1])))
				s.mode |= 0400u >> i;
	} else if (strcmp(text, "none")) {
		diag_set(d, "unexpected answer about %s's secret: %s", account, text);
		return ERR_REMOTE;
	}
	*ret = s;
	return 0;
}

int server_admin_secret_create(struct server_admin *a, const char *account, const void *content,
			       size_t len, char *ret_sum, size_t sum_len, struct diag *d)
{
	char text[512], arg[32];
	int status = 0;
	snprintf(arg, sizeof(arg), "%zu", len);
	int r = secret_request(a, "create", account, arg, content, len, text, sizeof(text), &status,
			       d);
	if (r < 0)
		return r;
	if (status == 3) {
		diag_set(d, "%s has a ~/.google_authenticator already; it is kept", account);
		return -EEXIST;
	}
	if (status == 4) {
		diag_set(d, "%s has no home directory on the server", account);
		return ERR_NO_HOME;
	}
	if (status != 0 || !strchr(text, '_')) {
		diag_set(d, "cannot write %s's ~/.google_authenticator: %s", account, text);
		return ERR_REMOTE;
	}
	snprintf(ret_sum, sum_len, "%s", text);
	return 0;
}

int server_admin_secret_remove(struct server_admin *a, const char *account, const char *sum,
			       struct diag *d)
{
	char text[512];
	int status = 0;
	int r = secret_request(a, "remove", account, sum, NULL, 0, text, sizeof(text), &status, d);
	if (r == 0 && status == 3) {
		diag_set(d, "%s's ~/.google_authenticator changed since it was written; kept",
			 account);
		return ERR_CHANGED_UNDER_US;
	}
	if (r == 0 && status != 0) {
		diag_set(d, "cannot remove %s's ~/.google_authenticator: %s", account, text);
		return ERR_REMOTE;
	}
	return r;
}
