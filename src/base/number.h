/* Decimal numbers from text, checked (the replacement for atoi/atol, which tools/banned.sh
 * keeps out of the tree): no sign unless allowed by min, no overflow, within [min, max]. */
#ifndef SSHKEYCTL_BASE_NUMBER_H
#define SSHKEYCTL_BASE_NUMBER_H

/* The whole of text is the number: 0, or -EINVAL (not a number, or out of range). */
int number_parse(const char *text, long min, long max, long *ret);
/* The number text starts with; *ret_end (may be NULL) after its last digit. */
int number_parse_prefix(const char *text, long min, long max, long *ret, const char **ret_end);

/* A time span as OpenSSH writes one (ssh-add -t, sshd_config): "90", "90s", "10m", "1h30m",
 * "2d", "1w"; a bare number is seconds, units add up. 0, or -EINVAL (empty, another unit, a
 * sign, more than max seconds). */
int duration_parse(const char *text, unsigned long max, unsigned long *ret_seconds);

#endif
