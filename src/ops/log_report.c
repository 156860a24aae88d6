#include "ops/log_report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

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
}

int log_report_note(struct log_report *r, const char *name, unsigned long lineno, const char *what)
{
	if (r->n_notes >= LOG_REPORT_NOTES_MAX) {
		r->notes_left_out++;
		return 0;
	}
	r->n_notes++;
	return lineno ? dynbuf_printf(&r->notes, "%s:%lu: %s\n", name, lineno, what)
		      : dynbuf_printf(&r->notes, "%s: %s\n", name, what);
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
		if (rc == 0 && (!strcmp(e->method, "password") ||
				!strncmp(e->method, "keyboard-interactive", 20)))
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
	r->sshd_lines++;
	r->kinds[e.kind]++;
	return add_event(r, &e);
}

#define READ_CHUNK (1024 * 1024)

int log_report_read_fd(struct log_report *r, int fd, const char *name, struct diag *d)
{
	int dup_fd = dup(fd);
	gzFile gz = dup_fd >= 0 ? gzdopen(dup_fd, "rb") : NULL;
	char *buf = malloc(READ_CHUNK + SSHD_LOG_LINE_MAX + 1);
	size_t have = 0;
	unsigned long lineno = 0;
	bool skipping = false; /* inside a line too long to keep */
	int rc = 0;
	if (!gz || !buf) {
		if (!gz && dup_fd >= 0)
			close(dup_fd);
		free(buf);
		if (gz)
			gzclose(gz);
		diag_set(d, "%s: out of memory", name);
		return -ENOMEM;
	}
	gzbuffer(gz, 256 * 1024);
	for (;;) {
		int n = gzread(gz, buf + have, READ_CHUNK), zerr = Z_OK;
		/* a stream cut short ends like a file, with its error kept */
		if (n == 0)
			gzerror(gz, &zerr);
		if (n < 0 || (zerr != Z_OK && zerr != Z_STREAM_END)) {
			const char *why = gzerror(gz, &zerr), *colon = strstr(why, ": ");
			/* zlib names the stream "<fd:N>": the file's own name is ours */
			if (!strncmp(why, "<fd:", 4) && colon)
				why = colon + 2;
			char what[300];
			snprintf(what, sizeof(what),
				 "not read to its end: %s (the %lu lines before are counted)",
				 zerr == Z_ERRNO ? strerror(errno) : why, lineno);
			rc = log_report_note(r, name, 0, what);
			break;
		}
		size_t total = have + (size_t)n, start = 0;
		for (;;) {
			char *nl = memchr(buf + start, '\n', total - start);
			if (!nl)
				break;
			size_t len = (size_t)(nl - (buf + start));
			lineno++;
			if (skipping)
				skipping = false; /* the end of a long line */
			else if (rc == 0)
				rc = log_report_add_line(r, buf + start, len, name, lineno);
			start += len + 1;
		}
		/* what is left: the start of a line; one longer than sshd writes is skipped */
		have = total - start;
		if (have > SSHD_LOG_LINE_MAX) {
			if (!skipping) {
				r->lines++;
				r->too_long++;
				rc = rc ? rc
					: log_report_note(
						  r, name, lineno + 1,
						  "a line longer than sshd writes: skipped");
			}
			skipping = true;
			have = 0;
		} else if (have) {
			memmove(buf, buf + start, have);
		}
		if (n == 0) {
			if (have && !skipping && rc == 0)
				rc = log_report_add_line(r, buf, have, name, ++lineno);
			break;
		}
		if (rc < 0)
			break;
	}
	gzclose(gz);
	free(buf);
	if (rc < 0)
		diag_set(d, "%s: %s", name, error_to_string(rc));
	return rc;
}
