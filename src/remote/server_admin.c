#include "remote/server_admin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/text_lines.h"
#include "base/posix_cksum.h"

/* Run as the login user: who we are, the connection as the server sees it, and whether
 * sudo works without a password. */
static const char probe_sh[] = "i=$(LC_ALL=C id -u); echo \"uid $i\"\n"
			       "echo \"connection ${SSH_CONNECTION:-}\"\n"
			       "if [ \"$i\" != 0 ]; then\n"
			       "  if ! command -v sudo >/dev/null 2>&1; then echo 'sudo none'\n"
			       "  elif sudo -n true 2>/dev/null; then echo 'sudo nopasswd'\n"
			       "  else echo 'sudo password'; fi\n"
			       "fi\n";

/* The root helper. stdin: the token, "client laddr lport" (SSH_CONNECTION as the login
 * shell saw it: sudo clears the environment), then requests, one line each. Every answer is
 * the output, "\n", the token, a blank and a status, "\n". */
static const char helper_sh[] =
	"set -u\n"
	"IFS= read -r T || exit 90\n"
	"read -r caddr laddr lport || exit 90\n"
	"export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
	"umask 022\n"
	"root=" SERVER_ADMIN_BACKUP_ROOT "\n"
	"sshd=$(command -v sshd 2>/dev/null || echo /usr/sbin/sshd)\n"
	"cfg=/etc/ssh/sshd_config; lpid=0; p=$$\n"
	/* the topmost sshd among our ancestors is the listener that accepted us (below it:
	 * the per-connection processes, the same binary before OpenSSH 9.8) */
	"while :; do\n"
	"  st=$(cat /proc/$p/stat 2>/dev/null) || break\n"
	"  st=${st##*) }; set -- $st; pp=$2\n"
	"  exe=$(readlink /proc/$p/exe 2>/dev/null) || exe=\n"
	"  exe=${exe% (deleted)}\n"
	"  case $exe in */sshd) lpid=$p; sshd=$exe ;; esac\n"
	"  [ \"$pp\" -gt 1 ] 2>/dev/null || break\n"
	"  p=$pp\n"
	"done\n"
	"if [ \"$lpid\" != 0 ]; then\n"
	"  want=\n"
	"  while IFS= read -r a; do\n"
	"    if [ -n \"$want\" ]; then cfg=$a; want=; continue; fi\n"
	"    case $a in -f) want=1 ;; -f?*) cfg=${a#-f} ;; esac\n"
	"  done <<EOF\n"
	"$(tr '\\000' '\\n' < /proc/$lpid/cmdline 2>/dev/null)\n"
	"EOF\n"
	"fi\n"
	"unit=\n"
	"if [ \"$lpid\" != 0 ] && [ -d /run/systemd/system ] && command -v systemctl "
	">/dev/null 2>&1; then\n"
	"  for u in ssh.service sshd.service; do\n"
	"    m=$(systemctl show -p MainPID --value \"$u\" 2>/dev/null) || continue\n"
	"    [ \"$m\" = \"$lpid\" ] && { unit=$u; break; }\n"
	"  done\n"
	"fi\n"
	"if [ \"$lpid\" = 0 ]; then\n"
	"  pf=$(\"$sshd\" -T -f \"$cfg\" 2>/dev/null | awk '$1 == \"pidfile\" { print $2 }')\n"
	"  [ -n \"$pf\" ] && [ -r \"$pf\" ] && read -r lpid < \"$pf\"\n"
	"  case $lpid in ''|*[!0-9]*) lpid=0 ;; esac\n"
	"fi\n"
	"printf 'sshd %s\\nconfig %s\\npid %s\\nunit %s\\n' \"$sshd\" \"$cfg\" \"$lpid\" "
	"\"$unit\"\n"
	"dir=\n"
	"answer() { printf '\\n%s %s\\n' \"$T\" \"$1\"; }\n"
	"resolve() { p=$1; [ -L \"$p\" ] && p=$(readlink -f -- \"$1\"); printf '%s' \"$p\"; }\n"
	"sum() { if [ -e \"$1\" ]; then set -- $(cksum < \"$1\"); echo \"$1_$2\"; "
	"else echo absent; fi; }\n"
	"kill_deadman() {\n"
	"  : > \"$dir/confirmed\"\n"
	"  if [ -s \"$dir/deadman.pid\" ]; then read -r dm < \"$dir/deadman.pid\"\n"
	"    kill -- -\"$dm\" 2>/dev/null || kill \"$dm\" 2>/dev/null; fi\n"
	"  rm -f \"$dir/deadman.pid\"\n"
	"}\n"
	"answer 0\n"
	"while IFS= read -r req; do\n"
	"  verb=${req%% *}; arg=${req#* }; st=0\n"
	"  case $verb in save|write|remove|arm|reload|confirm|restore)\n"
	"    [ -n \"$dir\" ] || { echo 'no transaction'; answer 1; continue; } ;; esac\n"
	"  case $verb in\n"
	"  read) if [ -f \"$arg\" ]; then cat -- \"$arg\" || st=1; "
	"elif [ -e \"$arg\" ]; then echo 'not a regular file'; st=1; else st=2; fi ;;\n"
	"  glob) IFS=; for f in $arg; do [ -e \"$f\" ] && printf '%s\\n' \"$f\"; done; "
	"unset IFS ;;\n"
	"  test) \"$sshd\" -t -f \"$cfg\" 2>&1; st=$? ;;\n"
	"  effective) \"$sshd\" -T -f \"$cfg\" -C "
	"\"user=$arg,host=$caddr,addr=$caddr,laddr=$laddr,lport=$lport\" 2>&1; st=$? ;;\n"
	"  accounts) awk -F: 'NR == FNR { if ($2 != \"\" && $2 !~ /^[!*]/) pw[$1] = 1; next }\n"
	"      ($1 in pw) && $7 !~ /(nologin|false)$/ { print $1, $6 }' /etc/shadow "
	"/etc/passwd || st=1 ;;\n"
	"  nonempty) [ -s \"$arg\" ] || st=1 ;;\n"
	"  begin)\n"
	"    mkdir -p \"$root\" && chmod 700 \"${root%/*}\" \"$root\" &&\n"
	"    dir=\"$root/$(date -u +%Y%m%dT%H%M%SZ)-$$-$arg\" && mkdir -m 700 \"$dir\" &&\n"
	"    : > \"$dir/manifest\" && : > \"$dir/written\" && echo open > \"$dir/state\" &&\n"
	"    printf '%s\\n' \"$sshd\" > \"$dir/sshd\" && printf '%s\\n' \"$cfg\" > "
	"\"$dir/config\" &&\n"
	"    printf '%s\\n' \"$lpid\" > \"$dir/pid\" && printf '%s\\n' \"$unit\" > \"$dir/unit\" "
	"&&\n"
	"    cat > \"$dir/restore.sh\" <<'EOF' &&\n"
	"# restore.sh DIR [reload]: put back what sshkeyctl changed (written by sshkeyctl)\n"
	"export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
	"dir=$1; st=0\n"
	"while read -r kind n path; do\n"
	"  case $kind in\n"
	"  saved) tmp=\"${path%/*}/.${path##*/}.sshkeyctl-restore.$$\"\n"
	"    cp -p -- \"$dir/$n\" \"$tmp\" && { sync \"$tmp\" 2>/dev/null || sync; } &&\n"
	"      mv -f -- \"$tmp\" \"$path\" || st=1\n"
	"    if command -v restorecon >/dev/null 2>&1; then restorecon -F \"$path\" "
	"2>/dev/null; fi ;;\n"
	"  created) rm -f -- \"$path\" || st=1 ;;\n"
	"  esac\n"
	"done < \"$dir/manifest\"\n"
	"if [ \"${2:-}\" = reload ]; then\n"
	"  sh \"$dir/reload.sh\" \"$dir\" && echo restored-by-deadman > \"$dir/state\"\n"
	"fi\n"
	"exit $st\n"
	"EOF\n"
	"    cat > \"$dir/reload.sh\" <<'EOF' &&\n"
	"# reload.sh DIR: sshd -t, then reload the listener as it is run\n"
	"export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
	"dir=$1; read -r sshd < \"$dir/sshd\"; read -r cfg < \"$dir/config\"\n"
	"read -r pid < \"$dir/pid\"; unit=$(cat \"$dir/unit\")\n"
	"\"$sshd\" -t -f \"$cfg\" || exit 1\n"
	"if [ -n \"$unit\" ]; then systemctl reload \"$unit\" && echo \"systemctl reload $unit\"\n"
	"elif [ \"$pid\" != 0 ]; then kill -HUP \"$pid\" && echo \"SIGHUP to sshd pid $pid\"\n"
	"else echo 'no sshd listener found'; exit 1; fi\n"
	"EOF\n"
	"    printf '%s' \"$dir\" || st=1 ;;\n"
	"  save)\n"
	"    p=$(resolve \"$arg\"); n=$(($(wc -l < \"$dir/manifest\") + 1))\n"
	"    if [ -e \"$p\" ]; then cp -p -- \"$p\" \"$dir/$n\" && { sync \"$dir/$n\" 2>/dev/null "
	"|| sync; } &&\n"
	"      printf 'saved %s %s\\n' \"$n\" \"$p\" >> \"$dir/manifest\" || st=1\n"
	"    else printf 'created - %s\\n' \"$p\" >> \"$dir/manifest\" || st=1; fi ;;\n"
	"  write|remove)\n"
	"    set -- $arg; expect=$1; len=$2; p=${arg#* }; p=$(resolve \"${p#* }\")\n"
	"    [ \"$verb\" = remove ] || dd bs=1 count=\"$len\" of=\"$dir/incoming\" 2>/dev/null\n"
	"    if [ \"$(sum \"$p\")\" != \"$expect\" ]; then echo changed; st=3\n"
	"    elif [ \"$verb\" = remove ]; then rm -f -- \"$p\" &&\n"
	"      printf 'removed - %s\\n' \"$p\" >> \"$dir/written\" || st=1\n"
	"    else\n"
	"      tmp=\"${p%/*}/.${p##*/}.sshkeyctl.$$\"; rm -f -- \"$tmp\"\n"
	"      if [ -e \"$p\" ]; then cp -p -- \"$p\" \"$tmp\"; else : > \"$tmp\" && chmod 644 "
	"\"$tmp\"; fi &&\n"
	"      cat \"$dir/incoming\" > \"$tmp\" && { sync \"$tmp\" 2>/dev/null || sync; } &&\n"
	"      mv -f -- \"$tmp\" \"$p\" && printf 'wrote %s %s\\n' \"$(sum \"$p\")\" \"$p\" >> "
	"\"$dir/written\" || { rm -f -- \"$tmp\"; st=1; }\n"
	"      if command -v restorecon >/dev/null 2>&1; then restorecon -F \"$p\" "
	"2>/dev/null; fi\n"
	"    fi\n"
	"    rm -f \"$dir/incoming\" ;;\n"
	"  arm)\n"
	"    case $arg in ''|*[!0-9]*) st=1 ;; *)\n"
	"      c=\"sleep $arg; [ -e \\\"\\$0/confirmed\\\" ] || sh \\\"\\$0/restore.sh\\\" "
	"\\\"\\$0\\\" reload\"\n"
	"      if command -v setsid >/dev/null 2>&1; then\n"
	"        setsid sh -c \"$c\" \"$dir\" </dev/null >/dev/null 2>&1 &\n"
	"      else nohup sh -c \"$c\" \"$dir\" </dev/null >/dev/null 2>&1 & fi\n"
	"      echo $! > \"$dir/deadman.pid\" ;;\n"
	"    esac ;;\n"
	"  reload) sh \"$dir/reload.sh\" \"$dir\" 2>&1 || st=1 ;;\n"
	"  confirm) kill_deadman; echo done > \"$dir/state\" || st=1 ;;\n"
	"  restore)\n"
	"    kill_deadman; sh \"$dir/restore.sh\" \"$dir\" || st=1\n"
	"    while read -r kind n path; do\n"
	"      case $kind in\n"
	"      saved) cmp -s -- \"$dir/$n\" \"$path\" || { echo \"differs $path\"; st=1; } ;;\n"
	"      created) [ ! -e \"$path\" ] || { echo \"left $path\"; st=1; } ;;\n"
	"      esac\n"
	"    done < \"$dir/manifest\"\n"
	"    echo rolled-back > \"$dir/state\" ;;\n"
	"  latest)\n"
	"    found=\n"
	"    for d in \"$root\"/*-harden; do\n"
	"      [ -d \"$d\" ] && [ \"$(cat \"$d/state\" 2>/dev/null)\" = done ] && found=$d\n"
	"    done\n"
	"    if [ -z \"$found\" ]; then st=2; else\n"
	"      printf 'dir %s\\n' \"$found\"\n"
	"      while read -r kind n path; do\n"
	"        now=$(sum \"$path\"); state=changed\n"
	"        while read -r what s wp; do\n"
	"          [ \"$wp\" = \"$path\" ] || continue\n"
	"          case $what in wrote) [ \"$s\" = \"$now\" ] && state=unchanged ;;\n"
	"          removed) [ \"$now\" = absent ] && state=unchanged ;; esac\n"
	"        done < \"$found/written\"\n"
	"        printf 'entry %s %s %s\\n' \"$kind\" \"$state\" \"$path\"\n"
	"      done < \"$found/manifest\"\n"
	"    fi ;;\n"
	"  account)\n"
	"    ent=$(getent passwd \"$arg\" 2>/dev/null || awk -F: -v u=\"$arg\" '$1 == u' "
	"/etc/passwd)\n"
	"    if [ -z \"$ent\" ]; then st=2; else\n"
	"      IFS=: read -r n x uid gid gecos home shell <<EOF\n"
	"$ent\n"
	"EOF\n"
	"      s1=missing; [ -x \"$shell\" ] && s1=executable; h1=missing; [ -d \"$home\" ] && "
	"h1=present\n"
	"      printf 'home %s %s\\nshell %s %s\\n' \"$h1\" \"$home\" \"$s1\" \"$shell\"\n"
	"      awk -F: -v u=\"$arg\" '$1 == u { p = $2 == \"\" ? \"empty\" : $2 ~ /^!/ ? "
	"\"locked\" : $2 ~ /^[*]/ ? \"none\" : \"set\"; print \"password \" p; print "
	"\"expire \" $8 }' /etc/shadow\n"
	"      printf 'groups %s\\nday %s\\n' \"$(id -Gn -- \"$arg\" 2>/dev/null)\" "
	"\"$(($(date +%s) / 86400))\"\n"
	"    fi ;;\n"
	"  log)\n"
	"    case $arg in ''|*[!0-9]*) arg=600 ;; esac\n"
	"    if command -v journalctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then\n"
	"      journalctl -q --no-pager --since \"-${arg}s\" _COMM=sshd 2>/dev/null | tail -n 400\n"
	"    fi\n"
	"    for f in /var/log/auth.log /var/log/secure; do\n"
	"      [ -r \"$f\" ] && tail -n 1000 \"$f\"\n"
	"    done ;;\n"
	"  content) set -- $arg; case $1 in \"$root\"/*) ;; *) st=1 ;; esac\n"
	"    [ $st = 0 ] && { cat -- \"$1/$2\" || st=1; } ;;\n"
	"  undone) case $arg in \"$root\"/*) echo undone > \"$arg/state\" || st=1 ;; *) st=1 "
	";; esac ;;\n"
	"  *) echo \"unknown request\"; st=1 ;;\n"
	"  esac\n"
	"  answer $st\n"
	"done\n";

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
	if (ret_status)
		*ret_status = atoi(num);
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

/* Run probe_sh as the login user: uid, connection, and sudo's state. */
static int probe(struct remote_session *s, struct dynbuf *out, struct diag *d)
{
	struct dynbuf err;
	dynbuf_init(&err, 64 * 1024);
	struct remote_process *p;
	int status = 0;
	int r = remote_process_start_script(s, probe_sh, out, &err, &p, d);
	if (r == 0) {
		r = remote_process_finish(p, &status, d);
		remote_process_free(p);
	}
	if (r == 0 && (status != 0 || dynbuf_append(out, "", 1) < 0 ||
		       strncmp((const char *)out->data, "uid ", 4) != 0)) {
		diag_set(d, "cannot run commands on the server (status %d)", status);
		r = ERR_NO_SHELL;
	}
	dynbuf_free(&err);
	return r;
}

/* The password, checked with sudo alone before the helper starts. */
static int sudo_password(struct remote_session *s, server_admin_password_fn password, void *data,
			 char **ret, struct diag *d)
{
	char *pw = NULL;
	if (!password || password(remote_user(s), remote_label(s), &pw, data) < 0) {
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

/* The root helper started by runner. preamble: the password line for sudo (pw_len bytes,
 * written only when the runner reads one), then the helper's own lines. A one-time marker
 * sits between them: sh runs nothing unless the line after sudo's is the marker. */
static int start_helper(struct server_admin *a, const char *runner, const struct dynbuf *preamble,
			size_t pw_len, struct diag *d)
{
	char marker[40];
	bool sudo_reads = strstr(runner, "-S") != NULL;
	remote_process_free(a->process);
	a->process = NULL;
	dynbuf_reset(&a->out);
	dynbuf_reset(&a->err);
	int r = remote_random_token(marker, sizeof(marker));
	if (r == 0)
		r = remote_process_start_script_as(a->session, runner, preamble->data,
						   sudo_reads ? pw_len : 0, marker, helper_sh,
						   &a->out, &a->err, &a->process, d);
	if (r == 0)
		r = remote_process_write(a->process, (const char *)preamble->data + pw_len,
					 preamble->len - pw_len, d);
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

int server_admin_open(struct remote_session *s, server_admin_password_fn password, void *data,
		      struct server_admin **ret, struct diag *d)
{
	struct server_admin *a = calloc(1, sizeof(*a));
	struct dynbuf probe_out, preamble;
	dynbuf_init(&probe_out, 64 * 1024);
	dynbuf_init(&preamble, 4096);
	char *pw = NULL;
	const char *runner = "";
	int r = a ? 0 : -ENOMEM;
	if (r == 0) {
		a->session = s;
		dynbuf_init(&a->out, 16 * 1024 * 1024);
		dynbuf_init(&a->err, 1024 * 1024);
		r = probe(s, &probe_out, d);
	}
	if (r < 0)
		goto out;
	char value[256], connection[256];
	const char *text = (const char *)probe_out.data;
	line_value(text, "uid", value, sizeof(value));
	line_value(text, "connection", connection, sizeof(connection));
	if (strcmp(value, "0") != 0) {
		a->info.via_sudo = true;
		line_value(text, "sudo", value, sizeof(value));
		if (strcmp(value, "nopasswd") == 0) {
			runner = "sudo -n ";
		} else if (strcmp(value, "password") == 0) {
			if ((r = sudo_password(s, password, data, &pw, d)) < 0)
				goto out;
			/* -k: never a cached credential, so sudo always reads the password
			 * line and it can never reach the shell */
			runner = "sudo -k -S -p '' ";
			r = dynbuf_printf(&preamble, "%s\n", pw);
		} else {
			diag_set(d, "%s is not root and the server has no sudo", remote_user(s));
			r = ERR_NO_ROOT;
		}
	}
	if (r < 0)
		goto out;
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
	    (r = dynbuf_printf(&preamble, "%s\n%s %s %s\n", a->token, caddr, laddr, lport)) < 0)
		goto out;
	/* the password goes first, for sudo; then the helper's own lines */
	size_t pw_len = pw ? strlen(pw) + 1 : 0;
	struct dynbuf info;
	dynbuf_init(&info, 64 * 1024);
	int status = 0;
	if ((r = start_helper(a, runner, &preamble, pw_len, d)) == 0)
		r = request(a, "", NULL, 0, &info, &status, d);
	if (r < 0 && pw && helper_ended_unmarked(a)) {
		/* sudo read no password for sh (sudoers lets sh run without one): sh read the
		 * password line as data, found no marker and ran nothing. Again, without it. */
		d->text[0] = 0;
		if ((r = start_helper(a, "sudo -n ", &preamble, pw_len, d)) == 0)
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
		a->info.listener_pid = atol(value);
		line_value(text, "unit", a->info.unit, sizeof(a->info.unit));
	}
	dynbuf_free(&info);
out:
	secret_string_free(pw);
	dynbuf_free(&preamble);
	dynbuf_free(&probe_out);
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
	for (char *p = r == 0 ? (char *)body.data : NULL; p && *p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		char **grown = realloc(paths, (n + 1) * sizeof(*paths));
		if (!grown || !(grown[n] = strdup(p))) {
			paths = grown ? grown : paths;
			r = -ENOMEM;
			break;
		}
		paths = grown;
		n++;
		p = nl ? nl + 1 : NULL;
	}
	dynbuf_free(&body);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			free(paths[i]);
		free(paths);
		return r;
	}
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
	if (r == 0) {
		const char *t = body.len ? (const char *)body.data : "";
		/* the last line says what was done */
		size_t end = body.len;
		while (end && t[end - 1] == '\n')
			end--;
		size_t start = end;
		while (start && t[start - 1] != '\n')
			start--;
		snprintf(ret_how, how_len, "%.*s", (int)(end - start), t + start);
	}
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
