/* sshkeyctl perms: the permissions sshd and ssh care about, checked as they check them, and
 * fixed with the smallest change on request. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "base/user_info.h"
#include "cli/commands.h"
#include "cli/fleet_options.h"
#include "cli/fleet_run.h"
#include "cli/local_keys.h"
#include "cli/report.h"
#include "ops/perms.h"
#include "ops/perms_local.h"

struct perms_options {
	struct fleet_options fleet;
	const char *for_user;
	bool fix;
	bool sftp;
};

enum { OPT_FIX = 256, OPT_FOR_USER, OPT_SFTP };

static int handle_option(int c, char *arg, void *data)
{
	struct perms_options *o = data;
	switch (c) {
	case OPT_FIX:
		o->fix = true;
		return EXIT_OK;
	case OPT_FOR_USER:
		return fleet_for_user(&command_perms, arg, &o->for_user);
	case OPT_SFTP:
		o->sftp = true;
		return EXIT_OK;
	default:
		return FLEET_OPTION_UNKNOWN;
	}
}

static int parse_options(int argc, char **argv, struct perms_options *o)
{
	static const struct option longopts[] = {
		{"fix", no_argument, NULL, OPT_FIX},
		{"for-user", required_argument, NULL, OPT_FOR_USER},
		{"sftp", no_argument, NULL, OPT_SFTP},
		{NULL, 0, NULL, 0},
	};
	const struct command *cmd = &command_perms;
	const struct fleet_extra_options extra = {"", longopts, handle_option, o};
	int status = fleet_options_parse(&o->fleet, cmd, argc, argv, &extra);
	if (status != EXIT_OK)
		return status;
	if (optind >= argc && !o->fleet.targets.n)
		return EXIT_OK; /* the local machine */
	return fleet_options_finish(&o->fleet, cmd, argc, argv);
}

struct perms_run {
	struct perms_options *opt;
};

/* each target's keys: -i, or the identity ssh offers it */
static struct target_keys keys_table;
FLEET_WORK_KEYS(perms_host, struct perms_request, &keys_table)
FLEET_RESULT_CALLBACKS(perms_result_init, perms_result_clear)

static const char *const outcome_text[] = {
	[PERMS_OK] = "OK",
	[PERMS_FOUND] = "problems found",
	[PERMS_WOULD_FIX] = "would fix",
	[PERMS_FIXED] = "fixed and verified",
	[PERMS_FIXED_UNVERIFIED] = "fixed, not verified",
	[PERMS_FAILED] = "failed",
	[PERMS_NO_FILE] = "no file",
};

/* the outcomes, and the summary's counts */
FLEET_RESULT_ACCESSORS(struct perms_result)
static const struct fleet_outcome perms_outcomes[] = {
	[PERMS_OK] = {"ok", FLEET_LEVEL_OK, 0},
	[PERMS_FOUND] = {"found", FLEET_LEVEL_WARN, 1},
	[PERMS_WOULD_FIX] = {"would-fix", FLEET_LEVEL_WARN, 1},
	[PERMS_FIXED] = {"fixed", FLEET_LEVEL_OK, 2},
	[PERMS_FIXED_UNVERIFIED] = {"fixed-unverified", FLEET_LEVEL_WARN, 2},
	[PERMS_FAILED] = {"failed", FLEET_LEVEL_FAIL, 3},
	[PERMS_NO_FILE] = {"no-file", FLEET_LEVEL_WARN, 1},
};
static const struct fleet_group summary_groups[] = {
	{"OK", "ok", false},
	{"with problems", "problems", false},
	{"fixed", "fixed", false},
	{"failed", "failed", false},
};
static const struct fleet_outcomes outcomes = {perms_outcomes, summary_groups, 4, outcome_of, true};

static void report(const char *spec, const struct perms_result *res, bool json)
{
	if (json) {
		json_t *o = json_pack("{s:o, s:s, s:o, s:o}", "target", report_json_text(spec),
				      "status", perms_outcomes[res->outcome].json, "findings",
				      report_lines_json(&res->findings), "changes",
				      report_lines_json(&res->changes));
		if (o && res->path)
			json_object_set_new(o, "path", report_json_text(res->path));
		if (o && res->diag.text[0])
			json_object_set_new(o, "reason", report_json_text(res->diag.text));
		report_json_line(o);
		return;
	}
	printf("%s: %s", spec, outcome_text[res->outcome]);
	if (res->path)
		printf(" (%s)", res->path);
	if (res->diag.text[0])
		printf(": %s", res->diag.text);
	printf("\n");
	report_print_lines(&res->findings, "  ");
	report_print_lines(&res->changes, "  ");
	fflush(stdout);
}

static void report_one(const struct target *t, const void *result, void *data)
{
	struct perms_run *run = data;
	const struct perms_result *res = result;
	report(t->spec, res, run->opt->fleet.json);
}

static int run_local(struct perms_options *o)
{
	struct perms_result res;
	perms_result_init(&res);
	perms_local(o->for_user, o->fix, o->fleet.dry_run, &res);
	report("local", &res, o->fleet.json);
	enum fleet_level level = perms_outcomes[res.outcome].level;
	perms_result_clear(&res);
	return level == FLEET_LEVEL_FAIL   ? EXIT_FAIL
	       : level == FLEET_LEVEL_WARN ? EXIT_WARN
					   : EXIT_OK;
}

static int run_perms(int argc, char **argv)
{
	struct perms_options o = {0};
	int status;

	fleet_options_init(&o.fleet);
	if ((status = parse_options(argc, argv, &o)) != EXIT_OK)
		goto out;
	if (o.fleet.targets.n == 0) {
		status = run_local(&o);
		goto out;
	}
	if ((status = target_keys_load(&o.fleet, NULL, &keys_table)) != EXIT_OK)
		goto out;
	struct perms_request req = {.connect = &o.fleet.connect,
				    .for_user = o.for_user,
				    .fix = o.fix,
				    .dry_run = o.fleet.dry_run,
				    .sftp = o.sftp,
				    .password = &o.fleet.password_source};
	struct perms_run run = {.opt = &o};
	struct fleet_job job = FLEET_JOB(struct perms_result, report_one, &req, &run);
	job.keys = &keys_table;
	job.password_login = true;
	void *results = NULL;
	if (fleet_run(&o.fleet, &job, &results) < 0) {
		fleet_results_free(&o.fleet, &job, results);
		status = EXIT_FAIL;
		goto out;
	}
	status = fleet_summarize(&o.fleet, &job, results, NULL);
	fleet_results_free(&o.fleet, &job, results);
out:
	target_keys_free(&keys_table);
	fleet_options_free(&o.fleet);
	return status;
}

const struct command command_perms = {
	.name = "perms",
	.summary = "Check (and fix) the permissions sshd and ssh insist on.",
	.usage = "sshkeyctl perms [--fix] [--dry-run] [--for-user NAME] [-i KEY]... [--sftp]\n"
		 "                       [copy's connection and fleet options] [TARGET...]",
	.help = "  --fix                   apply the smallest change sshd needs (chmod of the "
		"offending\n"
		"                          write bits; chown as root), then prove a key login\n"
		"  --dry-run               show the changes, make none\n"
		"  --for-user NAME         as root, NAME's authorized_keys\n"
		"  -i KEY                  the key that logs in and proves the fix (default "
		"~/.ssh/id_*)\n"
		"  --sftp                  over SFTP (automatic for accounts without a shell)\n"
		"\nWithout TARGET, this machine: ~/.ssh, ~/.ssh/config and private keys as ssh "
		"checks\n"
		"them, and the path to ~/.ssh/authorized_keys as sshd does. With targets, the "
		"account's\n"
		"authorized_keys on each host: the file (links resolved as sshd resolves them), "
		".ssh,\n"
		"the home directory and every parent up to /: owned by the account or root, not\n"
		"writable by group or others (Debian's user-private-group exception where the "
		"server's\n"
		"sshd is Debian's). Exit status 0 all well (or fixed and proven), 5 problems left, "
		"3\n"
		"some hosts failed, 1 all failed.\n"
		"Status per host (JSON \"status\"): ok, fixed (OK); found, would-fix, no-file,\n"
		"fixed-unverified (warnings); failed.\n",
	.run = run_perms,
};
