#include "files/sshd_log.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/error.h"
#include "base/time_text.h"

static bool valid_clock(int mon, int day, int h, int m, int s)
{
	return mon >= 1 && mon <= 12 && day >= 1 && day <= 31 && h <= 23 && m <= 59 && s <= 60;
}

/* days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil):
 * timegm's normalisation costs more than the rest of a line's parse */
static long long days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static long long utc_seconds(int year, int mon, int day, int h, int m, int s)
{
	return days_from_civil(year, mon, day) * 86400 + h * 3600LL + m * 60LL + s;
}

/* "2026-11-30T21:00:00[.frac](Z|+HH:MM|+HHMM)" */
static long long rfc3339_time(const char *l, size_t len)
{
	int year, mon, day, h, m, s, oh = 0, om = 0;
	if (len < 20 || l[4] != '-' || l[7] != '-' || l[10] != 'T' || l[13] != ':' ||
	    l[16] != ':' || !time_text_digits(l, 4, &year) || !time_text_digits(l + 5, 2, &mon) ||
	    !time_text_digits(l + 8, 2, &day) || !time_text_digits(l + 11, 2, &h) ||
	    !time_text_digits(l + 14, 2, &m) || !time_text_digits(l + 17, 2, &s) ||
	    !valid_clock(mon, day, h, m, s))
		return 0;
	size_t i = 19;
	if (l[i] == '.')
		for (i++; i < len && i < 40 && l[i] >= '0' && l[i] <= '9'; i++)
			;
	long long t = utc_seconds(year, mon, day, h, m, s);
	if (i < len && (l[i] == '+' || l[i] == '-')) {
		int sign = l[i] == '-' ? -1 : 1;
		if (i + 5 <= len && time_text_digits(l + i + 1, 2, &oh)) {
			size_t mo = l[i + 3] == ':' ? i + 4 : i + 3;
			if (mo + 2 > len || !time_text_digits(l + mo, 2, &om))
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
	if (!mon ||
	    !(l[4] == ' ' ? time_text_digits(l + 5, 1, &day) : time_text_digits(l + 4, 2, &day)) ||
	    !time_text_digits(l + 7, 2, &h) || !time_text_digits(l + 10, 2, &m) ||
	    !time_text_digits(l + 13, 2, &s) || !valid_clock(mon, day, h, m, s))
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

/* the last occurrence of needle in s[len], searched from the end (what sshd appends is
 * there) */
static const char *last_of(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0 || len < n)
		return NULL;
	for (const char *p = s + len - n;; p--) {
		if (*p == *needle && !memcmp(p, needle, n))
			return p;
		if (p == s)
			return NULL;
	}
}

static bool copy_word(const char *s, size_t n, char *buf, size_t size)
{
	if (n == 0 || n >= size || memchr(s, ' ', n) || memchr(s, 0, n))
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	return true;
}

/* An address as sshd writes it (an IP address, or a name with UseDNS): no space, nothing a
 * shell or a terminal would read as more than a word */
static bool copy_address(const char *s, size_t n, char *buf, size_t size)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '.' || s[i] == ':' || s[i] == '-' ||
		      s[i] == '_' || s[i] == '%'))
			return false;
	return copy_word(s, n, buf, size);
}

static bool copy_text(const char *s, size_t n, char *buf, size_t size)
{
	if (n >= size || memchr(s, 0, n))
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	return true;
}

static const char *find(const char *s, size_t len, const char *needle)
{
	return memmem(s, len, needle, strlen(needle));
}

static bool starts(const char *s, size_t len, const char *prefix, size_t *ret_n)
{
	size_t n = strlen(prefix);
	if (len < n || memcmp(s, prefix, n) != 0)
		return false;
	*ret_n = n;
	return true;
}

static bool ends(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);
	return len >= n && !memcmp(s + len - n, suffix, n);
}

/* "... ADDR port N" at the end of s[*len]: address and port out, *len cut before " ADDR"
 * (sep " from " when the address follows that word, " " when it follows the user) */
static bool tail_address(const char *s, size_t *len, const char *sep, struct sshd_log_event *e)
{
	const char *port = last_of(s, *len, " port ");
	int n;
	size_t digits_len = port ? *len - (size_t)(port + 6 - s) : 0;
	if (!port || digits_len == 0 || digits_len > 5 ||
	    !time_text_digits(port + 6, digits_len, &n) || n > 65535)
		return false;
	size_t head = (size_t)(port - s);
	const char *at = last_of(s, head, sep);
	if (!at)
		return false;
	const char *addr = at + strlen(sep);
	if (!copy_address(addr, (size_t)(port - addr), e->address, sizeof(e->address)))
		return false;
	e->port = (unsigned)n;
	*len = (size_t)(at - s);
	return true;
}

/* "[invalid user |authenticating user ]USER": the user, whatever it holds */
static bool user_text(const char *s, size_t len, struct sshd_log_event *e)
{
	size_t n;
	if (starts(s, len, "invalid user ", &n)) {
		e->invalid_user = true;
		s += n, len -= n;
	} else if (starts(s, len, "authenticating user ", &n)) {
		s += n, len -= n;
	}
	return copy_text(s, len, e->user, sizeof(e->user));
}

/* "METHOD for [invalid user ]USER from ADDR port N ssh2[: KEY...]" (Accepted, Failed) */
static bool method_line(const char *m, size_t len, struct sshd_log_event *e)
{
	const char *sp = memchr(m, ' ', len);
	if (!sp || !copy_word(m, (size_t)(sp - m), e->method, sizeof(e->method)))
		return false;
	const char *p = sp + 1;
	size_t rest = len - (size_t)(p - m), n;
	if (!starts(p, rest, "for ", &n))
		return false;
	p += n, rest -= n;
	/* the last " ssh2" that ends the line or is followed by ": " (the key) */
	const char *ssh2 = NULL;
	for (const char *q = p; (q = memmem(q, rest - (size_t)(q - p), " ssh2", 5)); q++) {
		size_t after = rest - (size_t)(q + 5 - p);
		if (after == 0 || (after >= 2 && q[5] == ':' && q[6] == ' '))
			ssh2 = q;
		if ((size_t)(q + 1 - p) >= rest)
			break;
	}
	if (!ssh2)
		return false;
	size_t head = (size_t)(ssh2 - p);
	if (!tail_address(p, &head, " from ", e) || !user_text(p, head, e))
		return false;
	const char *key = ssh2 + 5;
	size_t key_len = rest - (size_t)(key - p);
	if (key_len >= 2) { /* ": TYPE FP[ more]" */
		key += 2, key_len -= 2;
		const char *ksp = memchr(key, ' ', key_len);
		if (ksp && copy_word(key, (size_t)(ksp - key), e->key_type, sizeof(e->key_type))) {
			const char *fp = ksp + 1;
			size_t fp_len = 0, fp_max = key_len - (size_t)(fp - key);
			while (fp_len < fp_max && fp[fp_len] != ' ')
				fp_len++;
			if (!copy_word(fp, fp_len, e->fingerprint, sizeof(e->fingerprint)) ||
			    (strncmp(e->fingerprint, "SHA256:", 7) &&
			     strncmp(e->fingerprint, "MD5:", 4)))
				e->fingerprint[0] = 0;
		}
	}
	return true;
}

/* the message's classification (m: the message, without " [preauth]") */
static void classify(const char *m, size_t len, struct sshd_log_event *e)
{
	size_t n;
	const char *p;
	e->kind = SSHD_EVENT_OTHER;
	if (starts(m, len, "Accepted ", &n)) {
		if (method_line(m + n, len - n, e))
			e->kind = SSHD_EVENT_ACCEPTED;
	} else if (starts(m, len, "Failed ", &n)) {
		if (method_line(m + n, len - n, e))
			e->kind = SSHD_EVENT_FAILED;
	} else if (starts(m, len, "Partial ", &n)) {
		if (method_line(m + n, len - n, e))
			e->kind = SSHD_EVENT_PARTIAL;
	} else if (starts(m, len, "Invalid user ", &n)) {
		/* "Invalid user USER from ADDR port N" (7.4+), "... from ADDR" before */
		size_t rest = len - n;
		const char *u = m + n;
		e->invalid_user = true;
		if (tail_address(u, &rest, " from ", e) ||
		    ((p = last_of(u, rest, " from ")) &&
		     copy_address(p + 6, rest - (size_t)(p + 6 - u), e->address,
				  sizeof(e->address)) &&
		     (rest = (size_t)(p - u), true)))
			if (copy_text(u, rest, e->user, sizeof(e->user)))
				e->kind = SSHD_EVENT_INVALID_USER;
	} else if ((p = find(m, len, "maximum authentication attempts exceeded for "))) {
		/* "[error: ]maximum authentication attempts exceeded for [invalid user ]USER from
		 * ADDR port N ssh2" */
		const char *u = p + 45;
		size_t rest = len - (size_t)(u - m);
		if (ends(u, rest, " ssh2"))
			rest -= 5;
		if (tail_address(u, &rest, " from ", e) && user_text(u, rest, e))
			e->kind = SSHD_EVENT_TOO_MANY;
	} else if (starts(m, len, "Disconnecting ", &n) &&
		   ends(m, len, ": Too many authentication failures")) {
		size_t rest = len - n - 34;
		const char *u = m + n;
		if (tail_address(u, &rest, " ", e) && user_text(u, rest, e))
			e->kind = SSHD_EVENT_TOO_MANY;
	} else if (starts(m, len, "Authentication refused: bad ownership or modes for ", &n)) {
		const char *what = m + n;
		size_t rest = len - n;
		if ((starts(what, rest, "file ", &n) || starts(what, rest, "directory ", &n)) &&
		    copy_text(what + n, rest - n, e->detail, sizeof(e->detail)))
			e->kind = SSHD_EVENT_REFUSED_MODES;
	} else if (starts(m, len, "User ", &n) &&
		   (p = last_of(m + n, len - n, " not allowed because "))) {
		const char *u = m + n;
		size_t head = (size_t)(p - u);
		const char *from = last_of(u, head, " from ");
		if (from &&
		    copy_address(from + 6, head - (size_t)(from + 6 - u), e->address,
				 sizeof(e->address)) &&
		    copy_text(u, (size_t)(from - u), e->user, sizeof(e->user)) &&
		    copy_text(p + 21, len - (size_t)(p + 21 - m), e->detail, sizeof(e->detail)))
			e->kind = SSHD_EVENT_NOT_ALLOWED;
	} else if (starts(m, len, "ROOT LOGIN REFUSED FROM ", &n)) {
		const char *f = m + n - 6; /* " FROM ADDR port N" */
		size_t rest = len - (size_t)(f - m);
		if (tail_address(f, &rest, " FROM ", e)) {
			snprintf(e->user, sizeof(e->user), "root");
			e->kind = SSHD_EVENT_ROOT_REFUSED;
		}
	} else if (starts(m, len, "userauth_pubkey: ", &n) &&
		   (p = find(m + n, len - n, " not in Pubkey"))) {
		/* "key type T not in PubkeyAcceptedAlgorithms" (also ...KeyTypes), "signature
		 * algorithm T not in ..." */
		const char *t = p;
		while (t > m + n && t[-1] != ' ')
			t--;
		if (copy_word(t, (size_t)(p - t), e->detail, sizeof(e->detail)))
			e->kind = SSHD_EVENT_KEY_TYPE;
	} else if ((p = find(m, len, "Authentication tried for ")) &&
		   (p = find(p, len - (size_t)(p - m),
			     " with correct key but not from a permitted host ("))) {
		const char *u = find(m, len, "Authentication tried for ") + 25;
		const char *ip = find(p, len - (size_t)(p - m), ", ip=");
		const char *end = ip ? memchr(ip + 5, ',', len - (size_t)(ip + 5 - m)) : NULL;
		if (ip && end &&
		    copy_address(ip + 5, (size_t)(end - ip - 5), e->address, sizeof(e->address)) &&
		    copy_text(u, (size_t)(p - u), e->user, sizeof(e->user)))
			e->kind = SSHD_EVENT_FROM_REFUSED;
	}
	if (e->kind == SSHD_EVENT_OTHER && e->preauth)
		e->kind = SSHD_EVENT_PREAUTH;
}

/* "sshd[42]: " or "sshd: " at s: the program (one of sshd's) and pid; *ret_n past it */
static bool sshd_tag(const char *s, size_t len, struct sshd_log_event *e, size_t *ret_n)
{
	static const char *const programs[] = {"sshd-session", "sshd-auth", "sshd"};
	for (size_t i = 0; i < 3; i++) {
		size_t n;
		if (!starts(s, len, programs[i], &n))
			continue;
		memcpy(e->program, programs[i], n + 1); /* n: its length; fits program[16] */
		if (n < len && s[n] == '[') {
			size_t j = n + 1;
			unsigned long pid = 0;
			while (j < len && j < n + 12 && s[j] >= '0' && s[j] <= '9')
				pid = pid * 10 + (unsigned long)(s[j++] - '0');
			if (j >= len || s[j] != ']')
				return false;
			e->pid = pid;
			n = j + 1;
		}
		if (n + 1 < len && s[n] == ':' && s[n + 1] == ' ') {
			*ret_n = n + 2;
			return true;
		}
		return false;
	}
	return false;
}

/* the next space-separated token of s[len] at *pos: its start and length */
static bool token(const char *s, size_t len, size_t *pos, const char **ret, size_t *ret_len)
{
	size_t i = *pos;
	if (i >= len)
		return false;
	const char *sp = memchr(s + i, ' ', len - i);
	size_t n = sp ? (size_t)(sp - (s + i)) : len - i;
	*ret = s + i;
	*ret_len = n;
	*pos = sp ? i + n + 1 : len;
	return true;
}

/* A journal field's text: a string, or (for bytes that are not UTF-8) journalctl's array of
 * numbers, copied into buf; false when missing or too long. */
static bool journal_field(json_t *entry, const char *name, char *buf, size_t size, size_t *ret_len)
{
	json_t *v = json_object_get(entry, name);
	size_t n = 0;
	if (json_is_string(v)) {
		n = json_string_length(v);
		if (n >= size)
			return false;
		memcpy(buf, json_string_value(v), n);
	} else if (json_is_array(v)) {
		size_t i;
		json_t *b;
		json_array_foreach(v, i, b)
		{
			json_int_t c = json_integer_value(b);
			if (!json_is_integer(b) || c < 0 || c > 255 || n + 1 >= size)
				return false;
			buf[n++] = (char)c;
		}
	} else {
		return false;
	}
	buf[n] = 0;
	if (ret_len)
		*ret_len = n;
	return true;
}

/* One entry as journalctl -o json writes it: the program from journald's own _COMM (a
 * client cannot set it: logger -t sshd is not sshd) or, in entries without it,
 * SYSLOG_IDENTIFIER; journald's _UID, when given, must be root's; the time from
 * __REALTIME_TIMESTAMP (microseconds); the message into message[SSHD_LOG_LINE_MAX + 1]. False when
 * the entry is not sshd's. */
static bool journal_entry(const char *line, size_t len, struct sshd_log_event *e, char *message,
			  size_t *ret_mlen)
{
	json_t *entry = json_loadb(line, len, 0, NULL);
	char text[64], tag[72];
	size_t n, tag_n;
	bool ours = false;
	if (!json_is_object(entry))
		goto out;
	if (!journal_field(entry, "_COMM", text, sizeof(text), &n) &&
	    !journal_field(entry, "SYSLOG_IDENTIFIER", text, sizeof(text), &n))
		goto out;
	snprintf(tag, sizeof(tag), "%s: ", text);
	if (!sshd_tag(tag, strlen(tag), e, &tag_n) || strcmp(e->program, text))
		goto out;
	/* sshd logs as root (its unprivileged children through the monitor): an entry journald
	 * says came from another user is a program of that user's named sshd */
	if (journal_field(entry, "_UID", text, sizeof(text), &n) && strcmp(text, "0"))
		goto out;
	if (!journal_field(entry, "MESSAGE", message, SSHD_LOG_LINE_MAX + 1, ret_mlen))
		goto out;
	if (journal_field(entry, "__REALTIME_TIMESTAMP", text, sizeof(text), &n) && n > 6 &&
	    n < 20 && strspn(text, "0123456789") == n) {
		text[n - 6] = 0;
		long long t = 0;
		for (size_t i = 0; text[i]; i++)
			t = t * 10 + (text[i] - '0');
		e->time = t;
	}
	if (journal_field(entry, "_PID", text, sizeof(text), &n) && n < 10 &&
	    strspn(text, "0123456789") == n)
		e->pid = strtoul(text, NULL, 10);
	journal_field(entry, "_HOSTNAME", e->host, sizeof(e->host), NULL);
	ours = true;
out:
	json_decref(entry);
	return ours;
}

int sshd_log_parse_line(const char *line, size_t len, long long now, struct sshd_log_event *ret)
{
	struct sshd_log_event e = {0};
	if (len > SSHD_LOG_LINE_MAX)
		return ERR_TOO_LARGE;
	if (len && line[len - 1] == '\r')
		len--;
	const char *m = line;
	size_t mlen = len, pos = 0, n;
	const char *tok;
	size_t tlen;
	char journal_message[SSHD_LOG_LINE_MAX + 1];
	if (len && line[0] == '{') {
		if (!journal_entry(line, len, &e, journal_message, &mlen))
			goto out;
		m = journal_message;
		goto message;
	}
	if (len > 3 && line[0] == '<') {
		/* a priority: RFC 5424 ("<PRI>1 TIME HOST APP PROCID MSGID SD MSG") or RFC 3164
		 * with its priority */
		const char *gt = memchr(line, '>', len < 6 ? len : 6);
		if (!gt)
			goto out;
		pos = (size_t)(gt + 1 - line);
		if (pos + 1 < len && line[pos] == '1' && line[pos + 1] == ' ') {
			const char *app, *procid;
			size_t app_len, procid_len;
			pos += 2;
			if (!token(line, len, &pos, &tok, &tlen))
				goto out;
			e.time = sshd_log_time(tok, tlen, now);
			if (!token(line, len, &pos, &tok, &tlen) ||
			    !copy_text(tok, tlen, e.host, sizeof(e.host)) ||
			    !token(line, len, &pos, &app, &app_len) ||
			    !token(line, len, &pos, &procid, &procid_len) ||
			    !token(line, len, &pos, &tok, &tlen)) /* MSGID */
				goto out;
			if (pos < len && line[pos] == '[') {
				/* structured data: up to the "]" that is not escaped, then " " */
				size_t j = pos;
				while (j < len && !(line[j] == ']' && line[j - 1] != '\\' &&
						    (j + 1 == len || line[j + 1] == ' ')))
					j++;
				pos = j + 2;
			} else if (!token(line, len, &pos, &tok, &tlen)) {
				goto out;
			}
			size_t tag_n;
			char tag[32];
			if (app_len >= sizeof(tag) - 3)
				goto out;
			snprintf(tag, sizeof(tag), "%.*s: ", (int)app_len, app);
			if (!sshd_tag(tag, strlen(tag), &e, &tag_n))
				goto out;
			int pid;
			if (procid_len && procid_len < 10 &&
			    time_text_digits(procid, procid_len, &pid))
				e.pid = (unsigned long)pid;
			m = pos < len ? line + pos : line + len;
			mlen = pos < len ? len - pos : 0;
			goto message;
		}
	}
	/* RFC 3339 time (Debian 12) or RFC 3164, then HOST, then the tag: the tag is looked
	 * at first (most lines of a system's log are another program's) */
	const char *time_at = line + pos;
	size_t time_len;
	if (len - pos >= 15 && (line[pos] >= '0' && line[pos] <= '9')) {
		if (!token(line, len, &pos, &tok, &tlen))
			goto out;
		time_len = tlen;
	} else if (len - pos >= 16 && line[pos + 3] == ' ' && line[pos + 15] == ' ' &&
		   line[pos + 6] == ' ' && line[pos + 9] == ':') {
		time_len = 15;
		pos += 16;
	} else {
		/* bare, as sshd -E writes: the file is sshd's own */
		memcpy(e.program, "sshd", 5);
		goto message;
	}
	if (!token(line, len, &pos, &tok, &tlen) || !sshd_tag(line + pos, len - pos, &e, &n) ||
	    !copy_text(tok, tlen, e.host, sizeof(e.host)) ||
	    !(e.time = sshd_log_time(time_at, time_len, now)))
		goto out;
	m = line + pos + n;
	mlen = len - pos - n;
message:
	if (ends(m, mlen, " [preauth]")) {
		e.preauth = true;
		mlen -= 10;
	}
	classify(m, mlen, &e);
out:
	if (e.kind == SSHD_EVENT_NONE) {
		/* not sshd's: nothing half-read */
		e = (struct sshd_log_event){.time = e.time};
	}
	*ret = e;
	return 0;
}

int sshd_log_parse_accepted(const char *line, size_t len, long long now,
			    struct sshd_log_accepted *ret)
{
	struct sshd_log_event e;
	int r = sshd_log_parse_line(line, len, now, &e);
	/* a Partial line: the key of a login with a second factor (scan passes only those
	 * whose keyboard-interactive then succeeded) */
	if (r < 0 || (e.kind != SSHD_EVENT_ACCEPTED && e.kind != SSHD_EVENT_PARTIAL) ||
	    strcmp(e.method, "publickey") != 0 || !e.fingerprint[0])
		return ERR_FORMAT;
	struct sshd_log_accepted a = {.port = e.port, .time = e.time};
	memcpy(a.user, e.user, sizeof(a.user));
	memcpy(a.address, e.address, sizeof(a.address));
	memcpy(a.key_type, e.key_type, sizeof(a.key_type));
	memcpy(a.fingerprint, e.fingerprint, sizeof(a.fingerprint));
	*ret = a;
	return 0;
}
