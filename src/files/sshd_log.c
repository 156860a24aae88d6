#include "files/sshd_log.h"

#include <string.h>
#include <time.h>

#include "base/error.h"

static bool digits(const char *s, size_t n, int *ret)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return true;
}

static bool valid_clock(int mon, int day, int h, int m, int s)
{
	return mon >= 1 && mon <= 12 && day >= 1 && day <= 31 && h <= 23 && m <= 59 && s <= 60;
}

static long long utc_seconds(int year, int mon, int day, int h, int m, int s)
{
	struct tm tm = {.tm_year = year - 1900,
			.tm_mon = mon - 1,
			.tm_mday = day,
			.tm_hour = h,
			.tm_min = m,
			.tm_sec = s};
	return (long long)timegm(&tm);
}

/* "2026-11-30T21:00:00[.frac](Z|+HH:MM|+HHMM)" */
static long long rfc3339_time(const char *l, size_t len)
{
	int year, mon, day, h, m, s, oh = 0, om = 0;
	if (len < 20 || l[4] != '-' || l[7] != '-' || l[10] != 'T' || l[13] != ':' ||
	    l[16] != ':' || !digits(l, 4, &year) || !digits(l + 5, 2, &mon) ||
	    !digits(l + 8, 2, &day) || !digits(l + 11, 2, &h) || !digits(l + 14, 2, &m) ||
	    !digits(l + 17, 2, &s) || !valid_clock(mon, day, h, m, s))
		return 0;
	size_t i = 19;
	if (l[i] == '.')
		for (i++; i < len && i < 40 && l[i] >= '0' && l[i] <= '9'; i++)
			;
	long long t = utc_seconds(year, mon, day, h, m, s);
	if (i < len && (l[i] == '+' || l[i] == '-')) {
		int sign = l[i] == '-' ? -1 : 1;
		if (i + 5 <= len && digits(l + i + 1, 2, &oh)) {
			size_t mo = l[i + 3] == ':' ? i + 4 : i + 3;
			if (mo + 2 > len || !digits(l + mo, 2, &om))
				return 0;
			t -= sign * (oh * 3600LL + om * 60LL);
		}
	}
	return t;
}

/* "Nov 30 21:00:00" (day space-padded) */
static long long rfc3164_time(const char *l, size_t len, long long now)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int day, h, m, s, mon = 0;
	if (len < 15 || l[3] != ' ' || l[9] != ':' || l[12] != ':' || l[6] != ' ')
		return 0;
	for (int i = 0; i < 12; i++)
		if (!memcmp(l, months + 3 * i, 3))
			mon = i + 1;
	if (!mon || !(l[4] == ' ' ? digits(l + 5, 1, &day) : digits(l + 4, 2, &day)) ||
	    !digits(l + 7, 2, &h) || !digits(l + 10, 2, &m) || !digits(l + 13, 2, &s) ||
	    !valid_clock(mon, day, h, m, s))
		return 0;
	time_t n = (time_t)now;
	struct tm tm;
	if (!gmtime_r(&n, &tm))
		return 0;
	long long t = utc_seconds(tm.tm_year + 1900, mon, day, h, m, s);
	if (t > now + 86400)
		t = utc_seconds(tm.tm_year + 1899, mon, day, h, m, s);
	return t;
}

long long sshd_log_time(const char *line, size_t len, long long now)
{
	if (len >= 20 && line[0] >= '0' && line[0] <= '9')
		return rfc3339_time(line, len);
	return rfc3164_time(line, len, now);
}

/* the last occurrence of needle in s[len] */
static const char *last_of(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	const char *found = NULL;
	for (const char *p = s; (size_t)(p - s) + n <= len; p++) {
		p = memmem(p, len - (size_t)(p - s), needle, n);
		if (!p)
			break;
		found = p;
	}
	return found;
}

static bool copy_word(const char *s, size_t n, char *buf, size_t size)
{
	if (n == 0 || n >= size || memchr(s, ' ', n) || memchr(s, 0, n))
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	return true;
}

int sshd_log_parse_accepted(const char *line, size_t len, long long now,
			    struct sshd_log_accepted *ret)
{
	static const char start[] = "Accepted publickey for ";
	struct sshd_log_accepted a = {0};
	if (len > SSHD_LOG_LINE_MAX)
		return ERR_FORMAT;
	const char *p = memmem(line, len, start, sizeof(start) - 1);
	if (!p)
		return ERR_FORMAT;
	p += sizeof(start) - 1;
	size_t rest = len - (size_t)(p - line);
	/* what sshd appends: " from ADDR port N ssh2: TYPE FP", the last such */
	const char *ssh2 = last_of(p, rest, " ssh2: ");
	if (!ssh2)
		return ERR_FORMAT;
	size_t head = (size_t)(ssh2 - p);
	const char *from = last_of(p, head, " from ");
	if (!from)
		return ERR_FORMAT;
	const char *addr = from + 6;
	const char *port = last_of(addr, (size_t)(ssh2 - addr), " port ");
	int port_number;
	if (!port || !copy_word(addr, (size_t)(port - addr), a.address, sizeof(a.address)) ||
	    ssh2 == port + 6 || (size_t)(ssh2 - port - 6) > 5 ||
	    !digits(port + 6, (size_t)(ssh2 - port - 6), &port_number) || port_number > 65535)
		return ERR_FORMAT;
	a.port = (unsigned)port_number;
	size_t user_len = (size_t)(from - p);
	if (user_len == 0 || user_len >= sizeof(a.user) || memchr(p, 0, user_len))
		return ERR_FORMAT;
	memcpy(a.user, p, user_len);
	const char *type = ssh2 + 7;
	size_t tail = len - (size_t)(type - line);
	const char *sp = memchr(type, ' ', tail);
	if (!sp || !copy_word(type, (size_t)(sp - type), a.key_type, sizeof(a.key_type)))
		return ERR_FORMAT;
	const char *fp = sp + 1;
	size_t fp_max = tail - (size_t)(fp - type), fp_len = 0;
	while (fp_len < fp_max && fp[fp_len] != ' ' && fp[fp_len] != '\r')
		fp_len++;
	if (!copy_word(fp, fp_len, a.fingerprint, sizeof(a.fingerprint)) ||
	    (strncmp(a.fingerprint, "SHA256:", 7) && strncmp(a.fingerprint, "MD5:", 4)))
		return ERR_FORMAT;
	a.time = sshd_log_time(line, len, now);
	*ret = a;
	return 0;
}
