#include "ops/log_report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cpus.h"
#include "base/time_text.h"
#include "ops/log_stream.h"

void log_report_init(struct log_report *r, long long now)
{
	memset(r, 0, sizeof(*r));
	r->now = now;
	string_counts_init(&r->logins, LOG_REPORT_TABLE_MAX);
	string_counts_init(&r->sources, LOG_REPORT_TABLE_MAX);
	string_counts_init(&r->passwords, LOG_REPORT_TABLE_MAX);
	string_counts_init(&r->keys, LOG_REPORT_TABLE_MAX);
	string_counts_init(&r->failures, LOG_REPORT_TABLE_MAX);
	string_counts_init(&r->accounts, LOG_REPORT_TABLE_MAX);
	string_counts_init(&r->refusals, LOG_REPORT_TABLE_MAX);
	string_counts_init(&r->hours, LOG_REPORT_TABLE_MAX);
	dynbuf_init(&r->notes, 64 * 1024);
	/* NULL when out of memory: then no second factor is recognised (said nowhere; the
	 * report's other tables fail the same way) */
	r->partials = calloc(LOG_REPORT_PARTIALS_MAX, sizeof(*r->partials));
}

void log_report_clear(struct log_report *r)
{
	string_counts_clear(&r->logins);
	string_counts_clear(&r->sources);
	string_counts_clear(&r->passwords);
	string_counts_clear(&r->keys);
	string_counts_clear(&r->failures);
	string_counts_clear(&r->accounts);
	string_counts_clear(&r->refusals);
	string_counts_clear(&r->hours);
	dynbuf_free(&r->notes);
	free(r->partials);
	r->partials = NULL;
}

/* one note line as it is, counted past the limit */
static int note_line(struct log_report *r, const char *text, size_t len)
{
	if (r->n_notes >= LOG_REPORT_NOTES_MAX) {
		r->notes_left_out++;
		return 0;
	}
	r->n_notes++;
	return dynbuf_printf(&r->notes, "%.*s\n", (int)len, text);
}

int log_report_note(struct log_report *r, const char *name, unsigned long lineno, const char *what)
{
	char text[700];
	int n;
	/* a range's own report (name NULL): "LINENO\tWHAT", numbered whole at the merge */
	if (!name)
		n = snprintf(text, sizeof(text), "%lu\t%s", lineno, what);
	else if (lineno)
		n = snprintf(text, sizeof(text), "%s:%lu: %s", name, lineno, what);
	else
		n = snprintf(text, sizeof(text), "%s: %s", name, what);
	return note_line(r, text, n < (int)sizeof(text) ? (size_t)n : sizeof(text) - 1);
}

int log_report_undated_note(struct log_report *r, const char *name)
{
	char what[200];
	if (!r->since || !r->undated)
		return 0;
	snprintf(what, sizeof(what),
		 "%llu of sshd's lines carry no time (sshd -E writes none): left out, whether "
		 "before or after the --since time unknown",
		 (unsigned long long)r->undated);
	return log_report_note(r, name, 0, what);
}

/* a table key's account field made ACCOUNT@HOST */
struct host_rename {
	unsigned field; /* which tab-separated field is the account */
	const char *host;
};

static size_t rename_account(const char *key, size_t len, char *buf, size_t size, void *arg)
{
	const struct host_rename *h = arg;
	size_t out = 0, field = 0, host_len = strlen(h->host);
	for (size_t i = 0; i <= len; i++) {
		if (i == len || key[i] == '\t') {
			if (field++ == h->field) {
				if (out + 1 + host_len >= size)
					return size;
				buf[out++] = '@';
				memcpy(buf + out, h->host, host_len);
				out += host_len;
			}
			if (i == len)
				break;
		}
		if (out + 1 >= size)
			return size;
		buf[out++] = key[i];
	}
	buf[out] = 0;
	return out;
}

int log_report_merge(struct log_report *r, const struct log_report *part, const char *name,
		     unsigned long line_base, const char *host)
{
	int rc = 0;
	r->lines += part->lines;
	r->sshd_lines += part->sshd_lines;
	r->too_long += part->too_long;
	r->future += part->future;
	r->out_of_order += part->out_of_order;
	r->before_since += part->before_since;
	r->undated += part->undated;
	for (unsigned i = 0; i < SSHD_EVENTS; i++)
		r->kinds[i] += part->kinds[i];
	if (part->first && (!r->first || part->first < r->first))
		r->first = part->first;
	if (part->last > r->last)
		r->last = part->last;
	/* a host's accounts are that host's: "alice@web1" */
	struct host_rename method_account = {1, host}, account_address = {0, host},
			   fp_type_account = {2, host};
	struct {
		struct string_counts *into;
		const struct string_counts *from;
		struct host_rename *rename;
	} tables[] = {{&r->logins, &part->logins, &method_account},
		      {&r->sources, &part->sources, NULL},
		      {&r->passwords, &part->passwords, &account_address},
		      {&r->keys, &part->keys, &fp_type_account},
		      {&r->failures, &part->failures, NULL},
		      {&r->accounts, &part->accounts, NULL},
		      {&r->refusals, &part->refusals, NULL},
		      {&r->hours, &part->hours, NULL}};
	for (size_t t = 0; rc == 0 && t < sizeof(tables) / sizeof(tables[0]); t++)
		rc = host && tables[t].rename
			     ? string_counts_merge_renamed(tables[t].into, tables[t].from,
							   rename_account, tables[t].rename)
			     : string_counts_merge(tables[t].into, tables[t].from);
	/* the part's notes: a range's "LINENO\tWHAT", numbered whole here; a host's as they
	 * are */
	const char *p = (const char *)part->notes.data, *end = p + part->notes.len;
	while (rc == 0 && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *tab = host ? NULL : memchr(p, '\t', len);
		char text[600];
		if (tab) {
			snprintf(text, sizeof(text), "%.*s", (int)(len - (size_t)(tab + 1 - p)),
				 tab + 1);
			unsigned long rel = strtoul(p, NULL, 10);
			rc = log_report_note(r, name, rel ? line_base + rel : 0, text);
		} else if (host) {
			rc = note_line(r, p, len);
		}
		p += len + 1;
	}
	r->notes_left_out += part->notes_left_out;
	return rc;
}

long long log_report_harden_dir_time(const char *name)
{
	size_t n = strlen(name);
	int f[6];
	static const unsigned at[6] = {0, 4, 6, 9, 11, 13}, width[6] = {4, 2, 2, 2, 2, 2};
	if (n < 24 || n >= 64 || name[8] != 'T' || name[15] != 'Z' || name[16] != '-' ||
	    strcmp(name + n - 7, "-harden") || strspn(name + 17, "0123456789") != n - 24)
		return 0;
	for (int i = 0; i < 6; i++) {
		f[i] = 0;
		for (unsigned j = 0; j < width[i]; j++) {
			char c = name[at[i] + j];
			if (c < '0' || c > '9')
				return 0;
			f[i] = f[i] * 10 + (c - '0');
		}
	}
	return time_text_utc(f[0], f[1], f[2], f[3], f[4], f[5]);
}

int log_report_harden_time(const char *root, long long *ret_time, char ret_name[64], struct diag *d)
{
	/* root's own directory (0700, root's): entered once, entries read relative to it */
	int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	DIR *dir = dfd >= 0 ? fdopendir(dfd) : NULL;
	long long best = 0;
	char best_name[64] = "";
	int rc = 0;
	if (!dir) {
		rc = -errno;
		if (dfd >= 0)
			close(dfd);
		if (rc == -ENOENT)
			diag_set(d, "no harden has run on this machine (%s does not exist)", root);
		else
			diag_set(d, "%s: %s", root, strerror(-rc));
		return rc;
	}
	struct dirent *de;
	while ((de = readdir(dir))) {
		long long t = log_report_harden_dir_time(de->d_name);
		char path[300], state[8] = "";
		if (!t || strcmp(de->d_name, best_name) <= 0)
			continue;
		snprintf(path, sizeof(path), "%s/state", de->d_name);
		int fd = openat(dirfd(dir), path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		ssize_t got = fd >= 0 ? read(fd, state, sizeof(state) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (got == 5 && !memcmp(state, "done\n", 5)) {
			best = t;
			/* a harden name is shorter than 64 (log_report_harden_dir_time) */
			memcpy(best_name, de->d_name, strlen(de->d_name) + 1);
		}
	}
	closedir(dir);
	if (!best) {
		diag_set(d, "no harden has completed on this machine (%s)", root);
		return -ENOENT;
	}
	*ret_time = best;
	memcpy(ret_name, best_name, sizeof(best_name));
	return rc;
}

const char *log_report_cause(enum sshd_event kind)
{
	switch (kind) {
	case SSHD_EVENT_REFUSED_MODES:
		return "StrictModes: a path writable by others or owned by another account; sshd "
		       "ignores the keys (sshkeyctl perms --fix)";
	case SSHD_EVENT_NOT_ALLOWED:
		return "AllowUsers/DenyUsers/AllowGroups/DenyGroups, or the account's state "
		       "(sshkeyctl doctor names the line)";
	case SSHD_EVENT_ROOT_REFUSED:
		return "PermitRootLogin refuses this method for root";
	case SSHD_EVENT_KEY_TYPE:
		return "the client's key type or signature algorithm is not in "
		       "PubkeyAcceptedAlgorithms (an old client, or a DSA or SHA-1 RSA key)";
	case SSHD_EVENT_FROM_REFUSED:
		return "the key's from= option does not allow the address it came from";
	case SSHD_EVENT_TOO_MANY:
		return "MaxAuthTries: too many keys offered (ssh-agent's: IdentitiesOnly yes), or "
		       "passwords guessed";
	default:
		return "";
	}
}

/* "a\tb[\tc]" as a table's key (the fields are an event's: each under 300 bytes) */
static size_t join(char *key, const char *a, const char *b, const char *c)
{
	size_t n = strlen(a), nb = strlen(b);
	memcpy(key, a, n);
	key[n++] = '\t';
	memcpy(key + n, b, nb);
	n += nb;
	if (c) {
		size_t nc = strlen(c);
		key[n++] = '\t';
		memcpy(key + n, c, nc);
		n += nc;
	}
	return n;
}

static int tab2(struct string_counts *c, const char *a, const char *b, unsigned i, long long t)
{
	char key[1024];
	return string_counts_add(c, key, join(key, a, b, NULL), i, 1, t);
}

/* the hour's start, in decimal, as the hours table's key */
static size_t hour_key(long long t, char buf[24])
{
	unsigned long long v = t > 0 ? (unsigned long long)(t - t % 3600) : 0;
	char digits[24];
	size_t n = 0;
	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	for (size_t k = 0; k < n; k++)
		buf[k] = digits[n - 1 - k];
	return n;
}

static int add_event(struct log_report *r, const struct sshd_log_event *e)
{
	long long t = e->time;
	int rc = 0;
	char hour[24];
	size_t hour_len = hour_key(t, hour);
	if (t) {
		if (!r->first || t < r->first)
			r->first = t;
		if (t > r->last)
			r->last = t;
	}
	switch (e->kind) {
	case SSHD_EVENT_ACCEPTED:
		rc = tab2(&r->logins, e->method, e->user, 0, t);
		if (rc == 0)
			rc = string_counts_add(&r->sources, e->address, strlen(e->address), 0, 1,
					       t);
		if (rc == 0 &&
		    (!strcmp(e->method, "password") ||
		     (!strncmp(e->method, "keyboard-interactive", 20) && !strchr(e->method, ','))))
			rc = tab2(&r->passwords, e->user, e->address, 0, t);
		if (rc == 0 && e->fingerprint[0]) {
			char key[1024];
			rc = string_counts_add(&r->keys, key,
					       join(key, e->fingerprint, e->key_type, e->user), 0,
					       1, t);
		}
		if (rc == 0 && t)
			rc = string_counts_add(&r->hours, hour, hour_len, 0, 1, t);
		break;
	case SSHD_EVENT_FAILED:
		rc = string_counts_add(&r->failures, e->address, strlen(e->address),
				       !strcmp(e->method, "password") ? LOG_FAILED_PASSWORD
								      : LOG_FAILED_OTHER,
				       1, t);
		if (rc == 0 && !strcmp(e->method, "password"))
			rc = string_counts_add(&r->accounts, e->user, strlen(e->user),
					       e->invalid_user ? 1 : 0, 1, t);
		if (rc == 0 && t)
			rc = string_counts_add(&r->hours, hour, hour_len, 1, 1, t);
		break;
	case SSHD_EVENT_INVALID_USER:
		rc = string_counts_add(&r->failures, e->address, strlen(e->address),
				       LOG_INVALID_USER, 1, t);
		break;
	case SSHD_EVENT_TOO_MANY:
		rc = string_counts_add(&r->failures, e->address, strlen(e->address), LOG_TOO_MANY,
				       1, t);
		if (rc == 0 && !e->invalid_user)
			rc = tab2(&r->refusals, "too-many-failures", e->user, 0, t);
		break;
	case SSHD_EVENT_REFUSED_MODES:
		rc = tab2(&r->refusals, "bad-modes", e->detail, 0, t);
		break;
	case SSHD_EVENT_NOT_ALLOWED:
		rc = tab2(&r->refusals, "not-allowed", e->detail, 0, t);
		break;
	case SSHD_EVENT_ROOT_REFUSED:
		rc = tab2(&r->refusals, "root-refused", e->address, 0, t);
		break;
	case SSHD_EVENT_KEY_TYPE:
		rc = tab2(&r->refusals, "key-type", e->detail, 0, t);
		break;
	case SSHD_EVENT_FROM_REFUSED:
		rc = tab2(&r->refusals, "from-refused", e->user, 0, t);
		break;
	default:
		break;
	}
	return rc;
}

/* A first method that worked is kept for its connection; the login that completes it there
 * becomes "FIRST,SECOND" with the first's key (sshd's own notation for AuthenticationMethods):
 * a key and a code is never a password login. */
static void combine_partial(struct log_report *r, struct sshd_log_event *e)
{
	if (!r->partials || !e->port ||
	    (e->kind != SSHD_EVENT_PARTIAL && e->kind != SSHD_EVENT_ACCEPTED))
		return;
	if (e->kind == SSHD_EVENT_PARTIAL) {
		struct log_partial *p = &r->partials[r->next_partial];
		r->next_partial = (r->next_partial + 1) % LOG_REPORT_PARTIALS_MAX;
		memcpy(p->address, e->address, sizeof(p->address));
		p->port = e->port;
		memcpy(p->method, e->method, sizeof(p->method));
		memcpy(p->key_type, e->key_type, sizeof(p->key_type));
		memcpy(p->fingerprint, e->fingerprint, sizeof(p->fingerprint));
		return;
	}
	for (size_t i = 0; i < LOG_REPORT_PARTIALS_MAX; i++) {
		struct log_partial *p = &r->partials[i];
		if (p->port != e->port || strcmp(p->address, e->address))
			continue;
		/* "FIRST,SECOND", the second cut if it must be (the comma stays) */
		char method[sizeof(e->method)];
		size_t a = strlen(p->method), b = strlen(e->method);
		if (a + 2 > sizeof(method))
			a = sizeof(method) - 2;
		if (a + 1 + b >= sizeof(method))
			b = sizeof(method) - 2 - a;
		memcpy(method, p->method, a);
		method[a] = ',';
		memcpy(method + a + 1, e->method, b);
		method[a + 1 + b] = 0;
		memcpy(e->method, method, sizeof(e->method));
		if (!e->fingerprint[0]) {
			memcpy(e->key_type, p->key_type, sizeof(e->key_type));
			memcpy(e->fingerprint, p->fingerprint, sizeof(e->fingerprint));
		}
		p->port = 0; /* used */
		return;
	}
}

int log_report_add_line(struct log_report *r, const char *line, size_t len, const char *name,
			unsigned long lineno)
{
	struct sshd_log_event e;
	r->lines++;
	int rc = sshd_log_parse_line(line, len, r->now, &e);
	if (rc == ERR_TOO_LARGE) {
		r->too_long++;
		return log_report_note(r, name, lineno, "a line longer than sshd writes: skipped");
	}
	if (rc < 0 || e.kind == SSHD_EVENT_NONE)
		return 0;
	/* dates a log should not have: said (a clock set wrong, files given out of order, or
	 * lines someone wrote), still counted */
	if (e.time && e.time > r->now + 86400) {
		r->future++;
		if ((rc = log_report_note(r, name, lineno, "dated more than a day after now")) < 0)
			return rc;
	} else if (e.time && r->prev_time && e.time + 3600 < r->prev_time) {
		r->out_of_order++;
		if ((rc = log_report_note(r, name, lineno,
					  "dated over an hour before the line before it")) < 0)
			return rc;
	}
	if (e.time)
		r->prev_time = e.time;
	combine_partial(r, &e);
	if (r->since && e.time < r->since) {
		if (e.time)
			r->before_since++;
		else
			r->undated++;
		return 0;
	}
	r->sshd_lines++;
	r->kinds[e.kind]++;
	rc = add_event(r, &e);
	if (rc == 0 && r->on_event)
		rc = r->on_event(&e, r->on_event_arg);
	return rc;
}

#define READ_CHUNK (1024 * 1024)

/* fd's bytes from start (pread: the threads share the descriptor; a pipe: read) into a
 * stream; plain: the format is known (a range may start with any bytes) */
static int read_into(struct log_report *r, int fd, off_t start, uint64_t limit, bool skip_first,
		     bool plain, const char *name)
{
	struct log_stream s;
	char *buf = malloc(READ_CHUNK);
	int rc = log_stream_begin(&s, r, name);
	if (rc == 0 && !buf)
		rc = -ENOMEM;
	s.limit = limit;
	s.skipping = skip_first;
	if (plain)
		s.format = LOG_STREAM_PLAIN;
	bool seekable = lseek(fd, 0, SEEK_CUR) >= 0;
	for (off_t pos = start; rc == 0 && !s.full;) {
		ssize_t got =
			seekable ? pread(fd, buf, READ_CHUNK, pos) : read(fd, buf, READ_CHUNK);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = log_stream_fail(&s, strerror(errno));
			break;
		}
		if (got == 0)
			break;
		pos += got;
		rc = log_stream_push(&s, buf, (size_t)got);
	}
	if (rc == 0)
		rc = log_stream_end(&s);
	log_stream_clear(&s);
	free(buf);
	return rc;
}

/* a worker's part of a large plain file: its own report, notes numbered from its start */
struct range_work {
	struct log_report r;
	int fd;
	off_t start, end;
	int rc;
	pthread_t thread;
};

static void *range_run(void *arg)
{
	struct range_work *w = arg;
	/* the range starts at a line's start when the byte before it is a newline */
	bool skip_first = false;
	if (w->start > 0) {
		char before;
		skip_first = pread(w->fd, &before, 1, w->start - 1) != 1 || before != '\n';
	}
	w->rc = read_into(&w->r, w->fd, w->start, (uint64_t)(w->end - w->start), skip_first, true,
			  NULL);
	return NULL;
}

/* A plain file large enough: its ranges read on every usable CPU, then merged in order (the
 * notes' line numbers made whole). */
static int read_parallel(struct log_report *r, int fd, off_t size, unsigned n, const char *name)
{
	struct range_work *w = calloc(n, sizeof(*w));
	unsigned started = 0;
	int rc = 0;
	if (!w)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		log_report_init(&w[i].r, r->now);
		w[i].r.since = r->since;
		w[i].fd = fd;
		w[i].start = size / n * i;
		w[i].end = i + 1 == n ? size : size / n * (i + 1);
	}
	for (unsigned i = 1; i < n; i++)
		if (pthread_create(&w[i].thread, NULL, range_run, &w[i]) == 0)
			started = i;
		else
			break;
	range_run(&w[0]);
	/* a range whose thread did not start is read here */
	for (unsigned i = started + 1; i < n; i++)
		range_run(&w[i]);
	for (unsigned i = 1; i <= started; i++)
		pthread_join(w[i].thread, NULL);
	unsigned long base = 0;
	for (unsigned i = 0; i < n; i++) {
		if (rc == 0 && w[i].rc < 0)
			rc = w[i].rc;
		if (rc == 0)
			rc = log_report_merge(r, &w[i].r, name, base, NULL);
		base += (unsigned long)w[i].r.lines;
		log_report_clear(&w[i].r);
	}
	free(w);
	return rc;
}

int log_report_read_journal(struct log_report *r, const char *directory, struct diag *d)
{
	char since[32];
	const char *argv[24];
	size_t n = 0;
	int out[2] = {-1, -1}, err_fd = -1, rc = 0;
	argv[n++] = "journalctl";
	argv[n++] = "--output=json";
	argv[n++] = "--no-pager";
	argv[n++] = "--quiet";
	if (directory) {
		argv[n++] = "--directory";
		argv[n++] = directory;
	}
	if (r->since) {
		snprintf(since, sizeof(since), "--since=@%lld", r->since);
		argv[n++] = since;
	}
	/* journald's own _COMM, or the tag of entries that have none (imported ones): the
	 * parse keeps the entries whose _COMM is sshd's */
	static const char *const matches[] = {"_COMM=sshd",
					      "_COMM=sshd-session",
					      "_COMM=sshd-auth",
					      "+",
					      "SYSLOG_IDENTIFIER=sshd",
					      "SYSLOG_IDENTIFIER=sshd-session",
					      "SYSLOG_IDENTIFIER=sshd-auth"};
	for (size_t i = 0; i < sizeof(matches) / sizeof(matches[0]); i++)
		argv[n++] = matches[i];
	argv[n] = NULL;
	/* journalctl's stderr in memory: read after it ends, nothing to deadlock on */
	err_fd = memfd_create("journalctl-stderr", MFD_CLOEXEC);
	if (err_fd < 0 || pipe2(out, O_CLOEXEC) < 0) {
		rc = -errno;
		diag_set(d, "journalctl: %s", strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, err_fd, STDERR_FILENO);
	pid_t pid;
	rc = -posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	out[1] = -1;
	if (rc < 0) {
		diag_set(d, "journalctl: %s", strerror(-rc));
		goto out;
	}
	struct diag read_diag = {{0}};
	int read_rc = log_report_read_fd(r, out[0], "(journal)", &read_diag);
	/* a report that stopped reading early: journalctl must not block on a full pipe */
	close(out[0]);
	out[0] = -1;
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (read_rc < 0) {
		rc = read_rc;
		diag_set(d, "%s", read_diag.text);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		char said[400] = "";
		ssize_t got = pread(err_fd, said, sizeof(said) - 1, 0);
		said[got > 0 ? got : 0] = 0;
		said[strcspn(said, "\n")] = 0;
		rc = -EIO;
		diag_set(d, "journalctl failed (%s%d)%s%s",
			 WIFEXITED(status) ? "exit status " : "signal ",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
			 said[0] ? ": " : "", said);
	}
out:
	for (int i = 0; i < 2; i++)
		if (out[i] >= 0)
			close(out[i]);
	if (err_fd >= 0)
		close(err_fd);
	return rc;
}

#define PARALLEL_FROM (8 * 1024 * 1024) /* smaller files: one thread */

int log_report_read_fd(struct log_report *r, int fd, const char *name, struct diag *d)
{
	struct stat st;
	unsigned char magic[2] = {0};
	unsigned cpus = usable_cpus();
	int rc;
	/* a plain regular file of some size: in ranges, on every CPU */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= PARALLEL_FROM && cpus > 1 &&
	    pread(fd, magic, 2, 0) == 2 && !(magic[0] == 0x1f && magic[1] == 0x8b)) {
		rc = read_parallel(r, fd, st.st_size, cpus > 16 ? 16 : cpus, name);
	} else {
		/* anything else (gzip, a pipe) as a stream from where it is */
		off_t at = lseek(fd, 0, SEEK_CUR);
		rc = read_into(r, fd, at > 0 ? at : 0, UINT64_MAX, false, false, name);
	}
	if (rc < 0)
		diag_set(d, "%s: %s", name, error_to_string(rc));
	return rc;
}
