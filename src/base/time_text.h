/* Times as text, in UTC: the forms the reports write (ISO 8601 for JSON and files, minutes
 * for tables) and the forms a user gives on the command line. */
#ifndef SSHKEYCTL_BASE_TIME_TEXT_H
#define SSHKEYCTL_BASE_TIME_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#define TIME_TEXT_MAX 32

/* "2026-12-01T04:00:09Z" */
void time_text_iso(long long t, char buf[TIME_TEXT_MAX]);
/* "2026-12-01 04:00" */
void time_text_minutes(long long t, char buf[TIME_TEXT_MAX]);

/* The n decimal digits at text as a number (false: one is not a digit). Inline: the log
 * parser calls it a dozen times a line. */
static inline bool time_text_digits(const char *text, size_t n, int *ret)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (text[i] < '0' || text[i] > '9')
			return false;
		v = v * 10 + (text[i] - '0');
	}
	*ret = v;
	return true;
}

/* The time of a date and a clock in UTC; 0 for a date that does not exist (2026-02-30, a
 * month 13) or is before 1970. */
long long time_text_utc(int year, int mon, int day, int hour, int min, int sec);

/* A point in time given by a user: "2026-12-01", "2026-12-01 04:00", "2026-12-01T04:00:09",
 * each with an optional "Z" (all read as UTC), or a span before now as duration_parse reads
 * it ("90m", "2d", "1w"). 0, or -EINVAL. */
int time_text_parse(const char *text, long long now, long long *ret);

#endif
