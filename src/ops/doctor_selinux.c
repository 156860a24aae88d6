/* SELinux labels on the account's authorized_keys and its directory. On an enforcing host,
 * sshd (sshd_t) may only read files of the types the policy gives ~/.ssh (ssh_home_t): a key
 * file moved in from /tmp or written by a tool that does not restore contexts keeps a type
 * sshd is denied, and the only trace is an AVC in the audit log. */
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "ops/doctor_checks.h"
#include "remote/helper_scripts.h"

/* The type is a context's third field (user:role:type:level). */
static void context_type(const char *context, size_t len, char *ret, size_t ret_len)
{
	const char *p = context, *end = context + len;
	for (int field = 0; field < 2 && p; field++) {
		p = memchr(p, ':', (size_t)(end - p));
		p = p ? p + 1 : NULL;
	}
	if (!p) {
		snprintf(ret, ret_len, "%.*s", (int)len, context);
		return;
	}
	const char *colon = memchr(p, ':', (size_t)(end - p));
	snprintf(ret, ret_len, "%.*s", (int)((colon ? colon : end) - p), p);
}

int selinux_labels_parse(const char *text, size_t len, struct selinux_labels *ret)
{
	struct selinux_labels l = {0};
	for (size_t off = 0; off < len;) {
		const char *line = text + off;
		const char *nl = memchr(line, '\n', len - off);
		size_t n = nl ? (size_t)(nl - line) : len - off;
		off += n + 1;
		if (n == 8 && memcmp(line, "disabled", 8) == 0) {
			l.enabled = false;
		} else if (n == 9 && memcmp(line, "enforce 1", 9) == 0) {
			l.enabled = l.enforcing = true;
		} else if (n == 9 && memcmp(line, "enforce 0", 9) == 0) {
			l.enabled = true;
		} else if (n == 15 && memcmp(line, "no-matchpathcon", 15) == 0) {
			l.no_matchpathcon = true;
		} else if (n > 6 && memcmp(line, "label ", 6) == 0 && l.n < SELINUX_LABELS_MAX) {
			const char *cur = line + 6, *end = line + n;
			const char *sp1 = memchr(cur, ' ', (size_t)(end - cur));
			const char *want = sp1 ? sp1 + 1 : NULL;
			const char *sp2 = want ? memchr(want, ' ', (size_t)(end - want)) : NULL;
			if (!sp2 || sp2 + 1 >= end)
				return ERR_FORMAT;
			struct selinux_label *x = &l.items[l.n++];
			context_type(cur, (size_t)(sp1 - cur), x->type, sizeof(x->type));
			context_type(want, (size_t)(sp2 - want), x->wanted_type,
				     sizeof(x->wanted_type));
			snprintf(x->path, sizeof(x->path), "%.*s", (int)(end - sp2 - 1), sp2 + 1);
		} else if (n) {
			return ERR_FORMAT;
		}
	}
	*ret = l;
	return 0;
}

void doctor_check_selinux(struct doctor *dr, struct remote_session *s,
			  const struct authorized_keys_state *st)
{
	struct dynbuf out, err, paths;
	dynbuf_init(&out, 64 * 1024);
	dynbuf_init(&err, 64 * 1024);
	dynbuf_init(&paths, 16 * 1024);
	struct remote_process *p = NULL;
	struct diag d = {{0}};
	struct selinux_labels l;
	int status = 0;
	/* the file's directory ("/" for a file at the top) */
	const char *slash = strrchr(st->path, '/');
	int dir_len = slash && slash != st->path ? (int)(slash - st->path) : 1;
	int r = dynbuf_printf(&paths, "file %s\ndir %.*s\n", st->path, dir_len, st->path);
	if (r == 0)
		r = remote_process_start_script(s, helper_selinux_labels_sh, &out, &err, &p, &d);
	if (r == 0)
		r = remote_process_write(p, paths.data, paths.len, &d);
	if (r == 0)
		r = remote_process_finish(p, &status, &d);
	if (r == 0 && status != 0)
		r = ERR_REMOTE;
	if (r == 0)
		r = selinux_labels_parse(out.len ? (const char *)out.data : "", out.len, &l);
	if (r < 0) {
		doctor_add(dr, "server: SELinux", DOCTOR_SKIP, "could not look: %s",
			   d.text[0] ? d.text : error_to_string(r));
		goto out;
	}
	if (!l.enabled) {
		doctor_add(dr, "server: SELinux", DOCTOR_PASS, "not enabled on the server");
		goto out;
	}
	if (l.no_matchpathcon) {
		doctor_add(dr, "server: SELinux", DOCTOR_SKIP,
			   "%s, but matchpathcon (selinux-utils) is not installed to tell the "
			   "labels the policy wants",
			   l.enforcing ? "enforcing" : "permissive");
		goto out;
	}
	const struct selinux_label *bad = NULL;
	for (size_t i = 0; i < l.n && !bad; i++)
		if (strcmp(l.items[i].type, l.items[i].wanted_type) != 0)
			bad = &l.items[i];
	if (!bad) {
		doctor_add(dr, "server: SELinux", DOCTOR_PASS,
			   "%s; %s is labelled %s as the policy "
			   "wants",
			   l.enforcing ? "enforcing" : "permissive", st->path,
			   l.n ? l.items[0].type : "?");
		goto out;
	}
	struct doctor_check *c = doctor_add(
		dr, "server: SELinux", l.enforcing ? DOCTOR_FAIL : DOCTOR_WARN,
		"%s: %s has type %s, the policy wants %s", l.enforcing ? "enforcing" : "permissive",
		bad->path, bad->type, bad->wanted_type);
	if (l.enforcing)
		doctor_set_cause(c, WEIGHT_SERVER + 5,
				 "SELinux labels %s %s, not %s as its policy wants, and enforces: "
				 "sshd may be denied reading it",
				 bad->path, bad->type, bad->wanted_type);
	doctor_set_fix(c, "restorecon -Rv %.*s", dir_len, st->path);
out:
	remote_process_free(p);
	dynbuf_free(&out);
	dynbuf_free(&err);
	dynbuf_free(&paths);
}
