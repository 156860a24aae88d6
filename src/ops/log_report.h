/* The logs use case: what sshd's log says about logins, keys, passwords and attacks,
 * gathered from any number of files (plain or gzip) in one streaming pass: memory bounded by
 * the number of distinct keys kept (each table capped), never by the input's size. Lines are
 * parsed by files/sshd_log (every address from what sshd appends). */
#ifndef SSHKEYCTL_OPS_LOG_REPORT_H
#define SSHKEYCTL_OPS_LOG_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/dynbuf.h"
#include "base/error.h"
#include "base/string_counts.h"
#include "files/sshd_log.h"

#define LOG_REPORT_TABLE_MAX    100000 /* distinct keys a table keeps */
#define LOG_REPORT_NOTES_MAX    20     /* bad lines named, file:line each */
#define LOG_REPORT_PARTIALS_MAX 1024   /* connections between two methods, kept at once */

/* counters of the failures table */
enum { LOG_FAILED_PASSWORD, LOG_INVALID_USER, LOG_TOO_MANY, LOG_FAILED_OTHER };

struct log_report {
	long long now;
	long long since;                /* 0, or: sshd's lines before this time are left out */
	uint64_t before_since;          /* sshd's lines left out for being before it */
	uint64_t undated;               /* and for having no time (sshd -E's) */
	uint64_t lines;                 /* every line read */
	uint64_t sshd_lines;            /* sshd's */
	uint64_t kinds[SSHD_EVENTS];    /* sshd's lines by what they say */
	uint64_t too_long;              /* lines over SSHD_LOG_LINE_MAX, not parsed */
	uint64_t future;                /* dated more than a day after now (noted) */
	uint64_t out_of_order;          /* dated over an hour before the line before (noted) */
	long long prev_time;            /* the last dated line's, in this stream */
	long long first, last;          /* the times of sshd's lines (0: none had one) */
	struct string_counts logins;    /* "METHOD\tACCOUNT": n[0] logins */
	struct string_counts sources;   /* "ADDRESS": n[0] logins from there */
	struct string_counts passwords; /* "ACCOUNT\tADDRESS": n[0] password logins that worked */
	struct string_counts keys;      /* "FINGERPRINT\tTYPE\tACCOUNT": n[0] logins */
	struct string_counts failures;  /* "ADDRESS": n[LOG_FAILED_PASSWORD...] */
	struct string_counts accounts;  /* "ACCOUNT": n[0] failed passwords, n[1] as invalid user */
	struct string_counts refusals;  /* "KIND\tDETAIL": n[0] (misconfigurations) */
	struct string_counts hours; /* "HOUR" (seconds at its start): n[0] logins, n[1] failures */
	struct dynbuf notes;        /* "FILE:LINE: what" lines (at most LOG_REPORT_NOTES_MAX) */
	/* first methods that worked on connections not accepted yet (a ring, the oldest
	 * overwritten): the login that follows on the same connection is a key and a second
	 * factor, not a password login */
	struct log_partial {
		char address[64];
		unsigned port;
		char method[40];
		char key_type[48];
		char fingerprint[72];
	} * partials;
	size_t next_partial;
	/* NULL, or each of sshd's events as it is counted (--follow's alerts) */
	int (*on_event)(const struct sshd_log_event *e, void *arg);
	void *on_event_arg;
	unsigned n_notes;
	uint64_t notes_left_out;
};

void log_report_init(struct log_report *r, long long now);
void log_report_clear(struct log_report *r);
/* One line (without its newline) of name at lineno. */
int log_report_add_line(struct log_report *r, const char *line, size_t len, const char *name,
			unsigned long lineno);
/* A whole file, plain or gzip (told by its content), read from fd to its end; a file that
 * ends inside a gzip stream (cut short) is reported in notes, what came before counted. */
int log_report_read_fd(struct log_report *r, int fd, const char *name, struct diag *d);
/* The journal's sshd entries, as journalctl -o json gives them (journalctl found in PATH;
 * directory: journalctl --directory, NULL: the machine's journal); from r->since on when set.
 * journalctl's own failure is an error, its words in d. */
int log_report_read_journal(struct log_report *r, const char *directory, struct diag *d);
/* A note of the report's own ("FILE:LINE: what"), counted when over the limit. */
int log_report_note(struct log_report *r, const char *name, unsigned long lineno, const char *what);

/* With since: lines without a time (sshd -E's) cannot be placed before or after it; when
 * some were left out for that, a note says so under name (the report cannot know). */
int log_report_undated_note(struct log_report *r, const char *name);

/* part added to r: a range of a file read by another thread (host NULL: its notes' line
 * numbers counted from line_base, under name), or a host's whole report (host: its
 * accounts become ACCOUNT@HOST, its notes are kept as they are). */
int log_report_merge(struct log_report *r, const struct log_report *part, const char *name,
		     unsigned long line_base, const char *host);

/* The time in a harden directory's name ("20261130T210030Z-4242-harden"), 0 when the name
 * is not one. */
long long log_report_harden_dir_time(const char *name);
/* The start of the last harden transaction that completed on this machine: the newest
 * directory "YYYYMMDDTHHMMSSZ-PID-harden" of root (SERVER_ADMIN_BACKUP_ROOT) whose state is
 * "done". -ENOENT when there is none; the directory's name in ret_name. */
int log_report_harden_time(const char *root, long long *ret_time, char ret_name[64],
			   struct diag *d);

/* What a refusal means and what to do, as doctor says it (kind: a SSHD_EVENT_*). */
const char *log_report_cause(enum sshd_event kind);

#endif
