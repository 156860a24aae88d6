#include "fleet/target.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/text_lines.h"

static bool valid_name_char(char c)
{
	/* what host names, addresses and ssh_config aliases use; nothing a shell would read */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_' || c == ':' || c == '%';
}

static bool valid_user_char(char c)
{
	return valid_name_char(c) && c != ':' && c != '%';
}

static int parse_port(const char *s, unsigned *ret)
{
	if (!*s || strlen(s) > 5)
		return -EINVAL;
	unsigned v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*ret = v;
	return 0;
}

int target_parse(const char *spec, struct target *ret, const char **ret_reason)
{
	struct target t = {0};
	const char *reason = NULL;
	char *work = NULL;
	const char *s = spec;
	if (strncmp(s, "ssh://", 6) == 0)
		s += 6;
	work = strdup(s);
	if (!work || !(t.spec = strdup(spec)))
		goto nomem;
	/* ssh:// URIs may end in '/' */
	size_t wl = strlen(work);
	if (s != spec && wl && work[wl - 1] == '/')
		work[--wl] = 0;

	char *host = work;
	char *at = strrchr(work, '@');
	if (at) {
		*at = 0;
		if (!*work) {
			reason = "empty user name";
			goto invalid;
		}
		for (char *p = work; *p; p++)
			if (!valid_user_char(*p)) {
				reason = "user name has a character user names do not have";
				goto invalid;
			}
		if (!(t.user = strdup(work)))
			goto nomem;
		host = at + 1;
	}
	char *port = NULL;
	if (host[0] == '[') {
		char *close = strchr(host, ']');
		if (!close) {
			reason = "missing ']' after an IPv6 address";
			goto invalid;
		}
		*close = 0;
		host++;
		if (close[1] == ':')
			port = close + 2;
		else if (close[1]) {
			reason = "unexpected text after ']'";
			goto invalid;
		}
	} else {
		char *colon = strchr(host, ':');
		/* one colon: host:port; more: a bare IPv6 address without a port */
		if (colon && !strchr(colon + 1, ':')) {
			*colon = 0;
			port = colon + 1;
		}
	}
	if (!*host) {
		reason = "empty host name";
		goto invalid;
	}
	for (char *p = host; *p; p++)
		if (!valid_name_char(*p)) {
			reason = "host name has a character host names do not have";
			goto invalid;
		}
	if (strchr(host, ':') && strspn(host, "0123456789abcdefABCDEF:.%") != strlen(host)) {
		reason = "a host name with ':' must be an IPv6 address";
		goto invalid;
	}
	if (port && parse_port(port, &t.port) < 0) {
		reason = "port must be a number from 1 to 65535";
		goto invalid;
	}
	if (!(t.host = strdup(host)))
		goto nomem;
	free(work);
	*ret = t;
	return 0;
invalid:
	*ret_reason = reason;
	free(work);
	target_clear(&t);
	return -EINVAL;
nomem:
	free(work);
	target_clear(&t);
	*ret_reason = "out of memory";
	return -ENOMEM;
}

void target_clear(struct target *t)
{
	free(t->spec);
	free(t->user);
	free(t->host);
	*t = (struct target){0};
}

static bool same_target(const struct target *a, const struct target *b)
{
	bool same_user =
		(!a->user && !b->user) || (a->user && b->user && !strcmp(a->user, b->user));
	return same_user && a->port == b->port && !strcmp(a->host, b->host);
}

int target_list_add(struct target_list *list, const char *spec, const char **ret_reason)
{
	struct target t;
	int r = target_parse(spec, &t, ret_reason);
	if (r < 0)
		return r;
	for (size_t i = 0; i < list->n; i++) {
		if (same_target(&list->items[i], &t)) {
			target_clear(&t);
			return 0;
		}
	}
	struct target *items = realloc(list->items, (list->n + 1) * sizeof(*items));
	if (!items) {
		target_clear(&t);
		*ret_reason = "out of memory";
		return -ENOMEM;
	}
	list->items = items;
	list->items[list->n++] = t;
	return 0;
}

int target_list_add_file(struct target_list *list, const char *data, size_t len,
			 unsigned long *ret_line, const char **ret_reason)
{
	struct line_iter it;
	const char *line;
	size_t n;
	line_iter_init(&it, data, len);
	while (line_iter_next(&it, &line, &n, NULL)) {
		n = line_strip_cr(line, n);
		size_t start = 0;
		while (start < n && is_blank_char(line[start]))
			start++;
		size_t end = start;
		while (end < n && !is_blank_char(line[end]) && line[end] != '#')
			end++;
		if (end == start)
			continue; /* blank or comment */
		char *spec = strndup(line + start, end - start);
		if (!spec)
			return -ENOMEM;
		int r = target_list_add(list, spec, ret_reason);
		free(spec);
		if (r < 0) {
			*ret_line = it.lineno;
			return r;
		}
		/* anything after the target but a comment is a mistake worth stopping for */
		while (end < n && is_blank_char(line[end]))
			end++;
		if (end < n && line[end] != '#') {
			*ret_line = it.lineno;
			*ret_reason = "one target per line";
			return -EINVAL;
		}
	}
	return 0;
}

void target_list_free(struct target_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		target_clear(&list->items[i]);
	free(list->items);
	*list = (struct target_list){0};
}
