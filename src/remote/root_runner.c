#include "remote/root_runner.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/text_lines.h"
#include "remote/helper_scripts.h"

#define SUDO_WITH_PASSWORD "sudo -k -S -p '' "

/* Run helper_probe_sh as the login user: uid, connection, and sudo's state. */
static int probe(struct remote_session *s, struct dynbuf *out, struct diag *d)
{
	struct dynbuf err;
	dynbuf_init(&err, 64 * 1024);
	struct remote_process *p = NULL;
	int status = 0;
	int r = remote_process_start_script(s, helper_probe_sh, out, &err, &p, d);
	if (r == 0)
		r = remote_process_finish(p, &status, d);
	if (r == 0 && (status != 0 || dynbuf_append(out, "", 1) < 0 ||
		       strncmp((const char *)out->data, "uid ", 4) != 0)) {
		/* the shell's own words say why (nologin's notice, a restricted shell) */
		const char *said = remote_process_preface(p);
		said += strspn(said, " \t\r\n");
		if (!*said && err.len && dynbuf_append(&err, "", 1) == 0)
			said = (const char *)err.data;
		diag_set(d,
			 "cannot run commands on the server (the login shell ended, status "
			 "%d%s%.*s)",
			 status, *said ? ": " : "", (int)strcspn(said, "\r\n"), said);
		r = ERR_NO_SHELL;
	}
	if (p)
		remote_process_free(p);
	dynbuf_free(&err);
	return r;
}

/* The password, checked with sudo alone before the helper starts. */
static int sudo_password(struct remote_session *s, const struct password_source *password,
			 char **ret, struct diag *d)
{
	char *pw = NULL;
	int got = password ? password->get(remote_user(s), remote_label(s), PASSWORD_FOR_SUDO, &pw,
					   password->data)
			   : -ENOENT;
	if (got == ERR_PASSWORD_WITHHELD) {
		diag_set(d, "%s: not sent to this host: %s", remote_user(s), error_to_string(got));
		return ERR_PASSWORD_WITHHELD;
	}
	if (got < 0) {
		diag_set(d,
			 "%s: sudo needs the login password (--sudo-password-file FILE, "
			 "--password-file FILE, or a terminal)",
			 remote_user(s));
		return ERR_NO_ROOT;
	}
	struct dynbuf out, err;
	dynbuf_init(&out, 64 * 1024);
	dynbuf_init(&err, 64 * 1024);
	struct remote_process *p = NULL;
	int status = 0;
	size_t pwlen = strlen(pw);
	int r = remote_process_start(s, "exec sudo -k -S -p '' true", &out, &err, &p, d);
	if (r == 0 && (r = remote_process_write(p, pw, pwlen, d)) == 0 &&
	    (r = remote_process_write(p, "\n", 1, d)) == 0)
		r = remote_process_finish(p, &status, d);
	remote_process_free(p);
	if (password->verdict)
		password->verdict(remote_user(s), remote_label(s),
				  r < 0         ? PASSWORD_UNTRIED
				  : status == 0 ? PASSWORD_ACCEPTED
				  : err.len && strstr((const char *)err.data, "incorrect password")
					  ? PASSWORD_REFUSED
					  : PASSWORD_UNTRIED,
				  password->data);
	if (r == 0 && status != 0) {
		const char *e = err.len ? (const char *)err.data : "";
		/* sudo's own words: wrong password, or not allowed at all */
		const char *last = e;
		for (const char *q = e; (q = strchr(q, '\n')) && q[1]; q++)
			last = q + 1;
		diag_set(d, "sudo refused %s: %.*s", remote_user(s), (int)strcspn(last, "\n"),
			 *last ? last : "no reason given");
		r = ERR_NO_ROOT;
	}
	dynbuf_free(&out);
	dynbuf_free(&err);
	if (r < 0) {
		secret_string_free(pw);
		return r;
	}
	*ret = pw;
	return 0;
}

void root_runner_probe_value(const struct root_runner *r, const char *key, char *buf, size_t len)
{
	const char *text = r->probe.len ? (const char *)r->probe.data : "";
	keyword_values(text, strlen(text), key, false, buf, len);
}

void root_runner_as_root(struct root_runner *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->runner = "";
	dynbuf_init(&ret->probe, 64 * 1024);
}

int root_runner_open(struct remote_session *s, const struct password_source *password,
		     struct root_runner *ret, struct diag *d)
{
	struct root_runner rr = {.runner = ""};
	char value[256];
	dynbuf_init(&rr.probe, 64 * 1024);
	int r = probe(s, &rr.probe, d);
	if (r == 0) {
		root_runner_probe_value(&rr, "uid", value, sizeof(value));
		if (strcmp(value, "0") != 0) {
			rr.via_sudo = true;
			root_runner_probe_value(&rr, "sudo", value, sizeof(value));
			if (strcmp(value, "nopasswd") == 0) {
				rr.runner = ROOT_RUNNER_SUDO_NO_PASSWORD;
			} else if (strcmp(value, "password") == 0) {
				/* -k: never a cached credential, so sudo always reads the
				 * password line and it can never reach the shell */
				if ((r = sudo_password(s, password, &rr.password, d)) == 0)
					rr.runner = SUDO_WITH_PASSWORD;
			} else {
				diag_set(d, "%s is not root and the server has no sudo",
					 remote_user(s));
				r = ERR_NO_ROOT;
			}
		}
	}
	if (r < 0) {
		root_runner_clear(&rr);
		return r;
	}
	*ret = rr;
	return 0;
}

int root_runner_needs_password(struct remote_session *s, bool *ret_needs, struct diag *d)
{
	struct root_runner rr = {.runner = ""};
	char uid[32], sudo[32];
	dynbuf_init(&rr.probe, 64 * 1024);
	int r = probe(s, &rr.probe, d);
	if (r == 0) {
		root_runner_probe_value(&rr, "uid", uid, sizeof(uid));
		root_runner_probe_value(&rr, "sudo", sudo, sizeof(sudo));
		*ret_needs = strcmp(uid, "0") != 0 && strcmp(sudo, "password") == 0;
	}
	dynbuf_free(&rr.probe);
	return r;
}

void root_runner_clear(struct root_runner *r)
{
	secret_string_free(r->password);
	dynbuf_free(&r->probe);
	memset(r, 0, sizeof(*r));
}

int root_runner_start(struct remote_session *s, const struct root_runner *root, const char *runner,
		      const char *script, struct dynbuf *out, struct dynbuf *err,
		      struct remote_process **ret, struct diag *d)
{
	char marker[40];
	struct dynbuf line;
	bool with_password = root && root->password && !strcmp(runner, SUDO_WITH_PASSWORD);
	dynbuf_init(&line, 4096);
	int r = remote_random_token(marker, sizeof(marker));
	if (r == 0 && with_password)
		r = dynbuf_printf(&line, "%s\n", root->password);
	if (r == 0)
		r = remote_process_start_script_as(s, runner, line.data, line.len, marker, script,
						   out, err, ret, d);
	dynbuf_free(&line); /* wiped: dynbuf_free clears what it held */
	return r;
}

int root_runner_run(struct remote_session *s, const struct root_runner *root, const char *script,
		    const struct dynbuf *in, struct dynbuf *out, struct dynbuf *err,
		    bool (*complete)(const struct dynbuf *out, void *arg), void *arg,
		    struct remote_process **ret, struct diag *d)
{
	const char *runner = root ? root->runner : NULL;
	int r = 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		r = runner ? root_runner_start(s, root, runner, script, out, err, ret, d)
			   : remote_process_start_script(s, script, out, err, ret, d);
		if (r == 0 && (r = remote_process_write(*ret, in->data, in->len, d)) == 0)
			r = remote_process_read_until(*ret, complete, arg, d);
		if (attempt == 0 && root && root->password &&
		    root_runner_ended_unmarked(*ret, out)) {
			remote_process_free(*ret);
			*ret = NULL;
			dynbuf_reset(err);
			d->text[0] = 0;
			runner = ROOT_RUNNER_SUDO_NO_PASSWORD;
			continue;
		}
		break;
	}
	return r;
}

bool root_runner_ended_unmarked(struct remote_process *p, const struct dynbuf *out)
{
	struct diag ignored = {{0}};
	int status = -1;
	return p && out->len == 0 && remote_process_finish(p, &status, &ignored) == 0 &&
	       status == REMOTE_SCRIPT_MARKER_MISSING;
}
