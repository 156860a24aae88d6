#include "base/time_text.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/number.h"

/* tm of t in UTC, false when it has none (a time_t overflow) */
static bool utc_fields(long long t, struct tm *tm)
{
	time_t tt = (time_t)t;
	return gmtime_r(&tt, tm) != NULL;
}

void time_text_iso(long long t, char buf[TIME_TEXT_MAX])
{
	struct tm tm;
	if (!utc_fields(t, &tm) || !strftime(buf, TIME_TEXT_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, TIME_TEXT_MAX, "?");
}

void time_text_minutes(long long t, char buf[TIME_TEXT_MAX])
{
	struct tm tm;
	if (!utc_fields(t, &tm) || !strftime(buf, TIME_TEXT_MAX, "%Y-%m-%d %H:%M", &tm))
		snprintf(buf, TIME_TEXT_MAX, "?");
}

long long time_text_utc(int year, int mon, int day, int hour, int min, int sec)
{
	struct tm tm = {.tm_year = year - 1900,
			.tm_mon = mon - 1,
			.tm_mday = day,
			.tm_hour = hour,
			.tm_min = min,
			.tm_sec = sec};
	if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 ||
	    min < 0 || min > 59 || sec < 0 || sec > 60)
		return 0;
	time_t t = timegm(&tm);
	/* timegm normalises 2026-02-31 into March: such a date is no date */
	if (t == (time_t)-1 || tm.tm_mday != day)
		return 0;
	return (long long)t;
}

int time_text_parse(const char *text, long long now, long long *ret)
{
	size_t n = strlen(text);
	int year, mon, day, hour = 0, min = 0, sec = 0;
	if (n >= 10 && time_text_digits(text, 4, &year) && text[4] == '-' &&
	    time_text_digits(text + 5, 2, &mon) && text[7] == '-' &&
	    time_text_digits(text + 8, 2, &day)) {
		const char *p = text + 10;
		if (*p == ' ' || *p == 'T') {
			if (!time_text_digits(p + 1, 2, &hour) || p[3] != ':' ||
			    !time_text_digits(p + 4, 2, &min))
				return -EINVAL;
			p += 6;
			if (*p == ':') {
				if (!time_text_digits(p + 1, 2, &sec))
					return -EINVAL;
				p += 3;
			}
		}
		if (*p == 'Z')
			p++;
		if (*p || mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 ||
		    sec > 60 || year < 1970)
			return -EINVAL;
		long long t = time_text_utc(year, mon, day, hour, min, sec);
		if (!t && (year != 1970 || mon != 1 || day != 1 || hour || min || sec))
			return -EINVAL;
		*ret = t;
		return 0;
	}
	unsigned long span;
	if (duration_parse(text, 100UL * 366 * 86400, &span) < 0)
		return -EINVAL;
	*ret = now - (long long)span;
	return 0;
}
