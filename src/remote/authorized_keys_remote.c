#include "remote/authorized_keys_remote.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/posix_cksum.h"
#include "base/text_lines.h"

/* Every process these helpers start costs the server about a millisecond, for every host:
 * builtins and parameter expansion do the rest. */

/* Finds the account from the first stdin line (empty: ourselves), and reads the token that
 * will end the file's content. Sets me home uid gid name file dir. */
static const char locate_sh[] =
	"set -u\n"
	"IFS= read -r for_user || exit 90\n"
	"IFS= read -r token || exit 90\n"
	"i=$(LC_ALL=C id); me=${i#uid=}; me=${me%%[!0-9]*}\n"
	"if [ -n \"$for_user\" ]; then\n"
	"  ent=$(getent passwd \"$for_user\" 2>/dev/null) ||\n"
	"    ent=$(awk -F: -v u=\"$for_user\" '$1 == u' /etc/passwd)\n"
	"  [ -n \"$ent\" ] || { echo \"error no such user: $for_user\"; exit 91; }\n"
	"  IFS=: read -r name x uid gid x home x <<EOF\n"
	"$ent\n"
	"EOF\n"
	"else\n"
	"  home=$(cd 2>/dev/null && pwd -P) || {\n"
	"    if [ -d \"${HOME:-/nonexistent}\" ]; then\n"
	"      echo \"error cannot enter the home directory $HOME\"\n"
	"    else echo \"error no-home ${HOME:-}\"; fi\n"
	"    exit 92\n"
	"  }\n"
	"  uid=$me; gid=${i#* gid=}; gid=${gid%%[!0-9]*}; name=\n"
	"fi\n"
	"[ \"$home\" = / ] && home=\n"
	"file=\"$home/.ssh/authorized_keys\"\n"
	/* as root, the AuthorizedKeysFile sshd really uses for this account and address */
	"sshd_bin=$(command -v sshd 2>/dev/null || echo /usr/sbin/sshd)\n"
	"if [ \"$me\" = 0 ] && [ -x \"$sshd_bin\" ]; then\n"
	"  [ -n \"$name\" ] || name=$(id -un)\n"
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
	"dir=${file%/*}; [ -n \"$dir\" ] || dir=/\n"
	/* sshd checks the canonical path (realpath) up to the canonical home directory */
	"rdir=$(cd \"$dir\" 2>/dev/null && pwd -P) || rdir=$dir\n"
	"real=\"${rdir%/}/${file##*/}\"; link=\n"
	"if [ -L \"$file\" ]; then\n"
	"  link=yes; r=$(realpath \"$file\" 2>/dev/null || readlink -f \"$file\" 2>/dev/null) &&\n"
	"    [ -n \"$r\" ] && real=$r\n"
	"fi\n"
	"rhome=$(cd \"${home:-/}\" 2>/dev/null && pwd -P) || rhome=${home:-/}\n";

/* The state: ids, the path and each level up to /, then one ls for the levels that exist:
 * POSIX ls lists its operands sorted, and a chain of prefixes sorts from / down to the
 * file, so the lines come in that order. */
static const char read_sh[] =
	"echo \"uid $uid\"; echo \"gid $gid\"; echo \"login $me\"; echo \"home ${home:-/}\"\n"
	"echo \"path $file\"; echo \"real $real\"; echo \"realhome $rhome\"\n"
	"conn=${SSH_CONNECTION:-}; echo \"client ${conn%% *}\"\n" /* set -u: it may be unset */
	"[ -z \"$link\" ] || echo link\n"
	"p=$real; set --\n"
	"while :; do\n"
	"  if [ -e \"$p\" ] || [ -L \"$p\" ]; then echo \"node $p\"; set -- \"$p\" \"$@\"\n"
	"  else echo \"absent $p\"; fi\n"
	"  [ \"$p\" = / ] && break\n"
	"  p=${p%/*}; [ -n \"$p\" ] || p=/\n"
	"done\n"
	"echo listing; [ $# = 0 ] || LC_ALL=C ls -ldn -- \"$@\"\n"
	/* one cat reads one version of the file, however writers replace it; the end is marked
	 * by a random token we sent, so no length is needed */
	"if [ -f \"$file\" ] && [ ! -L \"$file\" ]; then\n"
	"  echo \"content-until $token\"; cat \"$file\"; printf '\\n%s\\n' \"$token\"\n"
	"else\n"
	"  echo 'content -'\n"
	"fi\n"
	/* then wait: "groups GID..." (answered), then "write" or "fix" and what to do, or
	 * nothing */
	"while :; do\n"
	"  IFS= read -r what || exit 0\n"
	"  case $what in\n"
	"  write|fix) break ;;\n"
	"  'groups '*)\n"
	"    for g in ${what#groups }; do\n"
	"      case $g in *[!0-9]*) continue ;; esac\n"
	"      ent=$(getent group \"$g\" 2>/dev/null) ||\n"
	"        ent=$(awk -F: -v g=\"$g\" '$3 == g' /etc/group)\n"
	"      prim=$({ getent passwd 2>/dev/null || cat /etc/passwd; } |\n"
	"        awk -F: -v g=\"$g\" '$4 == g { printf \"%s,\", $3 }')\n"
	"      uids=; IFS=,; set -- ${ent##*:}; unset IFS\n"
	"      for m in \"$@\"; do u=$(id -u \"$m\" 2>/dev/null) || u=4294967295; "
	"uids=\"$uids$u,\"; done\n"
	"      echo \"group $g primary=$prim members=$uids\"\n"
	"    done\n"
	"    echo end-groups ;;\n"
	"  *) exit 0 ;;\n"
	"  esac\n"
	"done\n"
	/* fix: "chmod MODE PATH" and "chown UID:GID PATH" lines, then "end" */
	"if [ \"$what\" = fix ]; then\n"
	"  while IFS= read -r line; do\n"
	"    [ \"$line\" = end ] && break\n"
	"    c=${line%% *}; m=${line#* }; p=${m#* }; m=${m%% *}\n"
	"    case $c in chmod|chown) ;; *) echo \"error bad request\"; exit 93 ;; esac\n"
	"    [ ! -L \"$p\" ] || { echo \"error symlink $p\"; exit 94; }\n"
	"    \"$c\" \"$m\" \"$p\" || { echo \"error $c $m $p\"; exit 93; }\n"
	"    echo \"did $c $m $p\"\n"
	"  done\n"
	"  exit 0\n"
	"fi\n";

/* stdin after "write": expected "cksum length" or "absent"; "uid gid" for a new .ssh ("- -"
 * when not root); "UID:GID MODE" for the new file (owner "-:-" when not root); "chmod MODE
 * PATH" lines and "end"; content length; content. */
static const char write_sh[] =
	"IFS= read -r expect; read -r new_uid new_gid; read -r own mode\n"
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
	"trap '[ ! -e \"$tmp\" ] || rm -f \"$tmp\"; rmdir \"$lock\" 2>/dev/null' EXIT\n"
	"trap 'exit 97' INT TERM HUP\n"
	"if [ -L \"$file\" ]; then echo \"error symlink $file\"; exit 94; fi\n"
	"if [ -f \"$file\" ]; then set -- $(cksum < \"$file\"); now=\"$1 $2\"; else now=absent; "
	"fi\n"
	"[ \"$now\" = \"$expect\" ] || { echo \"error changed\"; exit 98; }\n"
	"umask 077; cat > \"$tmp\" || { echo \"error write $tmp\"; exit 99; }\n"
	"set -- $(wc -c < \"$tmp\")\n"
	"[ \"$1\" = \"$length\" ] || { echo \"error write $tmp\"; exit 99; }\n"
	"[ \"$mode\" = 600 ] || chmod \"$mode\" \"$tmp\" || exit 99\n"
	"[ \"$own\" = -:- ] || [ \"$me\" != 0 ] || chown \"$own\" \"$tmp\" || exit 99\n"
	"sync \"$tmp\" 2>/dev/null || sync\n"
	"mv -f \"$tmp\" \"$file\" || { echo \"error rename $file\"; exit 99; }\n"
	"if command -v restorecon >/dev/null 2>&1; then restorecon -F \"$dir\" \"$file\" "
	"2>/dev/null; fi\n"
	"echo \"did write $file\"\n";

static void conversation_free(struct authorized_keys_conversation *c);

void authorized_keys_state_clear(struct authorized_keys_state *st)
{
	conversation_free(st->conversation);
	free(st->real_path);
	free(st->real_home);
	for (size_t i = 0; i < st->n_groups; i++) {
		free(st->groups[i].primary);
		free(st->groups[i].members);
	}
	free(st->groups);
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
	/* setuid, setgid and sticky share the execute columns: s/t with execute, S/T without;
	 * kept, so that no chmod of ours drops them */
	if (line[3] == 's' || line[3] == 'S')
		mode |= 04000;
	if (line[6] == 's' || line[6] == 'S')
		mode |= 02000;
	if (line[9] == 't' || line[9] == 'T')
		mode |= 01000;
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

/* The helper in one session: it answers with the state, then waits for "write" and what to
 * write (or for the end of its input, and exits). One session instead of two halves the
 * work the server does per edit. */
struct authorized_keys_conversation {
	struct remote_process *process;
	struct dynbuf out, err;
	size_t answer_len; /* where the write's output starts in out */
};

static void conversation_free(struct authorized_keys_conversation *c)
{
	if (!c)
		return;
	remote_process_free(c->process);
	dynbuf_free(&c->out);
	dynbuf_free(&c->err);
	free(c);
}

/* The helper ended with a failure status: say why, from what it printed. */
static int helper_failure(const struct authorized_keys_conversation *c, size_t from, int status,
			  struct diag *d)
{
	const char *msg = c->out.len > from ? (const char *)c->out.data + from : "";
	const char *all = c->out.len ? (const char *)c->out.data : "";
	const char *e = strstr(msg, "error ");
	const char *why = c->err.len ? (const char *)c->err.data : msg;
	if (!e && strncmp(all, "uid ", 4) != 0) {
		/* not our helper talking: no shell (nologin, ForceCommand internal-sftp) */
		diag_set(d, "the account cannot run commands (status %d%s%.*s)", status,
			 *why ? ": " : "", (int)strcspn(why, "\r\n"), why);
		return ERR_NO_SHELL;
	}
	if (e && strncmp(e, "error no-home ", 14) == 0) {
		diag_set(d, "the home directory %.*s does not exist", (int)strcspn(e + 14, "\n"),
			 e + 14);
		return ERR_NO_HOME;
	}
	if (e) {
		diag_set(d, "on the server: %.*s", (int)strcspn(e + 6, "\n"), e + 6);
		return strncmp(e, "error changed", 13) == 0 ? ERR_CHANGED_UNDER_US : ERR_REMOTE;
	}
	diag_set(d, "helper failed on the server (status %d): %.*s", status,
		 (int)strcspn(c->err.len ? (const char *)c->err.data : "", "\n"),
		 c->err.len ? (const char *)c->err.data : "");
	return ERR_REMOTE;
}

/* The "did ..." lines the helper printed after its answer: the changes it made. */
static int did_lines(const struct authorized_keys_conversation *c, struct dynbuf *log)
{
	struct line_iter it;
	const char *line;
	size_t n;
	int r = 0;
	line_iter_init(&it, (const char *)c->out.data + c->answer_len, c->out.len - c->answer_len);
	while (r == 0 && line_iter_next(&it, &line, &n, NULL))
		if (n > 4 && !strncmp(line, "did ", 4))
			r = dynbuf_printf(log, "%.*s\n", (int)(n - 4), line + 4);
	return r;
}

/* The helper's last request ("write" or "fix"): sent, the helper's end awaited, its "did"
 * lines logged; the conversation is over. */
static int last_request(struct authorized_keys_conversation *c, const struct dynbuf *in,
			struct dynbuf *log, struct diag *d)
{
	int status = -1;
	int r = remote_process_write(c->process, in->data, in->len, d);
	if (r == 0)
		r = remote_process_finish(c->process, &status, d);
	remote_process_free(c->process);
	c->process = NULL;
	if (r == 0 && status != 0)
		r = helper_failure(c, c->answer_len, status, d);
	if (r == 0 && log)
		r = did_lines(c, log);
	return r;
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

#define TOKEN_MAX 64

/* The content runs from data up to a line holding the token alone ("\nTOKEN\n"). */
static bool content_end(const char *token, size_t token_len, const char *data, size_t len,
			size_t *ret_len)
{
	char pattern[TOKEN_MAX + 2];
	if (token_len < 16 || token_len > TOKEN_MAX)
		return false;
	pattern[0] = '\n';
	memcpy(pattern + 1, token, token_len);
	pattern[token_len + 1] = '\n';
	const char *at = memmem(data, len, pattern, token_len + 2);
	if (!at)
		return false;
	*ret_len = (size_t)(at - data);
	return true;
}

/* Has the read helper's whole answer arrived (the content included)? */
static bool state_complete(const struct dynbuf *out, void *arg)
{
	(void)arg;
	struct line_iter it;
	const char *line;
	size_t n;
	line_iter_init(&it, out->len ? (const char *)out->data : "", out->len);
	while (line_iter_next(&it, &line, &n, NULL)) {
		if (n == 9 && !strncmp(line, "content -", 9))
			return true;
		if (n > 14 && !strncmp(line, "content-until ", 14)) {
			const char *data = line + n + 1;
			size_t content_len;
			if (data > (const char *)out->data + out->len)
				return false;
			return content_end(line + 14, n - 14, data,
					   (size_t)((const char *)out->data + out->len - data),
					   &content_len);
		}
	}
	return false;
}

struct remote_node *authorized_keys_state_add_node(struct authorized_keys_state *st,
						   const char *path, size_t len)
{
	if (st->n_nodes >= AUTHORIZED_KEYS_MAX_NODES)
		return NULL;
	struct remote_node *grown = realloc(st->nodes, (st->n_nodes + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	st->nodes = grown;
	struct remote_node *node = &st->nodes[st->n_nodes];
	memset(node, 0, sizeof(*node));
	if (!(node->path = strndup(path, len)))
		return NULL;
	st->n_nodes++;
	return node;
}

/* The next existing node without its ls line, going from / down to the file (the order
 * ls lists them in); NULL when none is left. */
static struct remote_node *next_listed(struct authorized_keys_state *st, size_t *cursor)
{
	while (*cursor > 0) {
		struct remote_node *node = &st->nodes[--*cursor];
		if (node->exists)
			return node;
	}
	return NULL;
}

int authorized_keys_state_parse(const char *text, size_t text_len, struct authorized_keys_state *st)
{
	int r = ERR_FORMAT;
	const char *p = text, *end = text + text_len;
	bool listing = false;
	size_t cursor = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *next = nl ? nl + 1 : end;
		unsigned long v;
		if (len == 9 && !strncmp(p, "content -", 9)) {
			st->exists = false;
			r = 0;
			break;
		} else if (len > 14 && !strncmp(p, "content-until ", 14)) {
			size_t content_len;
			if (!content_end(p + 14, len - 14, next, (size_t)(end - next),
					 &content_len))
				goto out;
			st->exists = true;
			r = dynbuf_append(&st->content, next, content_len);
			break;
		} else if (listing) {
			/* each line must name the node it describes: a guard against any skew */
			struct remote_node *node = next_listed(st, &cursor);
			size_t path_len = node ? strlen(node->path) : 0;
			if (!node || len < 11 + path_len ||
			    !memmem(p + 10, len - 10, node->path, path_len) ||
			    parse_ls(p, len, node) < 0)
				goto out;
		} else if (len == 7 && !strncmp(p, "listing", 7)) {
			listing = true;
			cursor = st->n_nodes;
		} else if (len > 4 && !strncmp(p, "uid ", 4) && parse_ulong(p + 4, len - 4, &v)) {
			st->uid = (uid_t)v;
		} else if (len > 4 && !strncmp(p, "gid ", 4) && parse_ulong(p + 4, len - 4, &v)) {
			st->gid = (gid_t)v;
		} else if (len > 6 && !strncmp(p, "login ", 6) && parse_ulong(p + 6, len - 6, &v)) {
			st->login_uid = (uid_t)v;
		} else if (len > 5 && !strncmp(p, "home ", 5)) {
			if ((r = set_text(&st->home, p + 5, len - 5)) < 0)
				goto out;
			r = ERR_FORMAT;
		} else if (len > 5 && !strncmp(p, "path ", 5)) {
			if ((r = set_text(&st->path, p + 5, len - 5)) < 0)
				goto out;
			r = ERR_FORMAT;
		} else if (len > 5 && !strncmp(p, "real ", 5)) {
			if ((r = set_text(&st->real_path, p + 5, len - 5)) < 0)
				goto out;
			r = ERR_FORMAT;
		} else if (len > 9 && !strncmp(p, "realhome ", 9)) {
			if ((r = set_text(&st->real_home, p + 9, len - 9)) < 0)
				goto out;
			r = ERR_FORMAT;
		} else if (len > 7 && len - 7 < sizeof(st->client_addr) &&
			   !strncmp(p, "client ", 7)) {
			memcpy(st->client_addr, p + 7, len - 7);
			st->client_addr[len - 7] = 0;
		} else if (len == 4 && !strncmp(p, "link", 4)) {
			st->is_link = true;
		} else if ((len > 5 && !strncmp(p, "node ", 5)) ||
			   (len > 7 && !strncmp(p, "absent ", 7))) {
			bool exists = p[0] == 'n';
			size_t skip = exists ? 5 : 7;
			struct remote_node *node =
				len > skip
					? authorized_keys_state_add_node(st, p + skip, len - skip)
					: NULL;
			if (!node)
				goto out;
			node->exists = exists;
		}
		p = next;
	}
	/* every existing node described, and the basics there */
	if (r == 0 && (!listing || next_listed(st, &cursor) || !st->home || !st->path ||
		       !st->real_path || !st->real_home || st->n_nodes == 0))
		r = ERR_FORMAT;
out:
	return r;
}

int authorized_keys_remote_read(struct remote_session *s, const char *for_user,
				struct authorized_keys_state *st, struct diag *d)
{
	struct authorized_keys_conversation *c = calloc(1, sizeof(*c));
	struct dynbuf script, in;
	char token[40];
	int status = -1;
	memset(st, 0, sizeof(*st));
	dynbuf_init(&st->content, AUTHORIZED_KEYS_STATE_MAX);
	dynbuf_init(&script, 64 * 1024);
	dynbuf_init(&in, 4096);
	int r = c ? remote_random_token(token, sizeof(token)) : -ENOMEM;
	if (r < 0)
		goto out;
	dynbuf_init(&c->out, AUTHORIZED_KEYS_STATE_MAX + 1024 * 1024);
	dynbuf_init(&c->err, 64 * 1024);
	/* the shell reads the script line by line, so the data after "exit" is left on stdin
	 * for the commands; a final exit keeps sh from reading data as commands */
	if ((r = dynbuf_append_str(&script, locate_sh)) < 0 ||
	    (r = dynbuf_append_str(&script, read_sh)) < 0 ||
	    (r = dynbuf_append_str(&script, write_sh)) < 0 ||
	    (r = dynbuf_append_str(&script, "exit 0\n")) < 0 ||
	    (r = dynbuf_printf(&in, "%s\n%s\n", for_user ? for_user : "", token)) < 0)
		goto out;
	if ((r = remote_process_start_script(s, (const char *)script.data, &c->out, &c->err,
					     &c->process, d)) < 0 ||
	    (r = remote_process_write(c->process, in.data, in.len, d)) < 0 ||
	    (r = remote_process_read_until(c->process, state_complete, NULL, d)) < 0)
		goto out;
	if (!state_complete(&c->out, NULL)) {
		/* it ended before answering */
		if ((r = remote_process_finish(c->process, &status, d)) == 0)
			r = status ? helper_failure(c, 0, status, d) : ERR_FORMAT;
		goto out;
	}
	c->answer_len = c->out.len;
	r = authorized_keys_state_parse((const char *)c->out.data, c->out.len, st);
	if (r == 0) {
		st->conversation = c;
		c = NULL;
	}
out:
	if (r == ERR_FORMAT && !d->text[0])
		diag_set(d, "unexpected answer from the server's helper");
	if (r < 0)
		authorized_keys_state_clear(st);
	conversation_free(c);
	dynbuf_free(&script);
	dynbuf_free(&in);
	return r;
}

int authorized_keys_remote_write(const struct authorized_keys_state *st,
				 const struct mode_fix *fixes, size_t n_fixes, const void *content,
				 size_t len, struct dynbuf *ret_log, struct diag *d)
{
	struct authorized_keys_conversation *c = st->conversation;
	struct dynbuf in;
	if (!c || !c->process)
		return -EINVAL; /* one write per read */
	dynbuf_init(&in, AUTHORIZED_KEYS_STATE_MAX + 1024 * 1024);
	int r = dynbuf_append_str(&in, "write\n");
	if (r == 0 && st->exists)
		r = dynbuf_printf(&in, "%u %zu\n", posix_cksum(st->content.data, st->content.len),
				  st->content.len);
	else if (r == 0)
		r = dynbuf_append_str(&in, "absent\n");
	/* new files belong to the account; only root can give them away; a replaced file
	 * keeps its owner and mode */
	bool give = st->login_uid == 0 && st->uid != 0;
	const struct remote_node *old = st->exists ? &st->nodes[0] : NULL;
	/* the file's mode: as it was, unless this very write fixes it (the replacement must
	 * not bring back the write bits the chmod just took away) */
	unsigned file_mode = old ? (unsigned)(old->mode & 07777) : 0600u;
	for (size_t i = 0; old && i < n_fixes; i++)
		if (strcmp(fixes[i].path, old->path) == 0)
			file_mode = (unsigned)fixes[i].mode;
	if (r == 0 && give)
		r = dynbuf_printf(&in, "%lu %lu\n", (unsigned long)st->uid, (unsigned long)st->gid);
	else if (r == 0)
		r = dynbuf_append_str(&in, "- -\n");
	if (r == 0 && old && st->login_uid == 0)
		r = dynbuf_printf(&in, "%lu:%lu %o\n", (unsigned long)old->uid,
				  (unsigned long)old->gid, file_mode);
	else if (r == 0 && give)
		r = dynbuf_printf(&in, "%lu:%lu 600\n", (unsigned long)st->uid,
				  (unsigned long)st->gid);
	else if (r == 0)
		r = dynbuf_printf(&in, "-:- %o\n", file_mode);
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
		r = last_request(c, &in, ret_log, d);

	dynbuf_free(&in);
	return r;
}

#define MAX_GROUP_IDS 65536 /* accounts sharing one primary group, or members listed */

/* "1001,1002,": comma-separated items appended through add() */
static int split_list(const char *text, size_t len, int (*add)(const char *, size_t, void *),
		      void *arg)
{
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		size_t n = comma ? (size_t)(comma - p) : (size_t)(end - p);
		int r = n ? add(p, n, arg) : 0;
		if (r < 0)
			return r;
		p = comma ? comma + 1 : end;
	}
	return 0;
}

struct id_list {
	uid_t **ids;
	size_t *n;
};

static int add_id(const char *text, size_t len, void *arg)
{
	struct id_list *list = arg;
	unsigned long v;
	if (!parse_ulong(text, len, &v) || *list->n >= MAX_GROUP_IDS)
		return ERR_FORMAT;
	uid_t *grown = realloc(*list->ids, (*list->n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	*list->ids = grown;
	grown[(*list->n)++] = (uid_t)v;
	return 0;
}

int authorized_keys_groups_parse(const char *text, size_t len, struct authorized_keys_state *st)
{
	struct line_iter it;
	const char *line;
	size_t n;
	line_iter_init(&it, text, len);
	while (line_iter_next(&it, &line, &n, NULL)) {
		if (n == 10 && !strncmp(line, "end-groups", 10))
			return 0;
		/* group GID primary=U,U, members=NAME,NAME */
		const char *prim = n > 6 ? memmem(line, n, " primary=", 9) : NULL;
		const char *mem =
			prim ? memmem(prim, (size_t)(line + n - prim), " members=", 9) : NULL;
		unsigned long gid;
		if (n < 6 || strncmp(line, "group ", 6) || !prim || !mem || prim < line + 6 ||
		    !parse_ulong(line + 6, (size_t)(prim - line - 6), &gid) ||
		    st->n_groups >= AUTHORIZED_KEYS_MAX_NODES)
			return ERR_FORMAT;
		struct group_members *grown =
			realloc(st->groups, (st->n_groups + 1) * sizeof(*st->groups));
		if (!grown)
			return -ENOMEM;
		st->groups = grown;
		struct group_members *g = &st->groups[st->n_groups++];
		memset(g, 0, sizeof(*g));
		g->gid = (gid_t)gid;
		g->known = true;
		struct id_list primary = {&g->primary, &g->n_primary};
		struct id_list members = {&g->members, &g->n_members};
		int r = split_list(prim + 9, (size_t)(mem - prim - 9), add_id, &primary);
		if (r == 0)
			r = split_list(mem + 9, (size_t)(line + n - mem - 9), add_id, &members);
		if (r < 0)
			return r;
	}
	return ERR_FORMAT; /* no end line */
}

static bool groups_complete(const struct dynbuf *out, void *arg)
{
	size_t from = *(const size_t *)arg;
	return out->len >= from + 11 &&
	       memmem(out->data + from, out->len - from, "end-groups\n", 11) != NULL;
}

int authorized_keys_remote_groups(struct authorized_keys_state *st, const gid_t *gids, size_t n,
				  struct diag *d)
{
	struct authorized_keys_conversation *c = st->conversation;
	struct dynbuf in;
	if (!c || !c->process)
		return -EINVAL;
	dynbuf_init(&in, 64 * 1024);
	int r = dynbuf_append_str(&in, "groups");
	for (size_t i = 0; r == 0 && i < n; i++)
		r = dynbuf_printf(&in, " %lu", (unsigned long)gids[i]);
	if (r == 0)
		r = dynbuf_append_str(&in, "\n");
	size_t from = c->out.len;
	if (r == 0)
		r = remote_process_write(c->process, in.data, in.len, d);
	if (r == 0)
		r = remote_process_read_until(c->process, groups_complete, &from, d);
	if (r == 0 && !groups_complete(&c->out, &from)) {
		diag_set(d, "the server's helper stopped answering");
		r = ERR_REMOTE;
	}
	if (r == 0)
		r = authorized_keys_groups_parse((const char *)c->out.data + from,
						 c->out.len - from, st);
	if (r == ERR_FORMAT && !d->text[0])
		diag_set(d, "unexpected answer from the server's helper");
	c->answer_len = c->out.len;
	dynbuf_free(&in);
	return r;
}

int authorized_keys_remote_fix(const struct authorized_keys_state *st, const struct mode_fix *modes,
			       size_t n_modes, const struct owner_fix *owners, size_t n_owners,
			       struct dynbuf *ret_log, struct diag *d)
{
	struct authorized_keys_conversation *c = st->conversation;
	struct dynbuf in;
	if (!c || !c->process)
		return -EINVAL;
	dynbuf_init(&in, 1024 * 1024);
	int r = dynbuf_append_str(&in, "fix\n");
	for (size_t i = 0; r == 0 && i < n_modes; i++)
		r = strchr(modes[i].path, '\n')
			    ? -EINVAL
			    : dynbuf_printf(&in, "chmod %o %s\n", (unsigned)modes[i].mode,
					    modes[i].path);
	for (size_t i = 0; r == 0 && i < n_owners; i++)
		r = strchr(owners[i].path, '\n')
			    ? -EINVAL
			    : dynbuf_printf(&in, "chown %lu:%lu %s\n", (unsigned long)owners[i].uid,
					    (unsigned long)owners[i].gid, owners[i].path);
	if (r == 0)
		r = dynbuf_append_str(&in, "end\n");
	if (r == 0)
		r = last_request(c, &in, ret_log, d);
	dynbuf_free(&in);
	return r;
}
