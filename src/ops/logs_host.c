#include "ops/logs_host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/number.h"
#include "ops/log_stream.h"
#include "ops/login.h"
#include "remote/helper_scripts.h"
#include "remote/root_runner.h"
#include "remote/scan_remote.h"

#define HEADER_MAX       4096
#define ANSWER_START_MAX (32 * 1024 * 1024) /* the header and what came with it */

void logs_result_init(struct logs_result *res)
{
	memset(res, 0, sizeof(*res));
	log_report_init(&res->report, 0);
}

void logs_result_clear(struct logs_result *res)
{
	log_report_clear(&res->report);
	memset(res, 0, sizeof(*res));
}

/* line[len] is "WORD VALUE": VALUE copied into buf (a word of printable ASCII) */
static bool value_of(const char *line, size_t len, const char *word, char *buf, size_t size)
{
	size_t w = strlen(word);
	if (len <= w + 1 || memcmp(line, word, w) || line[w] != ' ' || len - w - 1 >= size)
		return false;
	for (size_t i = w + 1; i < len; i++)
		if (line[i] <= ' ' || line[i] > '~')
			return false;
	memcpy(buf, line + w + 1, len - w - 1);
	buf[len - w - 1] = 0;
	return true;
}

int logs_header_parse(const char *text, size_t len, const char *token, struct logs_result *res,
		      size_t *ret_len)
{
	size_t pos = 0, lineno = 0;
	char value[128];
	bool source = false, format = false;
	*ret_len = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		if (!nl)
			break;
		const char *line = text + pos;
		size_t n = (size_t)(nl - line);
		pos += n + 1;
		if (lineno++ == 0) {
			if (n != 6 || memcmp(line, "logs 1", 6))
				return ERR_FORMAT;
			continue;
		}
		if (n == strlen(token) && !memcmp(line, token, n)) {
			if (!source || !format)
				return ERR_FORMAT;
			*ret_len = pos;
			return 0;
		}
		long uid;
		if (value_of(line, n, "uid", value, sizeof(value))) {
			if (number_parse(value, 0, 4294967295L, &uid) < 0)
				return ERR_FORMAT;
			res->uid = (unsigned long)uid;
		} else if (value_of(line, n, "harden", value, sizeof(value))) {
			if (strcmp(value, "none") && strcmp(value, "unreadable") &&
			    !log_report_harden_dir_time(value))
				return ERR_FORMAT;
			snprintf(res->harden_dir, sizeof(res->harden_dir), "%s", value);
		} else if (value_of(line, n, "source", value, sizeof(value)) ||
			   (n > 18 && !memcmp(line, "source unreadable ", 18) &&
			    value_of(line + 7, n - 7, "unreadable", value, sizeof(value)) &&
			    snprintf(res->source, sizeof(res->source), "unreadable %s", value) >
				    0)) {
			if (strncmp(res->source, "unreadable ", 11))
				snprintf(res->source, sizeof(res->source), "%s", value);
			source = true;
		} else if (value_of(line, n, "format", value, sizeof(value)) &&
			   (!strcmp(value, "gzip") || !strcmp(value, "plain"))) {
			format = true;
		} else {
			return ERR_FORMAT;
		}
	}
	return pos > HEADER_MAX || len > HEADER_MAX * 4 ? ERR_FORMAT : 0;
}

static bool header_complete(const struct dynbuf *out, void *arg)
{
	const char *token = arg;
	size_t n = 0;
	struct logs_result scratch = {0};
	/* whole, or never going to be: either way the wait is over */
	return logs_header_parse(out->len ? (const char *)out->data : "", out->len, token, &scratch,
				 &n) < 0 ||
	       n > 0;
}

static int push(const uint8_t *data, size_t len, void *arg)
{
	return log_stream_push(arg, data, len);
}

static void finish(struct logs_result *res, enum logs_outcome outcome, int r)
{
	res->outcome = outcome;
	res->error = r < 0 ? r : 0;
	if (r < 0 && !res->diag.text[0])
		diag_set(&res->diag, "%s", error_to_string(r));
}

void logs_host(const struct target *t, const struct logs_request *req, struct logs_result *res)
{
	struct remote_session *s = NULL;
	struct remote_process *p = NULL;
	struct root_runner root;
	bool have_root = false;
	struct dynbuf in, out, err;
	char token[40], name[300];
	struct log_stream ls;
	bool streaming = false;
	size_t header_len = 0;
	int status = 0;
	dynbuf_init(&in, 4096);
	dynbuf_init(&out, ANSWER_START_MAX);
	dynbuf_init(&err, 64 * 1024);
	res->report.now = req->now;
	res->report.since = req->since;
	int r = login_for_work_keys(t, req->connect, req->keys, req->n_keys, req->password, &s,
				    NULL, &res->diag);
	if (r < 0) {
		finish(res, r == ERR_CONNECT || r == ERR_TIMEOUT ? LOGS_UNREACHABLE : LOGS_FAILED,
		       r);
		goto out;
	}
	/* the lines read are OpenSSH's: another server's log would be read as silence */
	const char *server = scan_server_name(s);
	if (strcmp(server, "openssh")) {
		diag_set(&res->diag,
			 "the server is %s: sshkeyctl reads OpenSSH's log lines only, and says "
			 "nothing rather than count none",
			 !strcmp(server, "dropbear")   ? "Dropbear"
			 : !strcmp(server, "tinysshd") ? "tinysshd"
						       : "not OpenSSH");
		finish(res, LOGS_NO_LOG, 0);
		goto out;
	}
	/* root when the account is, or sudo lets it; else the account's own rights */
	struct diag why = {{0}};
	r = root_runner_open(s, req->password, &root, &why);
	if (r == ERR_CONNECT || r == ERR_TIMEOUT || r == ERR_NO_SHELL) {
		res->diag = why;
		finish(res, LOGS_FAILED, r);
		goto out;
	}
	have_root = r == 0;
	res->as_root = have_root;
	if (!have_root)
		res->root_why = why;
	if ((r = remote_random_token(token, sizeof(token))) < 0 ||
	    (r = dynbuf_printf(&in, "%s\n%s\n%s\n%lld\n", token,
			       req->rotated ? "rotated" : "current",
			       req->since_harden ? "harden" : "-",
			       req->since_harden ? 0LL : req->since)) < 0) {
		finish(res, LOGS_FAILED, r);
		goto out;
	}
	r = root_runner_run(s, have_root ? &root : NULL, helper_logs_sh, &in, &out, &err,
			    header_complete, token, &p, &res->diag);
	if (r == 0)
		r = logs_header_parse(out.len ? (const char *)out.data : "", out.len, token, res,
				      &header_len);
	if (r == 0 && !header_len) {
		/* it ended without a header: a shell that runs nothing, or no sh */
		int st = 0;
		if (remote_process_finish(p, &st, &res->diag) == 0)
			diag_set(&res->diag,
				 "the log reader did not run on the server (status %d%s%.*s)", st,
				 err.len ? ": " : "",
				 (int)strcspn(err.len ? (const char *)err.data : "", "\r\n"),
				 err.len ? (const char *)err.data : "");
		r = ERR_REMOTE;
	}
	if (r < 0) {
		if (r == ERR_FORMAT && !res->diag.text[0])
			diag_set(&res->diag, "unexpected answer from the server's log reader");
		finish(res, LOGS_FAILED, r);
		goto out;
	}
	if (req->since_harden) {
		if (!strcmp(res->harden_dir, "none") || !res->harden_dir[0]) {
			diag_set(&res->diag, "no harden has completed on this host (%s)",
				 "/var/lib/sshkeyctl/harden");
			finish(res, LOGS_FAILED, -ENOENT);
			goto out;
		}
		if (!strcmp(res->harden_dir, "unreadable")) {
			diag_set(&res->diag,
				 "harden's record (/var/lib/sshkeyctl/harden) is root's, and root "
				 "is out of reach: %s",
				 res->root_why.text);
			finish(res, LOGS_FAILED, ERR_NO_ROOT);
			goto out;
		}
		res->report.since = log_report_harden_dir_time(res->harden_dir);
	}
	if (!strcmp(res->source, "none")) {
		diag_set(&res->diag,
			 "no sshd log here (no /var/log/auth.log or secure, no journal)");
		finish(res, LOGS_NO_LOG, 0);
		goto out;
	}
	if (!strncmp(res->source, "unreadable ", 11)) {
		diag_set(&res->diag, "%s cannot be read by %s, and root is out of reach: %s",
			 res->source + 11, remote_user(s), res->root_why.text);
		finish(res, LOGS_NO_LOG, ERR_NO_ROOT);
		goto out;
	}
	/* the bytes after the header, then the rest as it comes */
	snprintf(name, sizeof(name), "%s:%s", t->spec, res->source);
	if ((r = log_stream_begin(&ls, &res->report, name)) == 0) {
		streaming = true;
		r = log_stream_push(&ls, out.data + header_len, out.len - header_len);
	}
	dynbuf_reset(&out);
	if (r == 0)
		r = remote_process_stream(p, push, &ls, &res->diag);
	if (r == 0)
		r = log_stream_end(&ls);
	if (r == 0 && (r = remote_process_finish(p, &status, &res->diag)) == 0 && status) {
		char what[300];
		snprintf(what, sizeof(what), "the server's log reader ended with status %d%s%.*s",
			 status, err.len ? ": " : "",
			 (int)strcspn(err.len ? (const char *)err.data : "", "\r\n"),
			 err.len ? (const char *)err.data : "");
		r = log_report_note(&res->report, name, 0, what);
	}
	if (r < 0) {
		finish(res, LOGS_FAILED, r);
		goto out;
	}
	if ((r = log_report_undated_note(&res->report, name)) < 0) {
		finish(res, LOGS_FAILED, r);
		goto out;
	}
	finish(res, res->report.n_notes || res->report.notes_left_out ? LOGS_INCOMPLETE : LOGS_READ,
	       0);
out:
	if (streaming)
		log_stream_clear(&ls);
	remote_process_free(p);
	if (have_root)
		root_runner_clear(&root);
	remote_session_free(s);
	dynbuf_free(&in);
	dynbuf_free(&out);
	dynbuf_free(&err);
}
