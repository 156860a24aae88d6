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
