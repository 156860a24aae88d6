/* sshd's log lines: the time a line carries and the facts sshd itself appends to an
 * "Accepted publickey" line. Log lines are written by others (anyone can send syslog a line
 * tagged sshd): every field is anchored on what sshd appends at the end of its message,
 * never on text a user chose, and the parse is bounded.
 */
#ifndef SSHKEYCTL_FILES_SSHD_LOG_H
#define SSHKEYCTL_FILES_SSHD_LOG_H

#include <stdbool.h>
#include <stddef.h>

#define SSHD_LOG_LINE_MAX 8192

/* The time at the start of line: RFC 3339 ("2026-11-30T21:00:00.123456+00:00", journalctl's
 * short-iso "2026-11-30T21:00:00+0000") with its offset applied, or RFC 3164 ("Nov 30
 * 21:00:00", no year, no zone: the year that puts it at most a day after now, the time
 * read as UTC). 0 when the line has none (sshd -E's lines). */
long long sshd_log_time(const char *line, size_t len, long long now);

/* What one line of sshd's log says, in the terms a report needs. Lines come as syslog
 * writes them (RFC 3164 "Nov 30 21:00:00 host sshd[42]: MSG", Debian 12's high-precision
 * "2026-11-30T21:00:00.123456+00:00 host sshd[42]: MSG", RFC 5424 "<38>1 TIME HOST sshd 42 -
 * - MSG"), as journalctl -o json writes the journal's entries (one object a line; the
 * program from journald's trusted _COMM field), or bare as sshd -E writes them ("MSG"); the
 * programs sshd, sshd-session (9.8+)
 * and sshd-auth (10.0+). Every address, port and key is taken from the end of the message,
 * where sshd appends it after anything a user chose (a user name "x from 6.6.6.6 port 1"
 * decides nothing). */
enum sshd_event {
	SSHD_EVENT_NONE,         /* another program's line, or a line of no interest */
	SSHD_EVENT_ACCEPTED,     /* method, user, address, port; publickey: key_type, fingerprint */
	SSHD_EVENT_FAILED,       /* method, user (invalid_user), address, port */
	SSHD_EVENT_INVALID_USER, /* user, address, port (0: not given, before 7.4) */
	SSHD_EVENT_REFUSED_MODES, /* detail: the file or directory StrictModes refused */
	SSHD_EVENT_NOT_ALLOWED,   /* user, address; detail: the reason (AllowUsers, ...) */
	SSHD_EVENT_ROOT_REFUSED,  /* PermitRootLogin: address, port */
	SSHD_EVENT_KEY_TYPE,      /* detail: the key type or signature algorithm not accepted */
	SSHD_EVENT_TOO_MANY,      /* MaxAuthTries: user (invalid_user), address, port */
	SSHD_EVENT_FROM_REFUSED,  /* a key's from= did not allow the address: user, address */
	SSHD_EVENT_PREAUTH,       /* closed or disconnected before authentication: noise */
	SSHD_EVENT_PARTIAL, /* a first method that worked, another required (AuthenticationMethods
			     * "publickey,keyboard-interactive"): as ACCEPTED's fields */
	SSHD_EVENT_OTHER,   /* sshd's, none of the above */
};
#define SSHD_EVENTS 13

struct sshd_log_event {
	enum sshd_event kind;
	long long time; /* 0: the line has none */
	char host[64];  /* the syslog host name; "" bare */
	char program[16];
	unsigned long pid;
	char method[40]; /* "password", "publickey", "keyboard-interactive/pam", ... */
	char user[65];
	bool invalid_user;
	bool preauth;
	char address[64];
	unsigned port;
	char key_type[48];
	char fingerprint[72];
	char detail[256];
};

/* 0 with ret filled (kind NONE for a line that is not sshd's); ERR_TOO_LARGE beyond
 * SSHD_LOG_LINE_MAX. */
int sshd_log_parse_line(const char *line, size_t len, long long now, struct sshd_log_event *ret);

/* "Accepted publickey for USER from ADDR port PORT ssh2: TYPE SHA256:...", or "Partial
 * publickey ..." (the key before a second factor) */
struct sshd_log_accepted {
	char user[65];
	char address[64];
	unsigned port;
	char key_type[48];
	char fingerprint[72];
	long long time; /* 0: not in the line */
};
/* ERR_FORMAT when line holds no such message. */
int sshd_log_parse_accepted(const char *line, size_t len, long long now,
			    struct sshd_log_accepted *ret);

#endif
