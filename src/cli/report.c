#include "cli/report.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/terminal_text.h"
#include "base/time_text.h"

static bool json_failed;

/* A byte that is not UTF-8 travels through jansson as a code point of plane 16's private
 * use area (U+10FF80..U+10FFFF, never in our data otherwise), which JSON_ENSURE_ASCII writes
 * as the pair \udbff\udf80..\udbff\udfff; the output gets \udc80..\udcff instead. */
#define BYTE_CODE_POINT 0x10ff00u

static const struct report_host_fields *host_fields;

void report_json_host_fields(const struct report_host_fields *f)
{
	host_fields = f;
}

static void set_missing(json_t *o, const char *key, json_t *value)
{
	if (value && !json_object_get(o, key))
		json_object_set_new(o, key, value);
	else
		json_decref(value);
}

void report_json_line(json_t *o)
{
	const struct report_host_fields *f = host_fields;
	if (o && f && json_object_get(o, "target")) {
		set_missing(o, "host", report_json_text(f->host));
		set_missing(o, "port", json_integer(f->port));
		set_missing(o, "user", report_json_text(f->user));
		if (f->status)
			set_missing(o, "status", json_string(f->status));
		set_missing(o, "error", json_string(f->error ? f->error : "ok"));
		set_missing(o, "key_sha256",
			    f->key_sha256 ? json_string(f->key_sha256) : json_null());
		set_missing(o, "host_key_sha256",
			    f->host_key_sha256 ? json_string(f->host_key_sha256) : json_null());
		set_missing(o, "duration_ms", json_integer(f->duration_ms));
	}
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	json_decref(o);
	if (!text) {
		/* never a silent gap: the line says so, and the status too */
		json_failed = true;
		puts("{\"error\":\"this result could not be encoded\"}");
		return;
	}
	for (char *p = text; *p; p++) {
		if (p[0] == '\\' && strncasecmp(p, "\\udbff\\udf", 10) == 0 && p[10] &&
		    strchr("89abcdefABCDEF", p[10]) && isxdigit((unsigned char)p[11])) {
			printf("\\udc%c%c", tolower((unsigned char)p[10]),
			       tolower((unsigned char)p[11]));
			p += 11;
		} else if (p[0] == '\\' && p[1]) {
			/* an escape of its own (\\, \uXXXX...): copied whole */
			putchar(*p++);
			putchar(*p);
		} else {
			putchar(*p);
		}
	}
	putchar('\n');
	free(text);
}

bool report_json_failed(void)
{
	return json_failed;
}

json_t *report_json_textn(const char *text, size_t len)
{
	json_t *valid = json_stringn(text, len);
	if (valid)
		return valid;
	/* not UTF-8: every byte that is not part of a well-formed character is kept as a
	 * code point of its own (PEP 383's surrogateescape on output: see report.h) */
	char *copy = malloc(len * 4 + 1);
	size_t o = 0;
	if (!copy)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_well_formed(text + i, len - i);
		if (n) {
			memcpy(copy + o, text + i, n);
			o += n;
			i += n;
			continue;
		}
		unsigned cp = BYTE_CODE_POINT | (unsigned char)text[i++];
		copy[o++] = (char)(0xf0 | cp >> 18);
		copy[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		copy[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		copy[o++] = (char)(0x80 | (cp & 0x3f));
	}
	json_t *s = json_stringn(copy, o);
	free(copy);
	return s;
}

json_t *report_json_text(const char *text)
{
	return report_json_textn(text ? text : "", text ? strlen(text) : 0);
}

json_t *report_json_time(long long t)
{
	char text[TIME_TEXT_MAX];
	if (!t)
		return json_null();
	time_text_iso(t, text);
	return json_string(text);
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
	json_array_append_new(arg, report_json_textn(line, n));
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

void report_shared_init(struct report_shared *rs, bool enabled)
{
	memset(rs, 0, sizeof(*rs));
	rs->enabled = enabled;
}

static void print_block(const struct dynbuf *b, const char *indent, bool raw)
{
	if (raw)
		fwrite(b->data, 1, b->len, stdout);
	else
		report_print_lines(b, indent);
}

void report_lines_shared(struct report_shared *rs, const char *spec, const char *title,
			 const struct dynbuf *b, const char *indent, bool raw)
{
	if (!b->len)
		return;
	struct report_shared_block *blk = NULL;
	for (size_t i = 0; rs->enabled && i < rs->n && !blk; i++)
		if (!strcmp(rs->blocks[i].title, title) && rs->blocks[i].len == b->len &&
		    !memcmp(rs->blocks[i].text, b->data, b->len))
			blk = &rs->blocks[i];
	if (!rs->enabled) {
		print_block(b, indent, raw);
		return;
	}
	if (blk) {
		char **grown = realloc(blk->hosts, (blk->n_hosts + 1) * sizeof(*grown));
		if (grown && (grown[blk->n_hosts] = strdup(spec))) {
			blk->hosts = grown;
			blk->n_hosts++;
			printf("  %s: as for %s\n", title, blk->hosts[0]);
			return;
		}
		blk->hosts = grown ? grown : blk->hosts;
		print_block(b, indent, raw); /* out of memory: in full rather than lost */
		return;
	}
	print_block(b, indent, raw);
	struct report_shared_block *grown = realloc(rs->blocks, (rs->n + 1) * sizeof(*grown));
	if (!grown)
		return;
	rs->blocks = grown;
	blk = &grown[rs->n];
	memset(blk, 0, sizeof(*blk));
	blk->title = strdup(title);
	blk->text = malloc(b->len);
	blk->hosts = malloc(sizeof(*blk->hosts));
	if (!blk->title || !blk->text || !blk->hosts || !(blk->hosts[0] = strdup(spec))) {
		free(blk->title);
		free(blk->text);
		free(blk->hosts);
		return;
	}
	memcpy(blk->text, b->data, b->len);
	blk->len = b->len;
	blk->n_hosts = 1;
	rs->n++;
}

void report_shared_summary(const struct report_shared *rs)
{
	for (size_t i = 0; rs->enabled && i < rs->n; i++) {
		const struct report_shared_block *blk = &rs->blocks[i];
		if (blk->n_hosts < 2)
			continue;
		printf("%s as for %s, on %zu hosts: ", blk->title, blk->hosts[0], blk->n_hosts);
		for (size_t j = 0; j < blk->n_hosts; j++)
			printf("%s%s", j ? ", " : "", blk->hosts[j]);
		printf("\n");
	}
}

void report_shared_free(struct report_shared *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		free(rs->blocks[i].title);
		free(rs->blocks[i].text);
		for (size_t j = 0; j < rs->blocks[i].n_hosts; j++)
			free(rs->blocks[i].hosts[j]);
		free(rs->blocks[i].hosts);
	}
	free(rs->blocks);
	memset(rs, 0, sizeof(*rs));
}

void report_print_details(const struct dynbuf *changes, const struct dynbuf *diff,
			  const struct dynbuf *proof)
{
	report_print_lines(changes, "  ");
	if (diff->len)
		report_print_lines(diff, "  ");
	report_print_lines(proof, "  proof: ");
	fflush(stdout);
}
