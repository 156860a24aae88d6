#include "base/number.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>

int number_parse_prefix(const char *text, long min, long max, long *ret, const char **ret_end)
{
	const char *p = text;
	bool negative = false;
	if (*p == '-' && min < 0) {
		negative = true;
		p++;
	}
	if (*p < '0' || *p > '9')
		return -EINVAL;
	long v = 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		int digit = *p - '0';
		if (v > (LONG_MAX - digit) / 10)
			return -EINVAL;
		v = v * 10 + digit;
	}
	if (negative)
		v = -v;
	if (v < min || v > max)
		return -EINVAL;
	*ret = v;
	if (ret_end)
		*ret_end = p;
	return 0;
}

int number_parse(const char *text, long min, long max, long *ret)
{
	const char *end;
	long v;
	int r = number_parse_prefix(text, min, max, &v, &end);
	if (r < 0 || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int duration_parse(const char *text, unsigned long max, unsigned long *ret_seconds)
{
	unsigned long total = 0;
	const char *p = text;
	if (!*p)
		return -EINVAL;
	while (*p) {
		long n;
		const char *end;
		if (*p < '0' || *p > '9' || number_parse_prefix(p, 0, LONG_MAX, &n, &end) < 0)
			return -EINVAL;
		unsigned long unit;
		switch (*end) {
		case '\0':
		case 's':
		case 'S':
			unit = 1;
			break;
		case 'm':
		case 'M':
			unit = 60;
			break;
		case 'h':
		case 'H':
			unit = 3600;
			break;
		case 'd':
		case 'D':
			unit = 86400;
			break;
		case 'w':
		case 'W':
			unit = 604800;
			break;
		default:
			return -EINVAL;
		}
		if ((unsigned long)n > max / unit || total > max - (unsigned long)n * unit)
			return -EINVAL;
		total += (unsigned long)n * unit;
		p = *end ? end + 1 : end;
	}
	*ret_seconds = total;
	return 0;
}
