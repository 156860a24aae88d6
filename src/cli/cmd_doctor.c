/* sshkeyctl doctor: why is my key refused, and how do I fix it. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "cli/commands.h"
#include "cli/fleet_options.h"
#include "cli/fleet_run.h"
#include "cli/local_keys.h"
#include "cli/report.h"
#include "ops/doctor.h"

struct doctor_options {
	struct fleet_options fleet;
	bool fix;
	const char *for_user;
};

enum { OPT_FIX = 256, OPT_FOR_USER };

static int handle_option(int c, char *arg, void *data)
{
	struct doctor_options *o = data;
	switch (c) {
	case OPT_FIX:
		o->fix = true;
		return EXIT_OK;
	case OPT_FOR_USER:
		return fleet_for_user(&command_doctor, arg, &o->for_user);
	default:
		return FLEET_OPTION_UNKNOWN;
	}
}

static int parse_options(int argc, char **argv, struct doctor_options *o)
{
	static const struct option longopts[] = {
		{"fix", no_argument, NULL, OPT_FIX},
		{"for-user", required_argument, NULL, OPT_FOR_USER},
		{NULL, 0, NULL, 0},
	};
	const struct command *cmd = &command_doctor;
	const struct fleet_extra_options extra = {"", longopts, handle_option, o};
	int status = fleet_options_parse(&o->fleet, cmd, argc, argv, &extra);
	if (status != EXIT_OK)
		return status;
	if (o->fleet.n_key_files > 1)
		return cli_usage_error(cmd, "one key at a time: -i KEY once");
	return fleet_options_finish(&o->fleet, cmd, argc, argv);
}

static const char *const status_text[] = {
	[DOCTOR_PASS] = "PASS",
	[DOCTOR_WARN] = "WARN",
	[DOCTOR_FAIL] = "FAIL",
	[DOCTOR_SKIP] = "SKIP",
};

struct doctor_run {
	bool json;
};

/* The private half's file, for the checks ssh makes on it: the named file when it is
 * not a .pub, else the file beside it. */
static char *private_path_of(const struct local_key *k)
{
	if (!k->path)
		return NULL;
	size_t n = strlen(k->path);
	if (n > 4 && strcmp(k->path + n - 4, ".pub") == 0) {
		char *p = strndup(k->path, n - 4);
		if (p && access(p, F_OK) < 0) {
			free(p);
			p = NULL;
		}
		return p;
	}
	return strdup(k->path);
}

/* each target's key: -i, or the identity ssh offers it */
static struct target_keys keys_table;

static void work(size_t index, const struct target *t, const void *request, void *result)
{
	struct doctor_request per_target = *(const struct doctor_request *)request;
	struct local_key *keys;
	size_t n;
	target_keys_of(&keys_table, index, &keys, &n);
	per_target.key = &keys[0];
	char *private_path = private_path_of(&keys[0]);
	per_target.private_path = private_path;
	doctor_host(t, &per_target, result);
	free(private_path);
}
FLEET_RESULT_CALLBACKS(doctor_result_init, doctor_result_clear)

/* the outcome: the worst of the host's checks */
static unsigned worst_check(const void *result)
{
	const struct doctor_result *res = result;
	unsigned worst = 0;
	for (size_t i = 0; i < res->n_checks; i++)
		if (res->checks[i].status == DOCTOR_FAIL)
			worst = 2;
		else if (res->checks[i].status == DOCTOR_WARN && worst < 1)
			worst = 1;
	return worst;
}
static const struct fleet_outcome doctor_outcomes[] = {
	{"pass", FLEET_LEVEL_OK, 0},
	{"warn", FLEET_LEVEL_WARN, 1},
	{"fail", FLEET_LEVEL_FAIL, 2},
};
static const struct fleet_group summary_groups[] = {
	{"OK", "ok", false},
	{"with warnings", "warnings", false},
	{"failed", "failed", false},
};
/* each host's report is its checks: no text summary line */
static const struct fleet_outcomes outcomes = {doctor_outcomes, summary_groups, 3, worst_check,
					       false};

/* doctor's findings are its checks; no single error code */
static int error_of(const void *result)
{
	(void)result;
	return 0;
}

static void report_one(const struct target *t, const void *result, void *data)
{
	struct doctor_run *run = data;
	const struct doctor_result *res = result;
	if (run->json) {
		json_t *checks = json_array();
		for (size_t i = 0; checks && i < res->n_checks; i++) {
			const struct doctor_check *c = &res->checks[i];
			json_t *o = json_pack("{s:s, s:s, s:o}", "check", c->name, "status",
					      status_text[c->status], "evidence",
					      report_json_text(c->evidence));
			if (o && c->fix[0])
				json_object_set_new(o, "fix", report_json_text(c->fix));
			json_array_append_new(checks, o);
		}
		json_t *o = json_pack("{s:o, s:o, s:b, s:o}", "target", report_json_text(t->spec),
				      "cause", report_json_text(res->cause), "key_login",
				      res->key_login, "checks", checks);
		if (o)
			json_object_set_new(o, "second_factor", json_boolean(res->second_factor));
		if (o && res->fix_outcome[0]) {
			json_object_set_new(o, "fixes", report_lines_json(&res->fixes));
			json_object_set_new(o, "fix_outcome", report_json_text(res->fix_outcome));
		}
		report_json_line(o);
		return;
	}
	printf("%s: %s\n", t->spec, res->cause);
	for (size_t i = 0; i < res->n_checks; i++) {
		const struct doctor_check *c = &res->checks[i];
		printf("  %s %s: %s\n", status_text[c->status], c->name, c->evidence);
		if (c->fix[0])
			printf("       fix: %s\n", c->fix);
	}
	if (res->fix_outcome[0]) {
		printf("  --fix: %s\n", res->fix_outcome);
		report_print_lines(&res->fixes, "    ");
	}
	fflush(stdout);
}

static int run_doctor(int argc, char **argv)
{
	struct doctor_options o = {0};
	int status;

	fleet_options_init(&o.fleet);
	if ((status = parse_options(argc, argv, &o)) != EXIT_OK)
		goto out;
	if ((status = target_keys_load(&o.fleet, NULL, &keys_table)) != EXIT_OK)
		goto out;
	for (size_t i = 0; i < o.fleet.targets.n; i++) {
		struct local_key *keys;
		size_t n;
		target_keys_of(&keys_table, i, &keys, &n);
		if (n == 0) {
			cli_error(
				"no key to diagnose for %s: name one with -i KEY (none in "
				"~/.ssh: create one with 'sshkeyctl keygen' or 'sshkeyctl setup')",
				o.fleet.targets.items[i].spec);
			status = EXIT_FAIL;
			goto out;
		}
	}
	struct doctor_request req = {
		.connect = &o.fleet.connect,
		.for_user = o.for_user,
		.fix = o.fix,
		.dry_run = o.fleet.dry_run,
		/* a password for login when one is given; with --for-user
		 * also sudo's, asked at the terminal when needed */
		.password = (o.fleet.password_file || o.fleet.password_stdin || o.for_user)
				    ? &o.fleet.password_source
				    : NULL};
	struct doctor_run run = {.json = o.fleet.json};
	struct fleet_job job = FLEET_JOB(struct doctor_result, report_one, &req, &run);
	job.keys = &keys_table;
	job.password_login = req.password != NULL;
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

const struct command command_doctor = {
	.name = "doctor",
	.summary = "Why is my key refused, and how do I fix it.",
	.usage = "sshkeyctl doctor [-i KEY] [--for-user NAME] [--fix] [--dry-run]\n"
		 "                        [copy's connection and fleet options] TARGET...",
	.help = "  -i KEY                  the key to diagnose (default ~/.ssh/id_*)\n"
		"  --password-file FILE    log in with the password to look on the server too\n"
		"  --for-user NAME         diagnose NAME's key login, looking in as the target's "
		"user\n"
		"                          (root: the accounts sshd refuses outright can be "
		"seen too)\n"
		"\nThe checklist, from both ends, in order: the client (the private key's mode, "
		"ssh's\n"
		"configuration for the host as ssh -G shows it, ssh-agent), the network (the "
		"name, TCP,\n"
		"the SSH banner, the host key), the server (the methods it offers, whether it "
		"takes the\n"
		"key, a real login). Each check PASS, WARN, FAIL or SKIP, with what was seen and "
		"the fix.\n"
		"The first line for each host names the most likely cause. Exit status 0 key "
		"login\n"
		"works, 5 warnings only, 3 some hosts with a failure, 1 all of them.\n"
		"Status per host (JSON \"status\"): pass, warn, fail (the worst check).\n",
	.run = run_doctor,
};
