#include "cli/report.h"

#include <stdio.h>
#include <string.h>

void report_json_line(json_t *o)
{
	if (!o)
		return;
	json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
	fputc('\n', stdout);
	json_decref(o);
}

/* Call each(line, len, arg) for every line of b. */
static void each_line(const struct dynbuf *b, void (*each)(const char *, size_t, void *), void *arg)
{
	const char *p = b->len ? (const char *)b->data : "";
	while (*p) {
		size_t n = strcspn(p, "\n");
		each(p, n, arg);
		p += n + (p[n] == '\n');
	}
}

static void append_json(const char *line, size_t n, void *arg)
{
	json_array_append_new(arg, json_stringn(line, n));
}

json_t *report_lines_json(const struct dynbuf *b)
{
	json_t *a = json_array();
	if (a)
		each_line(b, append_json, a);
	return a;
}

static void print_line(const char *line, size_t n, void *arg)
{
	printf("%s%.*s\n", (const char *)arg, (int)n, line);
}

void report_print_lines(const struct dynbuf *b, const char *indent)
{
	each_line(b, print_line, (void *)indent);
}
