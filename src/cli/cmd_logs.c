/* sshkeyctl logs: what sshd's log says about logins, keys, passwords and attacks. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/error.h"
#include "base/number.h"
#include "base/time_text.h"
#include "base/user_info.h"
#include "cli/commands.h"
#include "cli/fleet_options.h"
#include "cli/fleet_run.h"
#include "cli/local_keys.h"
#include "cli/logs_html.h"
#include "cli/report.h"
#include "files/public_key_file.h"
#include "keys/fingerprint.h"
#include "ops/log_alerts.h"
#include "ops/log_follow.h"
#include "ops/log_report.h"
#include "ops/logs_host.h"
#include "ops/scan_store.h"
#include "remote/server_admin.h"

struct logs_options {
	struct fleet_options fleet; /* fleet.json: --json */
	unsigned top;
	long long since;        /* 0: every line */
	const char *since_what; /* what the time is ("(harden began: DIR)"), NULL: a date */
	bool since_harden;      /* --since harden: each source's own last harden */
	bool journal;
	const char *journal_dir; /* NULL: the machine's journal */
	bool rotated;            /* the servers' rotated files too */
	bool follow;
	unsigned maxretry;
	unsigned long findtime;
	const char *exec; /* --exec PROGRAM, NULL: none */
	const char *html; /* --html FILE, NULL: none */
	const char *db;   /* --db FILE: scan's inventory */
	json_t *html_records;
	const char **key_files;
	size_t n_key_files;
	char since_text[160];
};

/* A fingerprint's name: the comment and file of a public key at hand. */
struct key_name {
	char fingerprint[FINGERPRINT_SHA256_TEXT_MAX];
	char *text;
};

struct key_names {
	struct key_name *items;
	size_t n;
};

static void add_key_name(struct key_names *names, const char *path)
{
	struct pubkey *key = NULL;
	char *comment = NULL;
	struct key_name kn = {0};
	if (public_key_file_read(path, &key, &comment) == 0 &&
	    fingerprint_sha256_text(key, kn.fingerprint, sizeof(kn.fingerprint)) == 0 &&
	    asprintf(&kn.text, "%s%s%s", comment ? comment : "", comment ? ", " : "", path) >= 0) {
		struct key_name *grown = realloc(names->items, (names->n + 1) * sizeof(*grown));
		if (grown) {
			names->items = grown;
			names->items[names->n++] = kn;
			kn.text = NULL;
		}
	}
	free(kn.text);
	free(comment);
	pubkey_free(key);
}

/* --keys FILE..., else every public key file of ~/.ssh */
static void load_key_names(const struct logs_options *o, struct key_names *names)
{
	for (size_t i = 0; i < o->n_key_files; i++)
		add_key_name(names, o->key_files[i]);
	if (o->n_key_files)
		return;
	char *dir = NULL;
	if (user_ssh_dir(&dir) < 0)
		return;
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n > 4 && !strcmp(de->d_name + n - 4, ".pub")) {
			char path[4500];
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			add_key_name(names, path);
		}
	}
	if (d)
		closedir(d);
	free(dir);
}

static const char *name_of(const struct key_names *names, const char *fp, size_t len)
{
	for (size_t i = 0; i < names->n; i++)
		if (strlen(names->items[i].fingerprint) == len &&
		    !memcmp(names->items[i].fingerprint, fp, len))
			return names->items[i].text;
	return NULL;
}

/* a table time: minutes, UTC; "-" for none */
static const char *when(long long t, char buf[TIME_TEXT_MAX])
{
	if (!t)
		return "-";
	time_text_minutes(t, buf);
	return buf;
}

/* A table's row, its key split into the fields it joins ("a\tb\tc"). */
struct row {
	const struct string_count *count;
	const char *field[3];
	int len[3];
};

/* Each of t's rows, largest counter `by` first, at most max of them, given to show. */
static void each_row(const struct string_counts *t, unsigned by, size_t max,
		     void (*show)(const struct row *row, const void *ctx), const void *ctx)
{
	struct string_count *sorted = NULL;
	size_t n = 0;
	if (string_counts_sorted(t, by, &sorted, &n) < 0)
		return;
	for (size_t i = 0; i < n && i < max; i++) {
		struct row row = {.count = &sorted[i]};
		const char *p = sorted[i].key;
		for (size_t f = 0; f < 3; f++) {
			const char *tab = strchr(p, '\t');
			row.field[f] = p;
			row.len[f] = (int)(tab ? (size_t)(tab - p) : strlen(p));
			p = tab ? tab + 1 : p + row.len[f];
		}
		show(&row, ctx);
	}
	free(sorted);
}

static uint64_t total_of(const struct string_counts *c, unsigned i)
{
	uint64_t t = 0;
	for (size_t j = 0; j < c->n_slots; j++)
		if (c->slots[j].key)
			t += c->slots[j].n[i];
	return t;
}

static const struct {
	const char *name;
	enum sshd_event kind;
} refusal_kinds[] = {
	{"bad-modes", SSHD_EVENT_REFUSED_MODES},   {"not-allowed", SSHD_EVENT_NOT_ALLOWED},
	{"root-refused", SSHD_EVENT_ROOT_REFUSED}, {"key-type", SSHD_EVENT_KEY_TYPE},
	{"from-refused", SSHD_EVENT_FROM_REFUSED}, {"too-many-failures", SSHD_EVENT_TOO_MANY}};

/* what a refusal table row means (its first field names the kind) */
static const char *refusal_cause(const struct row *row)
{
	for (size_t k = 0; k < sizeof(refusal_kinds) / sizeof(refusal_kinds[0]); k++)
		if ((int)strlen(refusal_kinds[k].name) == row->len[0] &&
		    !memcmp(refusal_kinds[k].name, row->field[0], (size_t)row->len[0]))
			return log_report_cause(refusal_kinds[k].kind);
	return "";
}

static void login_text(const struct row *row, const void *ctx)
{
	char a[TIME_TEXT_MAX];
	(void)ctx;
	printf("  %-26.*s %-20.*s %8llu  %s\n", row->len[0], row->field[0], row->len[1],
	       row->field[1], (unsigned long long)row->count->n[0], when(row->count->last, a));
}

static void password_text(const struct row *row, const void *ctx)
{
	char a[TIME_TEXT_MAX];
	(void)ctx;
	printf("  %-20.*s %-40.*s %8llu  %s\n", row->len[0], row->field[0], row->len[1],
	       row->field[1], (unsigned long long)row->count->n[0], when(row->count->last, a));
}

static void key_text(const struct row *row, const void *ctx)
{
	char a[TIME_TEXT_MAX];
	const char *known = name_of(ctx, row->field[0], (size_t)row->len[0]);
	printf("  %-51.*s %-12.*s %-16.*s %7llu  %s%s%s\n", row->len[0], row->field[0], row->len[1],
	       row->field[1], row->len[2], row->field[2], (unsigned long long)row->count->n[0],
	       when(row->count->last, a), known ? "  " : "", known ? known : "");
}

static void source_text(const struct row *row, const void *ctx)
{
	char a[TIME_TEXT_MAX];
	const uint64_t *n = row->count->n;
	(void)ctx;
	printf("  %-40.*s %9llu %9llu %9llu  %s\n", row->len[0], row->field[0],
	       (unsigned long long)n[LOG_FAILED_PASSWORD], (unsigned long long)n[LOG_INVALID_USER],
	       (unsigned long long)n[LOG_TOO_MANY], when(row->count->last, a));
}

static void account_text(const struct row *row, const void *ctx)
{
	(void)ctx;
	printf(" %.*s (%llu)", row->len[0], row->field[0],
	       (unsigned long long)(row->count->n[0] + row->count->n[1]));
}

static void refusal_text(const struct row *row, const void *ctx)
{
	char a[TIME_TEXT_MAX];
	(void)ctx;
	printf("  %.*s %.*s: %llu, last %s\n    cause: %s\n", row->len[0], row->field[0],
	       row->len[1], row->field[1], (unsigned long long)row->count->n[0],
	       when(row->count->last, a), refusal_cause(row));
}

#define HISTOGRAM_ROWS  30
#define HISTOGRAM_WIDTH 40

/* Logins and failures over time, in the terminal: buckets of the smallest width that shows
 * the whole span in HISTOGRAM_ROWS rows or fewer (empty ones too: a gap is information). */
static void print_histogram(const struct log_report *r)
{
	static const struct {
		long long seconds;
		const char *name;
	} widths[] = {{3600, "hour"},          {3 * 3600, "3 hours"},    {6 * 3600, "6 hours"},
		      {12 * 3600, "12 hours"}, {86400, "day"},           {7 * 86400, "week"},
		      {30 * 86400, "30 days"}, {365 * 86400, "365 days"}};
	long long first = 0, last = 0;
	for (size_t i = 0; i < r->hours.n_slots; i++) {
		const struct string_count *c = &r->hours.slots[i];
		if (c->key && (!first || c->first < first))
			first = c->first;
		if (c->key && c->last > last)
			last = c->last;
	}
	if (!first)
		return;
	size_t w = 0;
	while (w + 1 < sizeof(widths) / sizeof(widths[0]) &&
	       (last / widths[w].seconds - first / widths[w].seconds) >= HISTOGRAM_ROWS)
		w++;
	long long width = widths[w].seconds, start = first - first % width;
	size_t n = (size_t)((last - start) / width) + 1;
	uint64_t(*bucket)[2] = calloc(n, sizeof(*bucket)), top = 0;
	if (!bucket)
		return;
	for (size_t i = 0; i < r->hours.n_slots; i++) {
		const struct string_count *c = &r->hours.slots[i];
		if (!c->key)
			continue;
		size_t b = (size_t)((c->first - start) / width);
		if (b < n) {
			bucket[b][0] += c->n[0];
			bucket[b][1] += c->n[1];
		}
	}
	for (size_t b = 0; b < n; b++)
		if (bucket[b][0] + bucket[b][1] > top)
			top = bucket[b][0] + bucket[b][1];
	printf("\nOver time, a row per %s (UTC; + logins, # failures)\n", widths[w].name);
	printf("  %-16s %8s %9s\n", "FROM", "LOGINS", "FAILURES");
	for (size_t b = 0; b < n; b++) {
		char a[TIME_TEXT_MAX], bar[HISTOGRAM_WIDTH + 1];
		uint64_t sum = bucket[b][0] + bucket[b][1];
		size_t cols = top ? (size_t)((sum * HISTOGRAM_WIDTH + top - 1) / top) : 0;
		size_t plus = sum ? (size_t)(bucket[b][0] * cols / sum) : 0;
		/* a bucket with logins shows at least one + */
		if (bucket[b][0] && !plus)
			plus = 1;
		memset(bar, '+', plus);
		memset(bar + plus, '#', cols - plus);
		bar[cols] = 0;
		printf("  %-16s %8llu %9llu  %s\n", when(start + (long long)b * width, a),
		       (unsigned long long)bucket[b][0], (unsigned long long)bucket[b][1], bar);
	}
	free(bucket);
}

static void print_text(const struct log_report *r, const struct logs_options *o,
		       const struct key_names *names, size_t n_sources)
{
	char a[TIME_TEXT_MAX], b[TIME_TEXT_MAX];
	printf("sshd's log: %zu source%s, %llu lines, %llu of sshd's (%s to %s UTC)\n", n_sources,
	       n_sources == 1 ? "" : "s", (unsigned long long)r->lines,
	       (unsigned long long)r->sshd_lines, when(r->first, a), when(r->last, b));
	if (r->since)
		printf("Since %s UTC%s%s: %llu of sshd's lines before it left out, %llu without a "
		       "time\n",
		       when(r->since, a), o->since_what ? " " : "",
		       o->since_what ? o->since_what : "", (unsigned long long)r->before_since,
		       (unsigned long long)r->undated);
	else if (o->since_what)
		printf("Since %s: %llu of sshd's lines before it left out, %llu without a time\n",
		       o->since_what, (unsigned long long)r->before_since,
		       (unsigned long long)r->undated);

	printf("\nLogins: %llu\n", (unsigned long long)r->kinds[SSHD_EVENT_ACCEPTED]);
	if (r->logins.n_keys)
		printf("  %-26s %-20s %8s  %s\n", "METHOD", "ACCOUNT", "LOGINS", "LAST");
	each_row(&r->logins, 0, o->top, login_text, NULL);

	printf("\nPassword logins that worked: %llu\n",
	       (unsigned long long)total_of(&r->passwords, 0));
	if (r->passwords.n_keys)
		printf("  %-20s %-40s %8s  %s\n", "ACCOUNT", "FROM", "LOGINS", "LAST");
	each_row(&r->passwords, 0, o->top, password_text, NULL);

	printf("\nKeys that logged in: %zu\n", r->keys.n_keys);
	if (r->keys.n_keys)
		printf("  %-51s %-12s %-16s %7s  %s\n", "FINGERPRINT", "TYPE", "ACCOUNT", "LOGINS",
		       "LAST");
	each_row(&r->keys, 0, o->top, key_text, names);

	printf("\nFailed passwords: %llu, invalid users: %llu, from %zu sources\n",
	       (unsigned long long)total_of(&r->failures, LOG_FAILED_PASSWORD),
	       (unsigned long long)total_of(&r->failures, LOG_INVALID_USER), r->failures.n_keys);
	if (r->failures.n_keys)
		printf("  %-40s %9s %9s %9s  %s\n", "SOURCE", "PASSWORDS", "INVALID", "MAXTRIES",
		       "LAST");
	each_row(&r->failures, LOG_FAILED_PASSWORD, o->top, source_text, NULL);
	if (r->accounts.n_keys) {
		printf("  accounts tried:");
		each_row(&r->accounts, 0, o->top, account_text, NULL);
		printf("\n");
	}

	printf("\nRefusals that point at a misconfiguration: %llu\n",
	       (unsigned long long)total_of(&r->refusals, 0));
	each_row(&r->refusals, 0, o->top, refusal_text, NULL);

	printf("\nBefore authentication (closed, disconnected, scans): %llu\n",
	       (unsigned long long)r->kinds[SSHD_EVENT_PREAUTH]);
	print_histogram(r);
	if (r->too_long)
		printf("\nLines longer than sshd writes, skipped: %llu\n",
		       (unsigned long long)r->too_long);
	if (r->future || r->out_of_order)
		printf("\nLines dated after now: %llu; dated over an hour before the line before: "
		       "%llu\n",
		       (unsigned long long)r->future, (unsigned long long)r->out_of_order);
	if (r->notes.len) {
		printf("\n");
		report_print_lines(&r->notes, "note: ");
		if (r->notes_left_out)
			printf("note: %llu more\n", (unsigned long long)r->notes_left_out);
	}
}

/* where print_json's records go: stdout, or (--html) an array */
static json_t *json_sink;

static void emit(json_t *j)
{
	if (json_sink)
		json_array_append_new(json_sink, j);
	else
		report_json_line(j);
}

static void login_json(const struct row *row, const void *ctx)
{
	(void)ctx;
	emit(json_pack("{s:s, s:o, s:o, s:I, s:o, s:o}", "record", "login", "method",
		       report_json_textn(row->field[0], (size_t)row->len[0]), "account",
		       report_json_textn(row->field[1], (size_t)row->len[1]), "count",
		       (json_int_t)row->count->n[0], "first", report_json_time(row->count->first),
		       "last", report_json_time(row->count->last)));
}

static void password_json(const struct row *row, const void *ctx)
{
	(void)ctx;
	emit(json_pack("{s:s, s:o, s:o, s:I, s:o, s:o}", "record", "password_login", "account",
		       report_json_textn(row->field[0], (size_t)row->len[0]), "from",
		       report_json_textn(row->field[1], (size_t)row->len[1]), "count",
		       (json_int_t)row->count->n[0], "first", report_json_time(row->count->first),
		       "last", report_json_time(row->count->last)));
}

static void key_json(const struct row *row, const void *ctx)
{
	const char *known = name_of(ctx, row->field[0], (size_t)row->len[0]);
	json_t *j = json_pack("{s:s, s:o, s:o, s:o, s:I, s:o, s:o}", "record", "key", "fingerprint",
			      report_json_textn(row->field[0], (size_t)row->len[0]), "type",
			      report_json_textn(row->field[1], (size_t)row->len[1]), "account",
			      report_json_textn(row->field[2], (size_t)row->len[2]), "count",
			      (json_int_t)row->count->n[0], "first",
			      report_json_time(row->count->first), "last",
			      report_json_time(row->count->last));
	if (j && known)
		json_object_set_new(j, "known_as", report_json_text(known));
	emit(j);
}

static void source_json(const struct row *row, const void *ctx)
{
	const uint64_t *n = row->count->n;
	(void)ctx;
	emit(json_pack("{s:s, s:o, s:I, s:I, s:I, s:I, s:o, s:o}", "record", "source", "address",
		       report_json_textn(row->field[0], (size_t)row->len[0]), "failed_passwords",
		       (json_int_t)n[LOG_FAILED_PASSWORD], "invalid_users",
		       (json_int_t)n[LOG_INVALID_USER], "max_tries", (json_int_t)n[LOG_TOO_MANY],
		       "failed_other", (json_int_t)n[LOG_FAILED_OTHER], "first",
		       report_json_time(row->count->first), "last",
		       report_json_time(row->count->last)));
}

static void refusal_json(const struct row *row, const void *ctx)
{
	(void)ctx;
	emit(json_pack("{s:s, s:o, s:o, s:I, s:o, s:o, s:s}", "record", "refusal", "kind",
		       report_json_textn(row->field[0], (size_t)row->len[0]), "detail",
		       report_json_textn(row->field[1], (size_t)row->len[1]), "count",
		       (json_int_t)row->count->n[0], "first", report_json_time(row->count->first),
		       "last", report_json_time(row->count->last), "cause", refusal_cause(row)));
}

static int earlier_first(const void *a, const void *b)
{
	const struct string_count *x = a, *y = b;
	return (x->first > y->first) - (x->first < y->first);
}

static void print_json(const struct log_report *r, const struct logs_options *o,
		       const struct key_names *names, size_t n_sources)
{
	each_row(&r->logins, 0, SIZE_MAX, login_json, NULL);
	each_row(&r->passwords, 0, SIZE_MAX, password_json, NULL);
	each_row(&r->keys, 0, SIZE_MAX, key_json, names);
	each_row(&r->failures, LOG_FAILED_PASSWORD, SIZE_MAX, source_json, NULL);
	each_row(&r->refusals, 0, SIZE_MAX, refusal_json, NULL);
	/* the hours in time order */
	struct string_count *hours = NULL;
	size_t n_hours = 0;
	if (string_counts_sorted(&r->hours, 0, &hours, &n_hours) == 0) {
		qsort(hours, n_hours, sizeof(*hours), earlier_first);
		for (size_t i = 0; i < n_hours; i++)
			emit(json_pack("{s:s, s:o, s:I, s:I}", "record", "hour", "from",
				       report_json_time(hours[i].first - hours[i].first % 3600),
				       "logins", (json_int_t)hours[i].n[0], "failures",
				       (json_int_t)hours[i].n[1]));
	}
	free(hours);
	json_t *summary = json_pack(
		"{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o}", "record", "summary",
		"sources", (json_int_t)n_sources, "lines", (json_int_t)r->lines, "sshd_lines",
		(json_int_t)r->sshd_lines, "logins", (json_int_t)r->kinds[SSHD_EVENT_ACCEPTED],
		"password_logins", (json_int_t)total_of(&r->passwords, 0), "failed_passwords",
		(json_int_t)total_of(&r->failures, LOG_FAILED_PASSWORD), "invalid_users",
		(json_int_t)total_of(&r->failures, LOG_INVALID_USER), "preauth",
		(json_int_t)r->kinds[SSHD_EVENT_PREAUTH], "first", report_json_time(r->first),
		"last", report_json_time(r->last), "notes", report_lines_json(&r->notes));
	if (summary) {
		json_object_set_new(summary, "future", json_integer((json_int_t)r->future));
		json_object_set_new(summary, "out_of_order",
				    json_integer((json_int_t)r->out_of_order));
	}
	if (summary && (r->since || o->since_what)) {
		json_object_set_new(summary, "since", report_json_time(r->since));
		json_object_set_new(summary, "before_since",
				    json_integer((json_int_t)r->before_since));
		json_object_set_new(summary, "undated", json_integer((json_int_t)r->undated));
	}
	emit(summary);
}

/* One source opened: "-" standard input, else a regular file (a FIFO or a device is
 * refused: it could block or never end). -1 after saying why. */
static int open_source(const char *path)
{
	if (!strcmp(path, "-"))
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	if (fd < 0) {
		cli_error("%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		cli_error("%s: not a regular file", path);
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

enum {
	OPT_KEYS = 256,
	OPT_TOP,
	OPT_SINCE,
	OPT_JOURNAL,
	OPT_ROTATED,
	OPT_FOLLOW,
	OPT_MAXRETRY,
	OPT_FINDTIME,
	OPT_EXEC,
	OPT_HTML,
	OPT_DB
};

static int handle_option(int c, char *arg, void *data)
{
	struct logs_options *o = data;
	switch (c) {
	case OPT_JOURNAL:
		o->journal = true;
		o->journal_dir = arg;
		return EXIT_OK;
	case OPT_ROTATED:
		o->rotated = true;
		return EXIT_OK;
	case OPT_FOLLOW:
		o->follow = true;
		return EXIT_OK;
	case OPT_MAXRETRY:
		if (parse_unsigned_option(arg, 1, LOG_ALERTS_MAXRETRY_MAX, &o->maxretry) < 0)
			return cli_usage_error(&command_logs, "--maxretry: a number from 1 to %d",
					       LOG_ALERTS_MAXRETRY_MAX);
		return EXIT_OK;
	case OPT_FINDTIME:
		if (duration_parse(arg, 366UL * 86400, &o->findtime) < 0 || !o->findtime)
			return cli_usage_error(&command_logs,
					       "--findtime: a time span (600, 10m, 1h, 1d)");
		return EXIT_OK;
	case OPT_HTML:
		o->html = arg;
		return EXIT_OK;
	case OPT_DB:
		o->db = arg;
		return EXIT_OK;
	case OPT_EXEC:
		/* a program run by its path, never through a shell */
		if (arg[0] != '/' || access(arg, X_OK) < 0)
			return cli_usage_error(&command_logs,
					       "--exec: the absolute path of a program to run");
		o->exec = arg;
		return EXIT_OK;
	case OPT_SINCE:
		if (!strcmp(arg, "harden")) {
			o->since_harden = true;
			return EXIT_OK;
		}
		if (time_text_parse(arg, (long long)time(NULL), &o->since) < 0)
			return cli_usage_error(&command_logs,
					       "--since: a date (2026-12-01, \"2026-12-01 04:00\", "
					       "UTC), a span before now (2d, 90m) or harden");
		return EXIT_OK;
	case OPT_KEYS: {
		const char **more = realloc(o->key_files, (o->n_key_files + 1) * sizeof(*more));
		if (!more)
			return EXIT_FAIL;
		o->key_files = more;
		o->key_files[o->n_key_files++] = arg;
		return EXIT_OK;
	}
	case OPT_TOP:
		if (parse_unsigned_option(arg, 1, 1000000, &o->top) < 0)
			return cli_usage_error(&command_logs, "--top: a number from 1");
		return EXIT_OK;
	default:
		return FLEET_OPTION_UNKNOWN;
	}
}

/* --- --db: scan's inventory --- */

struct inventory_key {
	char *target, *account, *fingerprint, *comment;
	const char *server; /* the target after its "user@": as the report names hosts */
	long long last;     /* from the logs read: 0 none */
	bool read;          /* its server's log was read in this run */
};

struct inventory {
	struct inventory_key *keys;
	size_t n;
	struct key_names *names;
};

static int add_inventory_key(const char *target, const char *account, const char *fingerprint,
			     const char *comment, void *arg)
{
	struct inventory *inv = arg;
	struct inventory_key *more = realloc(inv->keys, (inv->n + 1) * sizeof(*more));
	if (!more)
		return -ENOMEM;
	inv->keys = more;
	struct inventory_key *k = &inv->keys[inv->n];
	*k = (struct inventory_key){.target = strdup(target),
				    .account = strdup(account),
				    .fingerprint = strdup(fingerprint),
				    .comment = comment ? strdup(comment) : NULL};
	if (!k->target || !k->account || !k->fingerprint || (comment && !k->comment)) {
		free(k->target);
		free(k->account);
		free(k->fingerprint);
		free(k->comment);
		return -ENOMEM;
	}
	const char *at = strrchr(k->target, '@');
	k->server = at ? at + 1 : k->target;
	inv->n++;
	/* the key's name in the tables, when no local .pub names it */
	struct key_name kn = {0};
	if (!name_of(inv->names, fingerprint, strlen(fingerprint)) &&
	    snprintf(kn.fingerprint, sizeof(kn.fingerprint), "%s", fingerprint) > 0 &&
	    asprintf(&kn.text, "%s%s(inventory: %s@%s)", comment ? comment : "", comment ? " " : "",
		     account, k->server) >= 0) {
		struct key_name *grown =
			realloc(inv->names->items, (inv->names->n + 1) * sizeof(*grown));
		if (grown) {
			inv->names->items = grown;
			inv->names->items[inv->names->n++] = kn;
			kn.text = NULL;
		}
	}
	free(kn.text);
	return 0;
}

static void inventory_free(struct inventory *inv)
{
	for (size_t i = 0; i < inv->n; i++) {
		free(inv->keys[i].target);
		free(inv->keys[i].account);
		free(inv->keys[i].fingerprint);
		free(inv->keys[i].comment);
	}
	free(inv->keys);
}

/* "FP\tTYPE\tACCOUNT@SERVER" -> "FP\tACCOUNT@SERVER" */
static size_t without_type(const char *key, size_t len, char *buf, size_t size, void *arg)
{
	const char *tab1 = memchr(key, '\t', len);
	const char *tab2 = tab1 ? memchr(tab1 + 1, '\t', len - (size_t)(tab1 + 1 - key)) : NULL;
	(void)arg;
	if (!tab2 || len >= size)
		return size;
	size_t a = (size_t)(tab1 - key) + 1, b = len - (size_t)(tab2 + 1 - key);
	memcpy(buf, key, a);
	memcpy(buf + a, tab2 + 1, b);
	buf[a + b] = 0;
	return a + b;
}

/* each inventory key of a server read in this run: its last login in the report */
static int inventory_match(struct inventory *inv, const struct log_report *r,
			   const char *const *servers, size_t n_servers)
{
	struct string_counts by_account;
	char key[1024];
	string_counts_init(&by_account, LOG_REPORT_TABLE_MAX);
	int rc = string_counts_merge_renamed(&by_account, &r->keys, without_type, NULL);
	for (size_t i = 0; rc == 0 && i < inv->n; i++) {
		struct inventory_key *k = &inv->keys[i];
		for (size_t j = 0; j < n_servers && !k->read; j++)
			k->read = !strcmp(servers[j], k->server);
		int n = snprintf(key, sizeof(key), "%s\t%s@%s", k->fingerprint, k->account,
				 k->server);
		if (!k->read || n < 0 || (size_t)n >= sizeof(key))
			continue;
		const struct string_count *used = string_counts_find(&by_account, key, (size_t)n);
		if (used)
			k->last = used->last ? used->last : 1;
	}
	string_counts_clear(&by_account);
	return rc;
}

static void print_inventory(const struct inventory *inv, bool json)
{
	size_t read = 0, used = 0;
	char a[TIME_TEXT_MAX];
	for (size_t i = 0; i < inv->n; i++) {
		read += inv->keys[i].read;
		used += inv->keys[i].read && inv->keys[i].last;
	}
	if (!json)
		printf("\nInventory keys (--db) on the servers read: %zu, %zu logged in\n", read,
		       used);
	for (size_t i = 0; i < inv->n; i++) {
		const struct inventory_key *k = &inv->keys[i];
		if (!k->read)
			continue;
		if (json) {
			emit(json_pack("{s:s, s:o, s:o, s:o, s:o, s:b, s:o}", "record",
				       "inventory_key", "target", report_json_text(k->target),
				       "account", report_json_text(k->account), "fingerprint",
				       report_json_text(k->fingerprint), "comment",
				       k->comment ? report_json_text(k->comment) : json_null(),
				       "used", k->last != 0, "last_used",
				       k->last > 1 ? report_json_time(k->last) : json_null()));
			continue;
		}
		printf("  %-24s %-12s %-51s %s%s%s\n", k->target, k->account, k->fingerprint,
		       !k->last       ? "not in its log"
		       : k->last == 1 ? "logged, no date"
				      : when(k->last, a),
		       k->comment ? "  " : "", k->comment ? k->comment : "");
	}
}

/* --- hosts --- */

static const struct fleet_outcome logs_outcomes[] = {
	[LOGS_READ] = {"ok", FLEET_LEVEL_OK, 0},
	[LOGS_INCOMPLETE] = {"incomplete", FLEET_LEVEL_WARN, 1},
	[LOGS_NO_LOG] = {"no-log", FLEET_LEVEL_FAIL, 2},
	[LOGS_FAILED] = {"failed", FLEET_LEVEL_FAIL, 3},
	[LOGS_UNREACHABLE] = {"unreachable", FLEET_LEVEL_FAIL, 4},
};
static const struct fleet_group summary_groups[] = {{"read", "ok", false},
						    {"incomplete", "incomplete", false},
						    {"without a log", "no_log", false},
						    {"failed", "failed", false},
						    {"unreachable", "unreachable", false}};
FLEET_RESULT_ACCESSORS(struct logs_result)
static const struct fleet_outcomes outcomes = {logs_outcomes, summary_groups, 5, outcome_of, true};
FLEET_RESULT_CALLBACKS(logs_result_init, logs_result_clear)
static struct target_keys keys_table;
FLEET_WORK_KEYS(logs_host, struct logs_request, &keys_table)

static json_t *host_json(const struct target *t, const struct logs_result *res)
{
	const struct log_report *r = &res->report;
	json_t *j = json_pack("{s:o, s:s, s:s}", "target", report_json_text(t->spec), "record",
			      "host", "status", logs_outcomes[res->outcome].json);
	if (j && res->diag.text[0])
		json_object_set_new(j, "reason", report_json_text(res->diag.text));
	if (j && (res->outcome == LOGS_READ || res->outcome == LOGS_INCOMPLETE)) {
		json_object_set_new(j, "log_source", report_json_text(res->source));
		json_object_set_new(j, "as_root", json_boolean(res->as_root));
		json_object_set_new(j, "lines", json_integer((json_int_t)r->lines));
		json_object_set_new(j, "logins",
				    json_integer((json_int_t)r->kinds[SSHD_EVENT_ACCEPTED]));
		json_object_set_new(j, "password_logins",
				    json_integer((json_int_t)total_of(&r->passwords, 0)));
		json_object_set_new(
			j, "failed_passwords",
			json_integer((json_int_t)total_of(&r->failures, LOG_FAILED_PASSWORD)));
		if (r->since)
			json_object_set_new(j, "since", report_json_time(r->since));
		if (res->harden_dir[0] && r->since)
			json_object_set_new(j, "harden", report_json_text(res->harden_dir));
		json_object_set_new(j, "notes", report_lines_json(&r->notes));
	}
	return j;
}

static void report_host(const struct target *t, const void *result, void *data)
{
	const struct logs_result *res = result;
	const struct log_report *r = &res->report;
	const struct logs_options *o = data;
	char since[TIME_TEXT_MAX];
	uint64_t passwords = total_of(&r->passwords, 0);
	bool read = res->outcome == LOGS_READ || res->outcome == LOGS_INCOMPLETE;
	if (o->html_records)
		json_array_append_new(o->html_records, host_json(t, res));
	if (o->fleet.json) {
		report_json_line(host_json(t, res));
		return;
	}
	if (!read) {
		static const char *const words[] = {[LOGS_NO_LOG] = "NO LOG",
						    [LOGS_FAILED] = "FAILED",
						    [LOGS_UNREACHABLE] = "UNREACHABLE"};
		printf("%s: %s: %s\n", t->spec, words[res->outcome], res->diag.text);
		return;
	}
	if (r->since)
		time_text_minutes(r->since, since);
	printf("%s: %s: %s%s, %llu lines%s%s%s: %llu logins, %llu with a password, %llu failed "
	       "passwords\n",
	       t->spec, res->outcome == LOGS_READ ? "OK" : "INCOMPLETE", res->source,
	       res->as_root ? "" : " (not as root)", (unsigned long long)r->lines,
	       r->since ? " (since " : "", r->since ? since : "",
	       r->since ? (res->harden_dir[0] ? " UTC, harden)" : " UTC)") : "",
	       (unsigned long long)r->kinds[SSHD_EVENT_ACCEPTED], (unsigned long long)passwords,
	       (unsigned long long)total_of(&r->failures, LOG_FAILED_PASSWORD));
	if (!res->as_root && !strcmp(res->source, "journal"))
		printf("  the journal as %s shows only what that account may see\n",
		       t->user ? t->user : "the login account");
	report_print_lines(&r->notes, "  note: ");
	fflush(stdout);
}

/* --- --follow --- */

static volatile sig_atomic_t follow_stop;

static void on_stop_signal(int sig)
{
	(void)sig;
	follow_stop = 1;
}

struct follow_run {
	const struct logs_options *o;
	unsigned hook_failures;
};

static json_t *alert_json(const struct log_alert *a)
{
	json_t *j = json_pack("{s:s, s:s, s:o, s:o}", "record", "alert", "kind",
			      log_alert_kind_name(a->kind), "time", report_json_time(a->time),
			      "address", report_json_text(a->address));
	if (!j)
		return NULL;
	if (a->port)
		json_object_set_new(j, "port", json_integer(a->port));
	if (a->host[0])
		json_object_set_new(j, "host", report_json_text(a->host));
	if (a->kind == LOG_ALERT_FAILURES) {
		json_object_set_new(j, "failures", json_integer(a->failures));
		json_object_set_new(j, "first", report_json_time(a->first));
	} else {
		json_object_set_new(j, "account", report_json_text(a->account));
		json_object_set_new(j, "method", report_json_text(a->method));
	}
	if (a->kind == LOG_ALERT_UNKNOWN_KEY) {
		json_object_set_new(j, "key_type", report_json_text(a->key_type));
		json_object_set_new(j, "fingerprint", report_json_text(a->fingerprint));
	}
	return j;
}

static int on_alert(const struct log_alert *a, void *arg)
{
	struct follow_run *run = arg;
	char when_text[TIME_TEXT_MAX], first[TIME_TEXT_MAX];
	json_t *j = alert_json(a);
	if (run->o->fleet.json) {
		report_json_line(json_incref(j));
	} else {
		time_text_iso(a->time, when_text);
		if (a->kind == LOG_ALERT_FAILURES) {
			time_text_iso(a->first, first);
			printf("%s ALERT failures: %s reached %u failures in %lu s (from %s)\n",
			       when_text, a->address, a->failures, run->o->findtime, first);
		} else if (a->kind == LOG_ALERT_PASSWORD_LOGIN) {
			printf("%s ALERT password-login: %s from %s (%s)\n", when_text, a->account,
			       a->address, a->method);
		} else {
			printf("%s ALERT unknown-key: %s from %s with %s %s\n", when_text,
			       a->account, a->address, a->key_type, a->fingerprint);
		}
	}
	fflush(stdout);
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	json_decref(j);
	if (run->o->exec && text) {
		struct diag d = {{0}};
		int st = 0;
		if (log_alert_run_hook(run->o->exec, a, text, &st, &d) < 0 || st) {
			run->hook_failures++;
			if (d.text[0])
				cli_error("--exec %s: %s", run->o->exec, d.text);
			else
				cli_error("--exec %s: exit status %d", run->o->exec, st);
		}
	}
	free(text);
	return 0;
}

static void on_notice(const char *path, const char *what, void *arg)
{
	(void)arg;
	cli_error("note: %s: %s", path, what);
}

/* --follow: the files from their end, alerts as they come, until Ctrl-C or SIGTERM */
static int follow(const struct logs_options *o, const struct key_names *names, const char **files,
		  size_t n_files)
{
	struct log_alerts alerts;
	struct log_report r;
	struct follow_run run = {o, 0};
	const char **known = calloc(names->n ? names->n : 1, sizeof(*known));
	struct diag d = {{0}};
	int status = EXIT_OK;
	if (!known || log_alerts_init(&alerts, o->maxretry, (long long)o->findtime) < 0) {
		free(known);
		return EXIT_FAIL;
	}
	/* unknown keys: only when the known ones are named (--keys) */
	for (size_t i = 0; o->n_key_files && i < names->n; i++)
		known[alerts.n_known++] = names->items[i].fingerprint;
	alerts.known = known;
	alerts.alert = on_alert;
	alerts.arg = &run;
	log_report_init(&r, (long long)time(NULL));
	r.on_event = log_alerts_event;
	r.on_event_arg = &alerts;
	struct sigaction sa = {.sa_handler = on_stop_signal}, old_int, old_term,
			 ignore = {.sa_handler = SIG_IGN};
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGPIPE, &ignore, NULL);
	struct log_follow_request req = {.paths = files,
					 .n_paths = n_files,
					 .report = &r,
					 .stop = &follow_stop,
					 .notice = on_notice};
	if (!o->fleet.json)
		printf("following %zu file%s (alerts: %u failures in %lu s from one source, "
		       "password logins%s)\n",
		       n_files, n_files == 1 ? "" : "s", o->maxretry, o->findtime,
		       alerts.n_known ? ", keys not in --keys" : "");
	fflush(stdout);
	if (log_follow(&req, &d) < 0) {
		cli_error("%s", d.text);
		status = EXIT_FAIL;
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (status == EXIT_OK) {
		if (o->fleet.json)
			report_json_line(json_pack("{s:s, s:I, s:I, s:I, s:I, s:o}", "record",
						   "summary", "lines", (json_int_t)r.lines,
						   "sshd_lines", (json_int_t)r.sshd_lines, "alerts",
						   (json_int_t)alerts.alerts, "hook_failures",
						   (json_int_t)run.hook_failures, "notes",
						   report_lines_json(&r.notes)));
		else
			printf("followed %llu lines, %llu of sshd's: %llu alert%s\n",
			       (unsigned long long)r.lines, (unsigned long long)r.sshd_lines,
			       (unsigned long long)alerts.alerts, alerts.alerts == 1 ? "" : "s");
		if (r.notes.len && !o->fleet.json)
			report_print_lines(&r.notes, "note: ");
		if (run.hook_failures || r.n_notes || r.notes_left_out)
			status = EXIT_WARN;
	}
	log_report_clear(&r);
	log_alerts_clear(&alerts);
	free(known);
	return status;
}

/* "-" and what names a local file (a path, or a name that exists here) are files; the
 * other arguments are servers */
static bool is_local_file(const char *arg)
{
	struct stat st;
	return !strcmp(arg, "-") || strchr(arg, '/') || stat(arg, &st) == 0;
}

static int run_logs(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"journal", optional_argument, NULL, OPT_JOURNAL},
		{"since", required_argument, NULL, OPT_SINCE},
		{"keys", required_argument, NULL, OPT_KEYS},
		{"top", required_argument, NULL, OPT_TOP},
		{"rotated", no_argument, NULL, OPT_ROTATED},
		{"follow", no_argument, NULL, OPT_FOLLOW},
		{"maxretry", required_argument, NULL, OPT_MAXRETRY},
		{"findtime", required_argument, NULL, OPT_FINDTIME},
		{"exec", required_argument, NULL, OPT_EXEC},
		{"html", required_argument, NULL, OPT_HTML},
		{"db", required_argument, NULL, OPT_DB},
		{NULL, 0, NULL, 0},
	};
	const struct command *cmd = &command_logs;
	struct logs_options o = {.top = 10, .maxretry = 5, .findtime = 600};
	const struct fleet_extra_options extra = {"", longopts, handle_option, &o};
	struct key_names names = {0};
	struct log_report r;
	const char **files = NULL;
	char **target_args = NULL;
	size_t n_files = 0, n_targets = 0;
	int *fds = NULL;
	void *results = NULL;
	struct logs_request req = {0};
	struct fleet_job job = FLEET_JOB(struct logs_result, report_host, &req, &o);
	struct inventory inv = {.names = &names};
	const char **servers = NULL;
	size_t n_servers = 0;
	int status;
	fleet_options_init(&o.fleet);
	log_report_init(&r, (long long)time(NULL));
	if ((status = fleet_options_parse(&o.fleet, cmd, argc, argv, &extra)) != EXIT_OK)
		goto out;
	if (o.fleet.dry_run) {
		status = cli_usage_error(cmd, "logs changes nothing; --dry-run is not needed");
		goto out;
	}
	if (o.html && !(o.html_records = json_array())) {
		status = EXIT_FAIL;
		goto out;
	}
	files = calloc((size_t)argc + 1, sizeof(*files));
	target_args = calloc((size_t)argc + 2, sizeof(*target_args));
	if (!files || !target_args) {
		status = EXIT_FAIL;
		goto out;
	}
	target_args[n_targets++] = argv[0];
	for (int i = optind; i < argc; i++) {
		if (is_local_file(argv[i]))
			files[n_files++] = argv[i];
		else
			target_args[n_targets++] = argv[i];
	}
	bool fleet = n_targets > 1 || o.fleet.targets.n > 0;
	if (fleet) {
		optind = 1;
		if ((status = fleet_options_finish(&o.fleet, cmd, (int)n_targets, target_args)) !=
			    EXIT_OK ||
		    (status = target_keys_load(&o.fleet, NULL, &keys_table)) != EXIT_OK)
			goto out;
	}
	static const char *const defaults[] = {"/var/log/auth.log", "/var/log/secure"};
	if (!n_files && !o.journal && !fleet) {
		for (size_t i = 0; i < 2 && !n_files; i++)
			if (access(defaults[i], R_OK) == 0)
				files[n_files++] = defaults[i];
		if (!n_files) {
			cli_error("no sshd log here (/var/log/auth.log, /var/log/secure): name the "
				  "files, the servers, or - for standard input");
			status = EXIT_FAIL;
			goto out;
		}
	}
	if (o.follow) {
		if (fleet || o.journal || o.since || o.since_harden || o.html) {
			status = cli_usage_error(cmd, "--follow follows local files: no servers, "
						      "--journal, --since or --html with it");
			goto out;
		}
		load_key_names(&o, &names);
		status = follow(&o, &names, files, n_files);
		goto out;
	}
	if (o.exec) {
		status = cli_usage_error(cmd, "--exec runs on --follow's alerts");
		goto out;
	}
	/* the local sources' --since harden: this machine's own */
	if (o.since_harden && (n_files || o.journal)) {
		struct diag d = {{0}};
		char dir[64];
		if (log_report_harden_time(SERVER_ADMIN_BACKUP_ROOT, &o.since, dir, &d) < 0) {
			cli_error("--since harden: %s", d.text);
			status = EXIT_FAIL;
			goto out;
		}
		snprintf(o.since_text, sizeof(o.since_text), "(harden began: %s/%s)",
			 SERVER_ADMIN_BACKUP_ROOT, dir);
		o.since_what = o.since_text;
	} else if (o.since_harden) {
		o.since_what = "(each server's last harden)";
	}
	/* every source opened before any is read: a name that is wrong is said, and nothing
	 * reported */
	fds = calloc(n_files ? n_files : 1, sizeof(*fds));
	for (size_t i = 0; fds && i < n_files; i++)
		if ((fds[i] = open_source(files[i])) < 0) {
			while (i--)
				if (fds[i] > 0)
					close(fds[i]);
			status = EXIT_FAIL;
			goto out;
		}
	if (!fds) {
		status = EXIT_FAIL;
		goto out;
	}
	r.since = o.since_harden && !(n_files || o.journal) ? 0 : o.since;
	load_key_names(&o, &names);
	if (o.db) {
		struct scan_store *store = NULL;
		struct diag d = {{0}};
		/* an inventory scan --db wrote: never a new, empty one */
		int dr = access(o.db, R_OK) < 0 ? -errno : scan_store_open(o.db, &store, &d);
		if (dr == 0)
			dr = scan_store_inventory(store, add_inventory_key, &inv, &d);
		scan_store_close(store);
		if (dr < 0) {
			cli_error("--db %s: %s", o.db, d.text[0] ? d.text : strerror(-dr));
			status = EXIT_FAIL;
			goto out;
		}
	}
	for (size_t i = 0; i < n_files; i++) {
		struct diag d = {{0}};
		if (log_report_read_fd(&r, fds[i], fds[i] ? files[i] : "(standard input)", &d) <
		    0) {
			cli_error("%s", d.text);
			status = EXIT_FAIL;
		}
		if (fds[i] > 0)
			close(fds[i]);
	}
	if (o.journal) {
		struct diag d = {{0}};
		if (log_report_read_journal(&r, o.journal_dir, &d) < 0) {
			cli_error("%s", d.text);
			status = EXIT_FAIL;
		}
	}
	size_t n_sources = n_files + o.journal;
	if (n_sources &&
	    log_report_undated_note(&r, n_sources == 1 && n_files ? files[0]
								  : "(the local sources)") < 0) {
		status = EXIT_FAIL;
		goto out;
	}
	req = (struct logs_request){.connect = &o.fleet.connect,
				    .password = &o.fleet.password_source,
				    .since = o.since_harden ? 0 : o.since,
				    .since_harden = o.since_harden,
				    .rotated = o.rotated,
				    .now = r.now};
	job.keys = &keys_table;
	job.password_login = true;
	job.sudo_password = true;
	if (fleet) {
		if (fleet_run(&o.fleet, &job, &results) < 0) {
			status = EXIT_FAIL;
			goto out;
		}
		const struct logs_result *res = results;
		for (size_t i = 0; i < o.fleet.targets.n; i++) {
			if (o.fleet.not_started && o.fleet.not_started[i])
				continue;
			if (res[i].outcome != LOGS_READ && res[i].outcome != LOGS_INCOMPLETE)
				continue;
			/* the accounts of a host are named ACCOUNT@HOST[:PORT] */
			const struct target *t = &o.fleet.targets.items[i];
			char host[300];
			snprintf(host, sizeof(host), t->port ? "%s:%u" : "%s", t->host, t->port);
			if (log_report_merge(&r, &res[i].report, NULL, 0, host) < 0) {
				status = EXIT_FAIL;
				goto out;
			}
			const char **more = realloc(servers, (n_servers + 1) * sizeof(*more));
			if (!more || !(more[n_servers] = strdup(host))) {
				free(more);
				status = EXIT_FAIL;
				goto out;
			}
			servers = more;
			n_servers++;
			n_sources++;
		}
	}
	if (o.db && inventory_match(&inv, &r, servers, n_servers) < 0) {
		status = EXIT_FAIL;
		goto out;
	}
	/* the report of every source read (none: every host failed, each said why) */
	if (n_sources && o.fleet.json)
		print_json(&r, &o, &names, n_sources);
	else if (n_sources)
		print_text(&r, &o, &names, n_sources);
	if (o.db && n_sources)
		print_inventory(&inv, o.fleet.json);
	if (o.html) {
		json_sink = o.html_records;
		print_json(&r, &o, &names, n_sources);
		if (o.db)
			print_inventory(&inv, true);
		json_sink = NULL;
		int hr = logs_html_write(o.html, o.html_records, r.now);
		if (hr < 0) {
			cli_error("%s: %s", o.html, error_to_string(hr));
			status = EXIT_FAIL;
		} else if (!o.fleet.json) {
			printf("report written to %s\n", o.html);
		}
	}
	fflush(stdout);
	/* the worst of: a local source that failed, the hosts' status, a report with notes
	 * (a source not read to its end, lines skipped: a warning) */
	if (fleet) {
		int fleet_status = fleet_summarize(&o.fleet, &job, results, NULL);
		if (status == EXIT_OK || fleet_status == EXIT_FAIL)
			status = fleet_status;
	}
	if (status == EXIT_OK && (r.n_notes || r.notes_left_out))
		status = EXIT_WARN;
out:
	if (results)
		fleet_results_free(&o.fleet, &job, results);
	free(fds);
	free(files);
	free(target_args);
	log_report_clear(&r);
	for (size_t i = 0; i < names.n; i++)
		free(names.items[i].text);
	free(names.items);
	free(o.key_files);
	json_decref(o.html_records);
	inventory_free(&inv);
	for (size_t i = 0; i < n_servers; i++)
		free((char *)servers[i]);
	free(servers);
	target_keys_free(&keys_table);
	fleet_options_free(&o.fleet);
	return status;
}

const struct command command_logs = {
	.name = "logs",
	.summary = "What sshd's log says about logins, keys, passwords and attacks.",
	.usage =
		"sshkeyctl logs [--json] [--keys PUBFILE]... [--top N] [--since WHEN]\n"
		"                      [--journal[=DIR]] [--rotated] [copy's connection and\n"
		"                      fleet options] [FILE|-|TARGET]...\n"
		"       sshkeyctl logs --follow [--maxretry N] [--findtime SPAN] [--exec PROGRAM]\n"
		"                      [--keys PUBFILE]... [--json] [FILE]...",
	.help = "  FILE                    sshd's log: auth.log, secure, rotated .1 and .gz, or -\n"
		"                          (standard input); default /var/log/auth.log, else\n"
		"                          /var/log/secure. An argument that is -, holds a / or\n"
		"                          names a file here is a file; any other is a server\n"
		"  TARGET                  a server whose log is read there (auth.log, secure,\n"
		"                          else the journal), as root or through sudo where it\n"
		"                          can, else as the login account (said)\n"
		"  --rotated               on servers, the rotated files too, oldest first\n"
		"  --journal[=DIR]         the journal's sshd entries too (journalctl -o json;\n"
		"                          DIR: a journal directory, as journalctl --directory)\n"
		"  --keys PUBFILE          name the keys that logged in by these public keys\n"
		"                          (default: ~/.ssh/*.pub)\n"
		"  --top N                 rows per table (default 10)\n"
		"  --since WHEN            only sshd's lines from then on: a date (2026-12-01,\n"
		"                          \"2026-12-01 04:00\", UTC), a span before now (2d,\n"
		"                          90m), or harden (the start of the last completed\n"
		"                          sshkeyctl harden, each server's own)\n"
		"  --json                  one object per row (record: host, login,\n"
		"                          password_login, key, source, refusal, hour), then a\n"
		"                          summary\n"
		"  --db FILE               scan's inventory (scan --db): its keys name the keys\n"
		"                          that logged in, and each key of a server read gets\n"
		"                          its last login from that server's log\n"
		"  --html FILE             also write one self-contained page (0600): the tables,\n"
		"                          each server's line, a chart over time\n"
		"  --follow                the files from their end as they grow (rotation and\n"
		"                          truncation followed), alerts as they come, until\n"
		"                          Ctrl-C or SIGTERM\n"
		"  --maxretry N, --findtime SPAN\n"
		"                          alert when one source fails N times within SPAN\n"
		"                          (default 5 in 10m, as fail2ban)\n"
		"  --exec PROGRAM          run PROGRAM (absolute path, no shell) on each alert:\n"
		"                          arguments KIND ADDRESS [ACCOUNT], the alert as JSON\n"
		"                          on its standard input; an address that is not an IP\n"
		"                          address runs nothing\n"
		"\n"
		"Lines as syslog writes them (RFC 3164, RFC 3339 as Debian 12's rsyslog, RFC\n"
		"5424), as journalctl -o json writes them, or bare (sshd -E); sshd, sshd-session\n"
		"and sshd-auth. Every address is the one sshd appends at the end of its message,\n"
		"never one a user name holds. Alerts: failures (a source reached --maxretry),\n"
		"password-login (a password or keyboard-interactive login worked), unknown-key (a\n"
		"key not among --keys logged in; only with --keys). Exit status 0; 5 when a\n"
		"source could not be read to its end, held lines longer than sshd writes, lines\n"
		"without a time under --since, or a hook failed; 1 when a file could not be\n"
		"opened or every server failed; 3 when some did. Status per server (JSON\n"
		"\"status\"): ok, incomplete, no-log, failed, unreachable.\n",
	.run = run_logs,
};
