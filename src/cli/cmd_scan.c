/* sshkeyctl scan: every key that can log in where, what is wrong with it, when sshd last
 * logged it; read-only. Text table, --json (JSON Lines), --csv. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/error.h"
#include "cli/commands.h"
#include "cli/fleet_options.h"
#include "cli/fleet_run.h"
#include "cli/local_keys.h"
#include "cli/report.h"
#include "cli/terminal_safe.h"
#include "base/file_io.h"
#include "base/time_text.h"
#include "files/expect_keys.h"
#include "ops/scan.h"
#include "ops/scan_store.h"
#include "cli/scan_html.h"

struct scan_options {
	struct fleet_options fleet;
	bool all_accounts;
	bool no_logs;
	bool csv;
	bool run_keys_command;
	const char *db_path; /* --db, or the default one --diff uses */
	bool diff;
	char *default_db; /* owned */
	const char *html_path;
	const char *expect_path;
	struct expect_keys *expect;
};

enum {
	OPT_ALL_ACCOUNTS = 256,
	OPT_NO_LOGS,
	OPT_CSV,
	OPT_DB,
	OPT_DIFF,
	OPT_HTML,
	OPT_EXPECT,
	OPT_RUN_KEYS_COMMAND
};

static int handle_option(int c, char *arg, void *data)
{
	struct scan_options *o = data;
	switch (c) {
	case OPT_ALL_ACCOUNTS:
		o->all_accounts = true;
		return EXIT_OK;
	case OPT_NO_LOGS:
		o->no_logs = true;
		return EXIT_OK;
	case OPT_CSV:
		o->csv = true;
		return EXIT_OK;
	case OPT_DB:
		o->db_path = arg;
		return EXIT_OK;
	case OPT_DIFF:
		o->diff = true;
		return EXIT_OK;
	case OPT_HTML:
		o->html_path = arg;
		return EXIT_OK;
	case OPT_EXPECT:
		o->expect_path = arg;
		return EXIT_OK;
	case OPT_RUN_KEYS_COMMAND:
		o->run_keys_command = true;
		return EXIT_OK;
	default:
		return FLEET_OPTION_UNKNOWN;
	}
}

/* dir and every missing directory above it, 0700 each (mkdir -p) */
static int make_directories(char *dir)
{
	for (char *p = strchr(dir + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = 0;
		int r = ensure_directory(dir, 0700, NULL);
		*p = '/';
		if (r < 0)
			return r;
	}
	return ensure_directory(dir, 0700, NULL);
}

static int parse_options(int argc, char **argv, struct scan_options *o)
{
	static const struct option longopts[] = {
		{"all-accounts", no_argument, NULL, OPT_ALL_ACCOUNTS},
		{"no-logs", no_argument, NULL, OPT_NO_LOGS},
		{"csv", no_argument, NULL, OPT_CSV},
		{"db", required_argument, NULL, OPT_DB},
		{"diff", no_argument, NULL, OPT_DIFF},
		{"html", required_argument, NULL, OPT_HTML},
		{"expect", required_argument, NULL, OPT_EXPECT},
		{"run-keys-command", no_argument, NULL, OPT_RUN_KEYS_COMMAND},
		{NULL, 0, NULL, 0},
	};
	const struct command *cmd = &command_scan;
	const struct fleet_extra_options extra = {"", longopts, handle_option, o};
	int status = fleet_options_parse(&o->fleet, cmd, argc, argv, &extra);
	if (status != EXIT_OK)
		return status;
	if (o->fleet.dry_run)
		return cli_usage_error(cmd, "scan changes nothing; --dry-run is not needed");
	if (o->csv && o->fleet.json)
		return cli_usage_error(cmd, "--csv and --json: choose one");
	if (o->expect_path) {
		struct dynbuf b;
		struct diag d = {{0}};
		dynbuf_init(&b, EXPECT_KEYS_FILE_MAX + 1);
		int r = read_file(o->expect_path, READ_FILE_REGULAR, &b);
		if (r < 0)
			diag_set(&d, "%s: %s", o->expect_path,
				 r >= -4096 ? strerror(-r) : error_to_string(r));
		else
			r = expect_keys_parse(b.len ? (const char *)b.data : "", b.len,
					      o->expect_path, &o->expect, &d);
		dynbuf_free(&b);
		if (r < 0) {
			cli_error("--expect %s", d.text);
			return EXIT_FAIL;
		}
	}
	if (o->diff && o->csv)
		return cli_usage_error(cmd, "--diff shows changes, --csv every key: choose one");
	if (o->diff && !o->db_path) {
		/* the default inventory: $XDG_STATE_HOME/sshkeyctl/inventory.db */
		const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
		if ((!state || state[0] != '/') && (!home || home[0] != '/'))
			return cli_usage_error(cmd,
					       "--diff needs --db FILE (no HOME to keep one in)");
		if (asprintf(&o->default_db, "%s%s/sshkeyctl",
			     state && state[0] == '/' ? state : home,
			     state && state[0] == '/' ? "" : "/.local/state") < 0)
			return EXIT_FAIL;
		if (make_directories(o->default_db) < 0) {
			cli_error("%s: %s", o->default_db, strerror(errno));
			return EXIT_FAIL;
		}
		char *file = NULL;
		if (asprintf(&file, "%s/inventory.db", o->default_db) < 0)
			return EXIT_FAIL;
		free(o->default_db);
		o->default_db = file;
		o->db_path = file;
	}
	return fleet_options_finish(&o->fleet, cmd, argc, argv);
}

static struct target_keys keys_table;
FLEET_WORK_KEYS(scan_host, struct scan_request, &keys_table)
FLEET_RESULT_CALLBACKS(scan_result_init, scan_result_clear)

FLEET_RESULT_ACCESSORS(struct scan_result)
static const struct fleet_outcome scan_outcomes[] = {
	[SCAN_CLEAN] = {"ok", FLEET_LEVEL_OK, 0},
	[SCAN_FINDINGS] = {"findings", FLEET_LEVEL_WARN, 1},
	[SCAN_FAILED] = {"failed", FLEET_LEVEL_FAIL, 2},
	[SCAN_UNREACHABLE] = {"unreachable", FLEET_LEVEL_FAIL, 3},
};
static const struct fleet_group summary_groups[] = {{"clean", "ok", false},
						    {"with findings", "findings", false},
						    {"failed", "failed", false},
						    {"unreachable", "unreachable", false}};
static const struct fleet_outcomes outcomes = {scan_outcomes, summary_groups, 4, outcome_of, true};

struct scan_run {
	struct scan_options *opt;
};

/* "2026-11-29 21:04" (UTC), "logged, no date", "never", or "unknown" (no log read) */
static void last_used_text(const struct scan_result *res, const struct scan_key *k, char *buf,
			   size_t len)
{
	if (k->last_used) {
		time_t t = (time_t)k->last_used;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
	} else if (k->used_undated) {
		snprintf(buf, len, "logged, no date");
	} else if (res->log_source && strcmp(res->log_source, "none")) {
		snprintf(buf, len, "never");
	} else {
		snprintf(buf, len, "unknown");
	}
}

/* the findings' short words joined by sep */
static void findings_text(unsigned findings, bool names, const char *sep, char *buf, size_t len)
{
	buf[0] = 0;
	for (unsigned f = 0; f < SCAN_FINDING_COUNT; f++)
		if (findings & (1u << f))
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? sep : "",
				 names ? scan_finding_infos[f].name : scan_finding_infos[f].text);
}

static const char *private_key_problem(const struct scan_private_key *pk)
{
	if (pk->others_read)
		return "readable by others";
	if (pk->encrypted == 0)
		return "not encrypted";
	return NULL;
}

/* one key's place: "FILE:LINE" */
static void where_text(const struct scan_key *k, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%lu", k->file, k->line);
}

static void report_text(const char *spec, const struct scan_result *res, bool headline_only)
{
	if (res->outcome == SCAN_FAILED || res->outcome == SCAN_UNREACHABLE) {
		printf("%s: %s: %s\n", spec, res->outcome == SCAN_FAILED ? "FAILED" : "UNREACHABLE",
		       res->diag.text);
		return;
	}
	printf("%s: %s: %zu account%s, %zu key%s", spec,
	       res->outcome == SCAN_CLEAN ? "OK" : "FINDINGS", res->n_accounts,
	       res->n_accounts == 1 ? "" : "s", res->n_keys, res->n_keys == 1 ? "" : "s");
	if (res->n_errors || res->n_warnings)
		printf(", %u error%s, %u warning%s", res->n_errors, res->n_errors == 1 ? "" : "s",
		       res->n_warnings, res->n_warnings == 1 ? "" : "s");
	printf(" (%s; last used from %s)\n",
	       res->all_accounts ? "every account, as root" : "the login account's files",
	       res->log_source && strcmp(res->log_source, "none") ? res->log_source
								  : "no log (unknown)");
	if (headline_only)
		return;
	/* the table: widths from this host's rows */
	int w_account = 7, w_where = 5, w_type = 4, w_used = 9;
	char where[4200], used[64], findings[512];
	for (size_t i = 0; i < res->n_keys; i++) {
		const struct scan_key *k = &res->keys[i];
		where_text(k, where, sizeof(where));
		last_used_text(res, k, used, sizeof(used));
		int n;
		if ((n = (int)strlen(k->account)) > w_account)
			w_account = n;
		if ((n = (int)strlen(where)) > w_where)
			w_where = n;
		if ((n = (int)strlen(k->key->type->short_name) + 6) > w_type)
			w_type = n;
		if ((n = (int)strlen(used)) > w_used)
			w_used = n;
	}
	if (res->n_keys)
		printf("  %-*s  %-*s  %-*s  %-50s  %-*s  %s\n", w_account, "ACCOUNT", w_where,
		       "WHERE", w_type, "TYPE", "FINGERPRINT", w_used, "LAST USED",
		       "COMMENT / FINDINGS");
	for (size_t i = 0; i < res->n_keys; i++) {
		const struct scan_key *k = &res->keys[i];
		char type[64];
		snprintf(type, sizeof(type), "%s %u", k->key->type->short_name, k->key->bits);
		where_text(k, where, sizeof(where));
		last_used_text(res, k, used, sizeof(used));
		findings_text(k->findings, false, "; ", findings, sizeof(findings));
		printf("  %-*s  %-*s  %-*s  %-50s  %-*s  %s%s%s%s\n", w_account, k->account,
		       w_where, where, w_type, type, k->fingerprint, w_used, used,
		       k->comment ? k->comment : "", k->options ? " [" : "",
		       k->options ? k->options : "", k->options ? "]" : "");
		if (findings[0])
			printf("  %-*s  ^ %s\n", w_account, "", findings);
	}
	for (size_t i = 0; i < res->n_private_keys; i++) {
		const struct scan_private_key *pk = &res->private_keys[i];
		const char *problem = private_key_problem(pk);
		printf("  private key %s (%s, %s %s)%s%s\n", pk->path, pk->account, pk->format,
		       pk->encrypted == 1   ? "encrypted"
		       : pk->encrypted == 0 ? "not encrypted"
					    : "protection unknown",
		       problem ? ": " : "", problem ? problem : "");
	}
	for (size_t i = 0; i < res->n_notes; i++)
		printf("  %s %s: %s\n",
		       res->notes[i].info ? "note:" : "warning:", res->notes[i].account,
		       res->notes[i].text);
}

static json_t *findings_json(unsigned findings)
{
	json_t *a = json_array();
	for (unsigned f = 0; f < SCAN_FINDING_COUNT; f++)
		if (findings & (1u << f))
			json_array_append_new(a, json_string(scan_finding_infos[f].name));
	return a;
}

static void report_json(const char *spec, const struct scan_result *res)
{
	json_t *host =
		json_pack("{s:o, s:s, s:b, s:I, s:I, s:I, s:I}", "target", report_json_text(spec),
			  "record", "host", "all_accounts", res->all_accounts, "accounts",
			  (json_int_t)res->n_accounts, "keys", (json_int_t)res->n_keys, "errors",
			  (json_int_t)res->n_errors, "warnings", (json_int_t)res->n_warnings);
	if (host && res->diag.text[0])
		json_object_set_new(host, "reason", report_json_text(res->diag.text));
	if (host && res->log_source)
		json_object_set_new(host, "log_source", report_json_text(res->log_source));
	report_json_line(host);
	for (size_t i = 0; i < res->n_keys; i++) {
		const struct scan_key *k = &res->keys[i];
		char when[32];
		json_t *o = json_pack(
			"{s:o, s:s, s:o, s:o, s:I, s:s, s:I, s:s, s:o, s:o, s:o, s:b, s:I}",
			"target", report_json_text(spec), "record", "key", "account",
			report_json_text(k->account), "file", report_json_text(k->file), "line",
			(json_int_t)k->line, "type", k->key->type->name, "bits",
			(json_int_t)k->key->bits, "fingerprint", k->fingerprint, "comment",
			k->comment ? report_json_text(k->comment) : json_null(), "options",
			k->options ? report_json_text(k->options) : json_null(), "findings",
			findings_json(k->findings), "cert_authority", k->cert_authority, "uses",
			(json_int_t)k->uses);
		if (o && k->last_used) {
			time_text_iso(k->last_used, when);
			json_object_set_new(o, "last_used", json_string(when));
		} else if (o) {
			json_object_set_new(o, "last_used", json_null());
		}
		if (o && k->last_from[0])
			json_object_set_new(o, "last_from", report_json_text(k->last_from));
		report_json_line(o);
	}
	for (size_t i = 0; i < res->n_private_keys; i++) {
		const struct scan_private_key *pk = &res->private_keys[i];
		report_json_line(
			json_pack("{s:o, s:s, s:o, s:o, s:s, s:o, s:b, s:s}", "target",
				  report_json_text(spec), "record", "private_key", "account",
				  report_json_text(pk->account), "path", report_json_text(pk->path),
				  "format", pk->format, "encrypted",
				  pk->encrypted < 0 ? json_null() : json_boolean(pk->encrypted),
				  "others_read", pk->others_read, "mode", pk->mode));
	}
	for (size_t i = 0; i < res->n_notes; i++)
		report_json_line(json_pack("{s:o, s:s, s:o, s:o, s:s}", "target",
					   report_json_text(spec), "record", "note", "account",
					   report_json_text(res->notes[i].account), "text",
					   report_json_text(res->notes[i].text), "level",
					   res->notes[i].info                     ? "info"
					   : res->notes[i].severity == SCAN_ERROR ? "error"
										  : "warning"));
}

/* One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; a field a
 * spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe. */
static void csv_field(const char *text, bool last)
{
	const char *t = text ? text : "";
	bool formula = strchr("=+-@\t\r", t[0]) && t[0];
	bool quote = formula || strpbrk(t, ",\"\r\n");
	if (quote)
		putchar('"');
	if (formula)
		putchar('\'');
	for (; *t; t++) {
		if (*t == '"')
			putchar('"');
		putchar(*t);
	}
	if (quote)
		putchar('"');
	putchar(last ? '\n' : ',');
}

static void report_csv(const char *spec, const struct scan_result *res)
{
	for (size_t i = 0; i < res->n_keys; i++) {
		const struct scan_key *k = &res->keys[i];
		char line[24], bits[16], uses[24], when[32] = "", findings[512];
		snprintf(line, sizeof(line), "%lu", k->line);
		snprintf(bits, sizeof(bits), "%u", k->key->bits);
		snprintf(uses, sizeof(uses), "%lu", k->uses);
		if (k->last_used)
			time_text_iso(k->last_used, when);
		findings_text(k->findings, true, " ", findings, sizeof(findings));
		csv_field(spec, false);
		csv_field(k->account, false);
		csv_field(k->file, false);
		csv_field(line, false);
		csv_field(k->key->type->name, false);
		csv_field(bits, false);
		csv_field(k->fingerprint, false);
		csv_field(k->comment, false);
		csv_field(k->options, false);
		csv_field(findings, false);
		csv_field(when, false);
		csv_field(uses, true);
	}
}

static void report(const struct target *t, const void *result, void *data)
{
	struct scan_run *run = data;
	const struct scan_result *res = result;
	if (run->opt->fleet.json)
		report_json(t->spec, res);
	else if (run->opt->csv && res->outcome != SCAN_FAILED && res->outcome != SCAN_UNREACHABLE)
		report_csv(t->spec, res);
	else if (run->opt->csv)
		fprintf(stderr, "%s: %s\n", t->spec, res->diag.text);
	else
		report_text(t->spec, res, run->opt->diff);
	fflush(stdout);
}

struct drift_print {
	const char *spec;
	bool json;
	size_t changes;
};

static int print_change(const struct scan_change *c, void *data)
{
	struct drift_print *p = data;
	static const char *const kinds[] = {"added", "removed", "changed"};
	static const char marks[] = "+-~";
	p->changes++;
	if (p->json) {
		json_t *o = json_pack("{s:o, s:s, s:s, s:o, s:s, s:s, s:o, s:o}", "target",
				      report_json_text(p->spec), "record", "change", "change",
				      kinds[c->kind], "account", report_json_text(c->account),
				      "fingerprint", c->fingerprint, "type", c->type, "comment",
				      c->comment ? report_json_text(c->comment) : json_null(),
				      "place", report_json_text(c->place));
		if (o && c->kind == SCAN_KEY_CHANGED) {
			json_object_set_new(o, "before", report_json_text(c->before));
			json_object_set_new(o, "after", report_json_text(c->after));
		}
		report_json_line(o);
		return 0;
	}
	printf("%s: %c %s %s %s%s%s (%s)\n", p->spec, marks[c->kind], c->account, c->fingerprint,
	       c->type, c->comment ? " " : "", c->comment ? c->comment : "", c->place);
	if (c->kind == SCAN_KEY_CHANGED)
		printf("    was: %s\n    now: %s\n", c->before, c->after);
	return 0;
}

/* --db: the scan recorded; --diff: each host compared with its previous scan */
static int record_and_diff(struct scan_options *o, struct scan_store *store,
			   const char *const *targets, const bool *counted,
			   const struct scan_result *results, long long started)
{
	size_t n = o->fleet.targets.n;
	struct diag d = {{0}};
	long long scan_id = 0;
	int status = EXIT_OK;
	if (scan_store_record(store, targets, results, counted, n, started, &scan_id, &d) < 0) {
		cli_error("%s: %s", o->db_path, d.text);
		status = EXIT_FAIL;
		goto out;
	}
	for (size_t i = 0; o->diff && i < n; i++) {
		const struct scan_result *res = &results[i];
		struct scan_store_keys before = {0};
		struct drift_print p = {.spec = targets[i], .json = o->fleet.json};
		if (!counted[i] || res->outcome == SCAN_FAILED || res->outcome == SCAN_UNREACHABLE)
			continue;
		if (scan_store_previous(store, targets[i], scan_id, &before, &d) < 0) {
			cli_error("%s: %s", o->db_path, d.text);
			status = EXIT_FAIL;
			goto out;
		}
		if (!before.scan_id) {
			if (o->fleet.json)
				report_json_line(json_pack("{s:o, s:s, s:b}", "target",
							   report_json_text(targets[i]), "record",
							   "drift", "first_scan", 1));
			else
				printf("%s: first scan recorded (nothing to compare)\n",
				       targets[i]);
			continue;
		}
		int r = scan_drift(&before, res, print_change, &p);
		if (o->fleet.json)
			report_json_line(json_pack("{s:o, s:s, s:s, s:I}", "target",
						   report_json_text(targets[i]), "record", "drift",
						   "since", before.when, "changes",
						   (json_int_t)p.changes));
		else if (p.changes == 0)
			printf("%s: no change since %s\n", targets[i], before.when);
		else
			printf("%s: %zu change%s since %s\n", targets[i], p.changes,
			       p.changes == 1 ? "" : "s", before.when);
		scan_store_keys_clear(&before);
		if (r < 0) {
			status = EXIT_FAIL;
			goto out;
		}
	}
out:
	fflush(stdout);
	return status;
}

/* --db, --diff and --html, after every host: the targets' names, and which ran */
static int outputs_after_run(struct scan_options *o, struct scan_store *store,
			     const struct scan_result *results, long long started)
{
	size_t n = o->fleet.targets.n;
	const char **targets = calloc(n ? n : 1, sizeof(*targets));
	bool *counted = calloc(n ? n : 1, sizeof(*counted));
	int status = targets && counted ? EXIT_OK : EXIT_FAIL;
	for (size_t i = 0; status == EXIT_OK && i < n; i++) {
		targets[i] = o->fleet.targets.items[i].spec;
		counted[i] = !o->fleet.not_started || !o->fleet.not_started[i];
	}
	if (status == EXIT_OK && store)
		status = record_and_diff(o, store, targets, counted, results, started);
	if (status == EXIT_OK && o->html_path) {
		int r = scan_html_write(o->html_path, targets, results, counted, n, started);
		if (r < 0) {
			cli_error("%s: %s", o->html_path, error_to_string(r));
			status = EXIT_FAIL;
		} else if (!o->fleet.json && !o->csv) {
			printf("report written to %s\n", o->html_path);
		}
	}
	free(targets);
	free(counted);
	return status;
}

/* every host done: the findings across hosts, then the CSV header */
static void all_done(void *results, size_t n, void *data)
{
	struct scan_run *run = data;
	struct scan_result *res = results;
	for (size_t i = 0; run->opt->expect && i < n; i++) {
		const struct target *t = &run->opt->fleet.targets.items[i];
		if (res[i].outcome != SCAN_CLEAN && res[i].outcome != SCAN_FINDINGS)
			continue;
		if (scan_apply_expect(&res[i], t->spec, t->host, run->opt->expect) < 0) {
			res[i].outcome = SCAN_FAILED;
			res[i].error = -ENOMEM;
		}
	}
	scan_cross_findings(results, n);
	if (run->opt->csv)
		printf("host,account,file,line,type,bits,fingerprint,comment,options,findings,"
		       "last_used,uses\n");
}

static int run_scan(int argc, char **argv)
{
	struct scan_options o = {0};
	struct scan_store *store = NULL;
	int status;

	fleet_options_init(&o.fleet);
	if ((status = parse_options(argc, argv, &o)) != EXIT_OK ||
	    (status = target_keys_load(&o.fleet, NULL, &keys_table)) != EXIT_OK)
		goto out;
	struct scan_request req = {.connect = &o.fleet.connect,
				   .password = &o.fleet.password_source,
				   .all_accounts = o.all_accounts,
				   .logs = !o.no_logs,
				   .run_keys_command = o.run_keys_command};
	struct scan_run run = {.opt = &o};
	struct fleet_job job = FLEET_JOB(struct scan_result, report, &req, &run);
	job.keys = &keys_table;
	job.password_login = true;
	job.sudo_password = o.all_accounts;
	job.all_done = all_done;
	void *results = NULL;
	struct diag d = {{0}};
	long long started = (long long)time(NULL);
	if (o.db_path && scan_store_open(o.db_path, &store, &d) < 0) {
		cli_error("%s", d.text);
		status = EXIT_FAIL;
		goto out;
	}
	if (fleet_run(&o.fleet, &job, &results) < 0) {
		fleet_results_free(&o.fleet, &job, results);
		status = EXIT_FAIL;
		goto out;
	}
	int recorded = outputs_after_run(&o, store, results, started);
	if (o.csv)
		terminal_safe_mute_stdout(true);
	status = fleet_summarize(&o.fleet, &job, results, NULL);
	if (recorded != EXIT_OK)
		status = recorded;
	fleet_results_free(&o.fleet, &job, results);
out:
	scan_store_close(store);
	expect_keys_free(o.expect);
	target_keys_free(&keys_table);
	fleet_options_free(&o.fleet);
	free(o.default_db);
	return status;
}

const struct command command_scan = {
	.name = "scan",
	.summary = "List every key that can log in, where, last used when, and what is wrong "
		   "(read-only).",
	.usage = "sshkeyctl scan [--all-accounts] [--no-logs] [--json | --csv] [--db FILE] "
		 "[--diff]\n"
		 "                      [--html FILE] [--expect FILE] [--run-keys-command] [-i "
		 "KEY]...\n"
		 "                      [copy's connection and fleet options] TARGET...",
	.help = "  --all-accounts          every account, through sudo when the login account "
		"is\n"
		"                          not root (as root this is the default)\n"
		"  --no-logs               do not read sshd's log for last-used dates\n"
		"  --run-keys-command      run each account's AuthorizedKeysCommand as sshd would\n"
		"                          (as its user; %u %U %h; not one that needs the "
		"offered key)\n"
		"  --json                  one object per host, key, private key and note, then a\n"
		"                          summary (JSON Lines)\n"
		"  --csv                   one row per key and place, with a header\n"
		"  --db FILE               record the scan in FILE (SQLite; created 0600; schema "
		"in\n"
		"                          sshkeyctl(1), INVENTORY DATABASE)\n"
		"  --diff                  record it and show, per host, the keys added, removed "
		"or\n"
		"                          changed since the host's previous scan (default "
		"database\n"
		"                          $XDG_STATE_HOME/sshkeyctl/inventory.db)\n"
		"  --expect FILE           the keys each account should have (sshkeyctl(1), "
		"EXPECTED\n"
		"                          KEYS): others are unexpected, absent ones missing\n"
		"  --html FILE             also write one self-contained page (0600): the access\n"
		"                          matrix, findings, search and filters, each key's "
		"detail\n"
		"\nAs root (or with --all-accounts): every account sshd could let in (a usable "
		"shell,\n"
		"root, or a ~/.ssh of its own), each account's AuthorizedKeysFile as sshd -T "
		"gives it,\n"
		"AuthorizedKeysCommand, TrustedUserCAKeys and AuthorizedPrincipalsFile named, and "
		"the\n"
		"private keys lying in ~/.ssh. Each account's files are read as that account. "
		"As\n"
		"another account: its own files (sshd's default AuthorizedKeysFile). Nothing on "
		"the\n"
		"server changes.\n"
		"Findings: DSA; RSA under 2048 bits (error) or 3072 (warning); expiry-time "
		"passed; a\n"
		"key twice in a file; one key in several accounts or hosts; root keys without "
		"from=;\n"
		"keys of locked or expired accounts; private keys not encrypted, or readable by\n"
		"others (error); lines sshd cannot read, FIFOs, unreadable files.\n"
		"Last used: sshd's \"Accepted publickey\" lines (the journal's of root's sshd, "
		"else\n"
		"auth.log or secure and their rotations, which any local user can forge with "
		"logger),\n"
		"matched by account and SHA256 fingerprint.\n"
		"Exit status 0 nothing found, 5 findings, 3 some hosts failed, 1 all failed.\n"
		"Status per host (JSON \"status\"): ok, findings, failed, unreachable.\n",
	.run = run_scan,
};
