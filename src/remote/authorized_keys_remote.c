#include "remote/authorized_keys_remote.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/error.h"
#include "base/posix_cksum.h"
#include "base/text_lines.h"
#include "remote/helper_scripts.h"
#include "remote/root_runner.h"

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

/* "ls -ld" (names) line: the owner and group names into n (the numbers came first). */
static int parse_ls_names(const char *line, size_t len, struct remote_node *n)
{
	char copy[512], perms[32], owner[64], group[64];
	unsigned long links;
	snprintf(copy, sizeof(copy), "%.*s", (int)(len < 511 ? len : 511), line);
	if (sscanf(copy, "%31s %lu %63s %63s", perms, &links, owner, group) != 4 ||
	    strlen(owner) >= sizeof(n->owner) || strlen(group) >= sizeof(n->group))
		return ERR_FORMAT;
	memcpy(n->owner, owner, strlen(owner) + 1);
	memcpy(n->group, group, strlen(group) + 1);
	return 0;
}

void remote_node_owner_text(const struct remote_node *n, char *buf, size_t len)
{
	if (n->owner[0] && strspn(n->owner, "0123456789") != strlen(n->owner))
		snprintf(buf, len, "%s (uid %lu)", n->owner, (unsigned long)n->uid);
	else
		snprintf(buf, len, "uid %lu", (unsigned long)n->uid);
}

void authorized_keys_account_text(const struct authorized_keys_state *st, char *buf, size_t len)
{
	if (st->account[0])
		snprintf(buf, len, "%s (uid %lu)", st->account, (unsigned long)st->uid);
	else
		snprintf(buf, len, "uid %lu", (unsigned long)st->uid);
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
	if (e && strncmp(e, "error keys-none ", 16) == 0) {
		diag_set(d, "%.*s", (int)strcspn(e + 16, "\n"), e + 16);
		return ERR_KEYS_NOT_IN_FILES;
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
		if ((n == 9 && !strncmp(line, "content -", 9)) ||
		    (n == 18 && !strncmp(line, "content unreadable", 18)))
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
	bool listing = false, names = false;
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
		} else if (len == 18 && !strncmp(p, "content unreadable", 18)) {
			st->exists = st->unreadable = true;
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
		} else if (len == 5 && !strncmp(p, "names", 5) && listing) {
			/* the same nodes again, with names */
			if (next_listed(st, &cursor))
				goto out;
			listing = false;
			names = true;
			cursor = st->n_nodes;
		} else if (listing || names) {
			/* each line must name the node it describes: a guard against any skew */
			struct remote_node *node = next_listed(st, &cursor);
			size_t path_len = node ? strlen(node->path) : 0;
			if (!node || len < 11 + path_len ||
			    !memmem(p + 10, len - 10, node->path, path_len) ||
			    (names ? parse_ls_names(p, len, node) : parse_ls(p, len, node)) < 0)
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
		} else if (len > 8 && len - 8 < sizeof(st->account) && !strncmp(p, "account ", 8)) {
			memcpy(st->account, p + 8, len - 8);
			st->account[len - 8] = 0;
		} else if ((len >= 9 && !strncmp(p, "lock live", 9)) ||
			   (len >= 10 && !strncmp(p, "lock stale", 10))) {
			bool stale = p[5] == 's';
			snprintf(st->lock, sizeof(st->lock), "%s", stale ? "stale" : "live");
			size_t at = stale ? 10 : 9;
			if (len > at + 1 && p[at] == ' ' && len - at - 1 < sizeof(st->lock_owner)) {
				memcpy(st->lock_owner, p + at + 1, len - at - 1);
				st->lock_owner[len - at - 1] = 0;
			}
		} else if (len == 4 && !strncmp(p, "link", 4)) {
			st->is_link = true;
		} else if (len > 13 && !strncmp(p, "entry-exists ", 13)) {
			if (!parse_ulong(p + 13, len - 13, &v) || v >= 64)
				goto out;
			st->others_existing |= 1UL << v;
		} else if (len > 8 && !strncmp(p, "entries ", 8)) {
			size_t digits = 0; /* bounded: the text is not NUL-terminated */
			while (8 + digits < len && p[8 + digits] >= '0' && p[8 + digits] <= '9')
				digits++;
			if (!parse_ulong(p + 8, digits, &v) || v > 64 || 8 + digits >= len)
				goto out;
			st->n_entries = (unsigned)v;
			st->entries_from_sshd =
				len - 9 - digits == 4 && !strncmp(p + 9 + digits, "sshd", 4);
		} else if (len > 22 && len - 22 < sizeof(st->keys_command) &&
			   !strncmp(p, "authorizedkeyscommand ", 22)) {
			memcpy(st->keys_command, p + 22, len - 22);
			st->keys_command[len - 22] = 0;
		} else if (len > 26 && len - 26 < sizeof(st->keys_command_user) &&
			   !strncmp(p, "authorizedkeyscommanduser ", 26)) {
			memcpy(st->keys_command_user, p + 26, len - 26);
			st->keys_command_user[len - 26] = 0;
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
	if (r == 0 && ((!listing && !names) || next_listed(st, &cursor) || !st->home || !st->path ||
		       !st->real_path || !st->real_home || st->n_nodes == 0))
		r = ERR_FORMAT;
out:
	return r;
}

int authorized_keys_remote_read(struct remote_session *s, const char *for_user,
				const struct root_runner *root, struct authorized_keys_state *st,
				struct diag *d)
{
	return authorized_keys_remote_read_entry(s, for_user, root, 0, st, d);
}

/* The helper, as the login user, or as root through root's runner, with its first lines
 * in; its answer read. */
static int start_and_read(struct remote_session *s, const struct root_runner *root,
			  struct authorized_keys_conversation *c, const struct dynbuf *in,
			  struct diag *d)
{
	return root_runner_run(s, root, helper_authorized_keys_sh, in, &c->out, &c->err,
			       state_complete, NULL, &c->process, d);
}

int authorized_keys_remote_read_entry(struct remote_session *s, const char *for_user,
				      const struct root_runner *root, unsigned entry,
				      struct authorized_keys_state *st, struct diag *d)
{
	struct authorized_keys_conversation *c = calloc(1, sizeof(*c));
	struct dynbuf in;
	char token[40];
	int status = -1;
	memset(st, 0, sizeof(*st));
	dynbuf_init(&st->content, AUTHORIZED_KEYS_STATE_MAX);
	dynbuf_init(&in, 4096);
	int r = c ? remote_random_token(token, sizeof(token)) : -ENOMEM;
	if (r < 0)
		goto out;
	dynbuf_init(&c->out, AUTHORIZED_KEYS_STATE_MAX + 1024 * 1024);
	dynbuf_init(&c->err, 64 * 1024);
	/* the time a lock of ours says it was taken: ours (the server's date would be a
	 * process more per write) */
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(now, sizeof(now), "unknown");
	if ((r = dynbuf_printf(&in, "%s\n%s\n%u\n%s\n", for_user ? for_user : "", token, entry,
			       now)) < 0)
		goto out;
	if ((r = start_and_read(s, for_user ? root : NULL, c, &in, d)) < 0)
		goto out;
	if (!state_complete(&c->out, NULL)) {
		/* it ended before answering */
		if ((r = remote_process_finish(c->process, &status, d)) == 0)
			r = status ? helper_failure(c, 0, status, d) : ERR_FORMAT;
		goto out;
	}
	c->answer_len = c->out.len;
	r = authorized_keys_state_parse((const char *)c->out.data, c->out.len, st);
	st->entry = entry;
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
	dynbuf_free(&in);
	return r;
}

/* "chmod MODE PATH" lines and "end": the mode changes of a write or fix request */
static int mode_lines(const struct mode_fix *fixes, size_t n_fixes, struct dynbuf *in)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < n_fixes; i++)
		r = strchr(fixes[i].path, '\n')
			    ? -EINVAL
			    : dynbuf_printf(in, "chmod %o %s\n", (unsigned)fixes[i].mode,
					    fixes[i].path);
	return r < 0 ? r : dynbuf_append_str(in, "end\n");
}

int authorized_keys_remote_write(const struct authorized_keys_state *st,
				 const struct mode_fix *fixes, size_t n_fixes, const void *content,
				 size_t len, struct dynbuf *ret_log, struct diag *d)
{
	struct authorized_keys_conversation *c = st->conversation;
	struct dynbuf in;
	if (!c || !c->process)
		return -EINVAL; /* one write per read */
	if (st->unreadable) {
		/* what is in it would be lost */
		diag_set(d, "%s cannot be read by the account, so it is not changed", st->path);
		return -EACCES;
	}
	dynbuf_init(&in, AUTHORIZED_KEYS_STATE_MAX + 1024 * 1024);
	int r = dynbuf_append_str(&in, "write\n");
	if (r == 0)
		r = mode_lines(fixes, n_fixes, &in);
	if (r == 0 && st->exists)
		r = dynbuf_printf(&in, "%u %zu\n", posix_cksum(st->content.data, st->content.len),
				  st->content.len);
	else if (r == 0)
		r = dynbuf_append_str(&in, "absent\n");
	/* new files belong to the account; only root can give them away; a replaced file
	 * keeps its owner and mode (where the helper writes as root: where the account
	 * writes, the new file is the account's) */
	bool give = st->login_uid == 0 && st->uid != 0;
	const struct remote_node *old = st->exists ? &st->nodes[0] : NULL;
	/* the file's mode: as it was, unless this very write fixes it (the replacement must
	 * not bring back the write bits the chmod just took away) */
	unsigned file_mode = old ? (unsigned)(old->mode & 0777) : 0600u;
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
	if (r == 0)
		r = dynbuf_printf(&in, "%zu\n", len);
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
			       size_t n_modes, bool adopt, struct dynbuf *ret_log, struct diag *d)
{
	struct authorized_keys_conversation *c = st->conversation;
	struct dynbuf in;
	if (!c || !c->process)
		return -EINVAL;
	dynbuf_init(&in, 1024 * 1024);
	int r = dynbuf_append_str(&in, "fix\n");
	if (r == 0 && adopt)
		r = strchr(st->path, '\n') ? -EINVAL : dynbuf_printf(&in, "adopt %s\n", st->path);
	if (r == 0)
		r = mode_lines(modes, n_modes, &in);
	if (r == 0)
		r = last_request(c, &in, ret_log, d);
	dynbuf_free(&in);
	return r;
}
