#include "remote/authorized_keys_remote.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/posix_cksum.h"
#include "base/text_lines.h"

/* Finds the account from the first stdin line (empty: ourselves). Sets home uid gid. */
static const char locate_sh[] =
	"set -u\n"
	"IFS= read -r for_user || exit 90\n"
	"if [ -n \"$for_user\" ]; then\n"
	"  ent=$(getent passwd \"$for_user\" 2>/dev/null) ||\n"
	"    ent=$(awk -F: -v u=\"$for_user\" '$1 == u' /etc/passwd)\n"
	"  [ -n \"$ent\" ] || { echo \"error no such user: $for_user\"; exit 91; }\n"
	"  home=$(printf '%s\\n' \"$ent\" | cut -d: -f6)\n"
	"  uid=$(printf '%s\\n' \"$ent\" | cut -d: -f3)\n"
	"  gid=$(printf '%s\\n' \"$ent\" | cut -d: -f4)\n"
	"else\n"
	"  home=$(cd && pwd -P) || exit 92\n"
	"  uid=$(id -u); gid=$(id -g)\n"
	"fi\n"
	"[ \"$home\" = / ] && home=\n"
	"name=${for_user:-$(id -un)}\n"
	/* as root, the AuthorizedKeysFile sshd really uses for this account and address */
	"file=\"$home/.ssh/authorized_keys\"\n"
	"sshd_bin=$(command -v sshd 2>/dev/null || echo /usr/sbin/sshd)\n"
	"if [ \"$(id -u)\" = 0 ] && [ -x \"$sshd_bin\" ]; then\n"
	"  set -- ${SSH_CONNECTION:-127.0.0.1}\n"
	"  akf=$(\"$sshd_bin\" -T -C \"user=$name,host=$1,addr=$1\" 2>/dev/null |\n"
	"    awk '$1 == \"authorizedkeysfile\" { print $2; exit }')\n"
	"  case $akf in\n"
	"  ''|none) ;;\n"
	"  *) s=$akf; f=\n"
	"     while [ -n \"$s\" ]; do\n"
	"       case $s in\n"
	"       %%*) f=\"$f%\"; s=${s#??} ;;\n"
	"       %h*) f=\"$f$home\"; s=${s#??} ;;\n"
	"       %u*) f=\"$f$name\"; s=${s#??} ;;\n"
	"       %U*) f=\"$f$uid\"; s=${s#??} ;;\n"
	"       *) c=${s%%\"${s#?}\"}; f=\"$f$c\"; s=${s#?} ;;\n"
	"       esac\n"
	"     done\n"
	"     case $f in /*) file=$f ;; *) file=\"$home/$f\" ;; esac ;;\n"
	"  esac\n"
	"fi\n"
	"dir=$(dirname \"$file\")\n";

static const char read_sh[] =
	"echo \"uid $uid\"; echo \"gid $gid\"; echo \"login $(id -u)\"; echo \"home ${home:-/}\"\n"
	"echo \"path $file\"\n"
	"p=$file\n"
	"while :; do\n"
	"  echo \"node $p\"\n"
	"  if [ -e \"$p\" ] || [ -L \"$p\" ]; then LC_ALL=C ls -ldn \"$p\"; else echo missing; fi\n"
	"  [ \"$p\" = / ] && break\n"
	/* dirname without a process per level: every process costs the server */
	"  p=${p%/*}; [ -n \"$p\" ] || p=/\n"
	"done\n"
	"if [ -f \"$file\" ] && [ ! -L \"$file\" ]; then\n"
	"  echo \"content $(wc -c < \"$file\" | tr -d ' ')\"\n"
	"  exec cat \"$file\"\n"
	"fi\n"
	"echo 'content -'\n";

/* stdin after the account line: expected cksum or "absent"; "uid gid" to give new files
 * ("- -" when not root); file mode; "chmod MODE PATH" lines and "end"; content length;
 * content. */
static const char write_sh[] =
	"IFS= read -r expect; read -r new_uid new_gid; read -r mode\n"
	"while IFS= read -r line; do\n"
	"  [ \"$line\" = end ] && break\n"
	"  m=${line#chmod }; p=${m#* }; m=${m%% *}\n"
	"  chmod \"$m\" \"$p\" || { echo \"error chmod $m $p\"; exit 93; }\n"
	"  echo \"did chmod $m $p\"\n"
	"done\n"
	"IFS= read -r length\n"
	"if [ -n \"$for_user\" ] && [ -L \"$dir\" ]; then echo \"error symlink $dir\"; exit 94; "
	"fi\n"
	"if [ ! -d \"$dir\" ]; then\n"
	"  [ \"$dir\" = \"$home/.ssh\" ] || { echo \"error missing directory $dir\"; exit 95; }\n"
	"  mkdir -m 700 \"$dir\" || { echo \"error mkdir $dir\"; exit 95; }\n"
	"  [ \"$new_uid\" = - ] || chown \"$new_uid:$new_gid\" \"$dir\"\n"
	"  echo \"did mkdir 700 $dir\"\n"
	"fi\n"
	"lock=\"$dir/" AUTHORIZED_KEYS_LOCK_NAME "\"; tries=0\n"
	"until mkdir \"$lock\" 2>/dev/null; do\n"
	"  tries=$((tries + 1)); [ $tries -gt 300 ] && { echo \"error lock $lock\"; exit 96; }\n"
	"  sleep 0.1 2>/dev/null || sleep 1\n"
	"done\n"
	"tmp=\"$dir/" AUTHORIZED_KEYS_TEMP_PREFIX "$$\"\n"
	"trap 'rm -f \"$tmp\"; rmdir \"$lock\" 2>/dev/null' EXIT\n"
	"trap 'exit 97' INT TERM HUP\n"
	"if [ -L \"$file\" ]; then echo \"error symlink $file\"; exit 94; fi\n"
	"if [ -f \"$file\" ]; then now=$(cksum < \"$file\" | tr -s ' \\t' '  '); else now=absent; "
	"fi\n"
	"[ \"$now\" = \"$expect\" ] || { echo \"error changed\"; exit 98; }\n"
	"(umask 077 && cat > \"$tmp\") || { echo \"error write $tmp\"; exit 99; }\n"
	"[ \"$(wc -c < \"$tmp\" | tr -d ' ')\" = \"$length\" ] || { echo \"error write $tmp\"; "
	"exit 99; }\n"
	"if [ -f \"$file\" ]; then\n"
	"  own=$(LC_ALL=C ls -ldn \"$file\" | awk '{print $3 \":\" $4}')\n"
	"  mode=$(LC_ALL=C ls -ldn \"$file\" | awk '{m=0; s=$1; for (i = 2; i <= 10; i++) { m = m "
	"* 2 + (substr(s, i, 1) != \"-\") } printf \"%o\", m % 512}')\n"
	"else\n"
	"  own=\"$new_uid:$new_gid\"\n"
	"fi\n"
	"chmod \"$mode\" \"$tmp\" || exit 99\n"
	"[ \"$own\" = -:- ] || [ \"$(id -u)\" != 0 ] || chown \"$own\" \"$tmp\" || exit 99\n"
	"sync \"$tmp\" 2>/dev/null || sync\n"
	"mv -f \"$tmp\" \"$file\" || { echo \"error rename $file\"; exit 99; }\n"
	"if command -v restorecon >/dev/null 2>&1; then restorecon -F \"$dir\" \"$file\" "
	"2>/dev/null; fi\n"
	"echo \"did write $file\"\n";

void authorized_keys_state_clear(struct authorized_keys_state *st)
{
	free(st->home);
	free(st->path);
	dynbuf_free(&st->content);
	for (size_t i = 0; i < st->n_nodes; i++)
		free(st->nodes[i].path);
	free(st->nodes);
	memset(st, 0, sizeof(*st));
}

/* "-rw-r--r-- 1 1001 1001 ..." */
static int parse_ls(const char *line, size_t len, struct remote_node *n)
{
	if (len < 10)
		return ERR_FORMAT;
	n->type = line[0];
	mode_t mode = 0;
	for (int i = 1; i <= 9; i++)
		mode = mode << 1 | (line[i] != '-' && line[i] != 'S' && line[i] != 'T');
	/* setuid/setgid/sticky shown as s/t still mean execute */
	n->mode = mode;
	char copy[256];
	snprintf(copy, sizeof(copy), "%.*s", (int)(len < 255 ? len : 255), line);
	unsigned long links, uid, gid;
	char perms[32];
	if (sscanf(copy, "%31s %lu %lu %lu", perms, &links, &uid, &gid) != 4)
		return ERR_FORMAT;
	n->uid = (uid_t)uid;
	n->gid = (gid_t)gid;
	n->exists = true;
	return 0;
}

static int scripted(struct remote_session *s, const char *body, const struct dynbuf *input,
		    struct dynbuf *out, struct diag *d)
{
	struct dynbuf script, err;
	int status = -1;
	dynbuf_init(&script, 64 * 1024);
	dynbuf_init(&err, 64 * 1024);
	int r = dynbuf_append_str(&script, locate_sh);
	if (r == 0)
		r = dynbuf_append_str(&script, body);
	/* the shell reads the script line by line, so the data after "exit" is left on stdin
	 * for the commands; a final exit keeps sh from reading data as commands */
	if (r == 0)
		r = dynbuf_append_str(&script, "exit 0\n");
	if (r == 0)
		r = remote_run_script(s, (const char *)script.data, input->data, input->len, out,
				      &err, &status, d);
	if (r == 0 && status != 0) {
		const char *msg = out->len ? (const char *)out->data : "";
		const char *e = strstr(msg, "error ");
		const char *why = err.len ? (const char *)err.data : msg;
		if (!e && strncmp(msg, "uid ", 4) != 0 && strncmp(msg, "did ", 4) != 0) {
			/* not our helper talking: no shell (nologin, ForceCommand internal-sftp) */
			diag_set(d, "the account cannot run commands (status %d%s%.*s)", status,
				 *why ? ": " : "", (int)strcspn(why, "\r\n"), why);
			r = ERR_NO_SHELL;
		} else if (e)
			diag_set(d, "on the server: %.*s", (int)strcspn(e + 6, "\n"), e + 6);
		else
			diag_set(d, "helper failed on the server (status %d): %.*s", status,
				 (int)strcspn(err.len ? (const char *)err.data : "", "\n"),
				 err.len ? (const char *)err.data : "");
		if (r != ERR_NO_SHELL)
			r = e && strstr(e, "error changed") == e ? ERR_CHANGED_UNDER_US
								 : ERR_REMOTE;
	}
	dynbuf_free(&script);
	dynbuf_free(&err);
	return r;
}

static int account_line(struct dynbuf *in, const char *for_user)
{
	return dynbuf_printf(in, "%s\n", for_user ? for_user : "");
}

/* A decimal number filling text[len] exactly (no sign, no overflow). */
static bool parse_ulong(const char *text, size_t len, unsigned long *ret)
{
	unsigned long v = 0;
	if (len == 0 || len > 19)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(text[i] - '0');
	}
	*ret = v;
	return true;
}

/* Replace *field with a copy of text[len]. */
static int set_text(char **field, const char *text, size_t len)
{
	char *copy = strndup(text, len);
	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

int authorized_keys_state_parse(const char *text, size_t text_len, struct authorized_keys_state *st)
{
	int r;
	const char *p = text, *end = text + text_len;
	struct remote_node *node = NULL;
	r = ERR_FORMAT;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *next = nl ? nl + 1 : end;
		unsigned long v;
		if (len > 4 && !strncmp(p, "uid ", 4) && parse_ulong(p + 4, len - 4, &v))
			st->uid = (uid_t)v;
		else if (len > 4 && !strncmp(p, "gid ", 4) && parse_ulong(p + 4, len - 4, &v))
			st->gid = (gid_t)v;
		else if (len > 6 && !strncmp(p, "login ", 6) && parse_ulong(p + 6, len - 6, &v))
			st->login_uid = (uid_t)v;
		else if (len > 5 && !strncmp(p, "home ", 5)) {
			if ((r = set_text(&st->home, p + 5, len - 5)) < 0)
				goto out;
			r = ERR_FORMAT;
		} else if (len > 5 && !strncmp(p, "path ", 5)) {
			if ((r = set_text(&st->path, p + 5, len - 5)) < 0)
				goto out;
			r = ERR_FORMAT;
		} else if (len > 5 && !strncmp(p, "node ", 5)) {
			if (st->n_nodes >= AUTHORIZED_KEYS_MAX_NODES)
				goto out;
			void *grown = realloc(st->nodes, (st->n_nodes + 1) * sizeof(*st->nodes));
			if (!grown) {
				r = -ENOMEM;
				goto out;
			}
			st->nodes = grown;
			node = &st->nodes[st->n_nodes++];
			memset(node, 0, sizeof(*node));
			if (!(node->path = strndup(p + 5, len - 5))) {
				r = -ENOMEM;
				goto out;
			}
		} else if (node && len == 7 && !strncmp(p, "missing", 7)) {
			node = NULL;
		} else if (node) {
			if (parse_ls(p, len, node) < 0)
				goto out;
			node = NULL;
		} else if (len > 8 && !strncmp(p, "content ", 8)) {
			if (p[8] == '-') {
				st->exists = false;
				r = 0;
				break;
			}
			unsigned long n;
			if (!parse_ulong(p + 8, len - 8, &n) || n > (unsigned long)(end - next))
				goto out;
			st->exists = true;
			r = dynbuf_append(&st->content, next, n);
			break;
		}
		p = next;
	}
	if (r == 0 && (!st->home || !st->path || st->n_nodes == 0))
		r = ERR_FORMAT;
out:
	return r;
}

int authorized_keys_remote_read(struct remote_session *s, const char *for_user,
				struct authorized_keys_state *st, struct diag *d)
{
	struct dynbuf in, out;
	memset(st, 0, sizeof(*st));
	dynbuf_init(&st->content, AUTHORIZED_KEYS_STATE_MAX);
	dynbuf_init(&in, 4096);
	dynbuf_init(&out, AUTHORIZED_KEYS_STATE_MAX);
	int r = account_line(&in, for_user);
	if (r == 0)
		r = scripted(s, read_sh, &in, &out, d);
	if (r < 0)
		goto out;

	r = authorized_keys_state_parse(out.len ? (const char *)out.data : "", out.len, st);
	if (r == ERR_FORMAT)
		diag_set(d, "unexpected answer from the server's helper");
out:
	if (r == ERR_FORMAT && !d->text[0])
		diag_set(d, "unexpected answer from the server's helper");
	if (r < 0)
		authorized_keys_state_clear(st);
	dynbuf_free(&in);
	dynbuf_free(&out);
	return r;
}

int authorized_keys_remote_write(struct remote_session *s, const char *for_user,
				 const struct authorized_keys_state *st,
				 const struct mode_fix *fixes, size_t n_fixes, const void *content,
				 size_t len, struct dynbuf *ret_log, struct diag *d)
{
	struct dynbuf in, out;
	dynbuf_init(&in, AUTHORIZED_KEYS_STATE_MAX);
	dynbuf_init(&out, 1024 * 1024);
	int r = account_line(&in, for_user);
	if (r == 0 && st->exists)
		r = dynbuf_printf(&in, "%u %zu\n", posix_cksum(st->content.data, st->content.len),
				  st->content.len);
	else if (r == 0)
		r = dynbuf_append_str(&in, "absent\n");
	/* new files belong to the account; only root can give them away */
	if (r == 0 && st->login_uid == 0 && st->uid != 0)
		r = dynbuf_printf(&in, "%lu %lu\n600\n", (unsigned long)st->uid,
				  (unsigned long)st->gid);
	else if (r == 0)
		r = dynbuf_append_str(&in, "- -\n600\n");
	for (size_t i = 0; r == 0 && i < n_fixes; i++) {
		if (strchr(fixes[i].path, '\n')) {
			r = -EINVAL;
			break;
		}
		r = dynbuf_printf(&in, "chmod %o %s\n", (unsigned)fixes[i].mode, fixes[i].path);
	}
	if (r == 0)
		r = dynbuf_printf(&in, "end\n%zu\n", len);
	if (r == 0)
		r = dynbuf_append(&in, content, len);
	if (r == 0)
		r = scripted(s, write_sh, &in, &out, d);
	if (r == 0 && ret_log) {
		/* the "did ..." lines are the changes made */
		struct line_iter it;
		const char *line;
		size_t n;
		line_iter_init(&it, out.len ? (const char *)out.data : "", out.len);
		while (r == 0 && line_iter_next(&it, &line, &n, NULL))
			if (n > 4 && !strncmp(line, "did ", 4))
				r = dynbuf_printf(ret_log, "%.*s\n", (int)(n - 4), line + 4);
	}
	dynbuf_free(&in);
	dynbuf_free(&out);
	return r;
}
