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

/* "Accepted publickey for USER from ADDR port PORT ssh2: TYPE SHA256:..." */
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
