/* sshkeyctl harden: password login off, proven from new connections, rolled back on any
 * failure. */
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
#include "cli/harden_main.h"
#include "cli/local_keys.h"
#include "cli/report.h"

struct harden_options {
	struct fleet_options fleet;
	char **users;
	size_t n_users;
	enum harden_root_login root_login;
	bool fix_match;
	bool undo;
	unsigned confirm_timeout;
};

enum {
	OPT_USERS = 256,
	OPT_ROOT_LOGIN,
	OPT_FIX_MATCH,
	OPT_UNDO,
};

static int handle_option(int c, char *arg, void *data)
{
	struct harden_options *o = data;
	const struct command *cmd = &command_harden;
	switch (c) {
	case OPT_USERS:
		return fleet_add_users(cmd, &o->users, &o->n_users, arg);
	case OPT_ROOT_LOGIN:
		if (strcmp(arg, "no") == 0)
			o->root_login = HARDEN_ROOT_NO;
		else if (strcmp(arg, "prohibit-password") == 0)
			o->root_login = HARDEN_ROOT_PROHIBIT_PASSWORD;
		else if (strcmp(arg, "keep") == 0)
			o->root_login = HARDEN_ROOT_KEEP;
		else
			return cli_usage_error(
				cmd, "--root-login: no, prohibit-password or keep, not '%s'", arg);
		return EXIT_OK;
	case OPT_FIX_MATCH:
		o->fix_match = true;
		return EXIT_OK;
	case OPT_UNDO:
		o->undo = true;
		return EXIT_OK;
	default:
		return harden_transaction_option(cmd, c, arg, &o->fleet, &o->confirm_timeout);
	}
}

int harden_transaction_option(const struct command *cmd, int c, char *arg,
			      struct fleet_options *fleet, unsigned *confirm_timeout)
{
	switch (c) {
	case HARDEN_OPT_CONFIRM_TIMEOUT: {
		char *end;
		unsigned long v = strtoul(arg, &end, 10);
		if (*arg < '0' || *arg > '9' || *end || v < 10 || v > 86400)
			return cli_usage_error(
				cmd, "--confirm-timeout: seconds from 10 to 86400, not '%s'", arg);
		*confirm_timeout = (unsigned)v;
		return EXIT_OK;
	}
	case HARDEN_OPT_SUDO_PASSWORD_FILE:
		/* sudo asks for the login password: the same source serves both */
		fleet->password_file = arg;
		return EXIT_OK;
	default:
		return FLEET_OPTION_UNKNOWN;
	}
}

static int parse_options(int argc, char **argv, struct harden_options *o)
{
	static const struct option longopts[] = {
		{"users", required_argument, NULL, OPT_USERS},
		{"root-login", required_argument, NULL, OPT_ROOT_LOGIN},
		{"fix-match", no_argument, NULL, OPT_FIX_MATCH},
		{"undo", no_argument, NULL, OPT_UNDO},
		HARDEN_TRANSACTION_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	const struct command *cmd = &command_harden;
	const struct fleet_extra_options extra = {"", longopts, handle_option, o};
	int status = fleet_options_parse(&o->fleet, cmd, argc, argv, &extra);
	if (status != EXIT_OK)
		return status;
	if (o->undo && o->fix_match)
		return cli_usage_error(cmd, "--undo restores a backup; --fix-match does not apply");
	return fleet_options_finish(&o->fleet, cmd, argc, argv);
}

static const char *const outcome_text[] = {
	[HARDEN_DONE] = "password login off, proven", [HARDEN_ALREADY] = "already hardened, proven",
	[HARDEN_WARN] = "hardened with warnings",     [HARDEN_WOULD] = "would change",
	[HARDEN_UNDONE] = "undone, proven",           [HARDEN_REFUSED] = "refused",
	[HARDEN_ROLLED_BACK] = "rolled back",         [HARDEN_FAILED] = "failed",
};

/* the outcomes, and the summary's counts */
FLEET_RESULT_ACCESSORS(struct harden_result)
static const struct fleet_outcome harden_outcomes[] = {
	[HARDEN_DONE] = {"done", FLEET_LEVEL_OK, 0},
	[HARDEN_ALREADY] = {"already", FLEET_LEVEL_OK, 0},
	[HARDEN_UNDONE] = {"undone", FLEET_LEVEL_OK, 0},
	[HARDEN_WOULD] = {"would-change", FLEET_LEVEL_OK, 1},
	[HARDEN_WARN] = {"warn", FLEET_LEVEL_WARN, 2},
	[HARDEN_REFUSED] = {"refused", FLEET_LEVEL_FAIL, 3},
	[HARDEN_ROLLED_BACK] = {"rolled-back", FLEET_LEVEL_FAIL, 4},
	[HARDEN_FAILED] = {"failed", FLEET_LEVEL_FAIL, 5},
};
static const struct fleet_group summary_groups[] = {
	{"OK", "ok", false},
	{"would change", "would_change", true},
	{"with warnings", "warnings", false},
	{"refused", "refused", false},
	{"rolled back", "rolled_back", false},
	{"failed", "failed", false},
};
static const struct fleet_outcomes outcomes = {harden_outcomes, summary_groups, 6, outcome_of,
					       true};

json_t *harden_report_json(const char *spec, const struct harden_result *res)
{
	json_t *o = json_pack("{s:o, s:s, s:o, s:o, s:o}", "target", report_json_text(spec),
			      "status", harden_outcomes[res->outcome].json, "changes",
			      report_lines_json(&res->plan), "warnings",
			      report_lines_json(&res->warnings), "proof",
			      report_lines_json(&res->proof));
	if (o && res->diag.text[0])
		json_object_set_new(o, "reason", report_json_text(res->diag.text));
	if (o && res->backup_dir[0])
		json_object_set_new(o, "backup", report_json_text(res->backup_dir));
	if (o && res->reload_how[0])
		json_object_set_new(o, "reload", report_json_text(res->reload_how));
	if (o && res->deadman_restores_at) {
		char when[32];
		struct tm tm;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ",
			 gmtime_r(&res->deadman_restores_at, &tm));
		json_object_set_new(o, "deadman_restores_at", json_string(when));
	}
	if (o && res->diff.len)
		json_object_set_new(o, "diff",
				    report_json_textn((const char *)res->diff.data, res->diff.len));
	return o;
}

void harden_report_text(const char *spec, const char *headline, const struct harden_result *res,
			struct report_shared *shared)
{
	printf("%s: %s", spec, headline);
	if (res->diag.text[0])
		printf(": %s", res->diag.text);
	printf("\n");
	report_lines_shared(shared, spec, "changes", &res->plan, "  ", false);
	if (res->reload_how[0])
		printf("  reloaded: %s\n", res->reload_how);
	if (res->backup_dir[0] && res->outcome != HARDEN_ROLLED_BACK)
		printf("  backup: %s\n", res->backup_dir);
	report_print_lines(&res->proof, "  proven: ");
	report_lines_shared(shared, spec, "warnings", &res->warnings, "  warning: ", false);
	report_lines_shared(shared, spec, "diff", &res->diff, "", true);
}

void harden_report(const char *spec, const struct harden_result *res, bool json,
		   struct report_shared *shared)
{
	if (json)
		report_json_line(harden_report_json(spec, res));
	else
		harden_report_text(spec, outcome_text[res->outcome], res, shared);
	fflush(stdout);
}

struct harden_fleet_request {
	const struct harden_request *req;
	const struct target *first;
	const bool *only;
	const struct target_keys *keys; /* each target's; NULL: req's for all */
	harden_report_fn report;
};

struct harden_run {
	const struct harden_fleet_request *fleet;
	bool json;
	struct report_shared shared; /* plans, warnings and diffs many hosts share */
};

static bool selected(const struct harden_fleet_request *f, const struct target *t)
{
	return !f->only || f->only[t - f->first];
}

static void work(size_t index, const struct target *t, const void *request, void *result)
{
	const struct harden_fleet_request *f = request;
	struct harden_request per_target = *f->req;
	if (f->keys)
		target_keys_of(f->keys, index, &per_target.keys, &per_target.n_keys);
	if (selected(f, t))
		harden_host(t, &per_target, result);
}

FLEET_RESULT_CALLBACKS(harden_result_init, harden_result_clear)

static void report_one(const struct target *t, const void *result, void *data)
{
	struct harden_run *run = data;
	const struct harden_result *res = result;
	if (!selected(run->fleet, t))
		return;
	run->fleet->report(t->spec, res, run->json, &run->shared);
}

/* The hosts whose unproven change their dead-man will restore, and when: after an
 * interrupt or a lost connection, what the servers still do by themselves. */
static void report_deadmen(const struct fleet_options *o, const void *results)
{
	const struct harden_result *res = results;
	size_t n = 0;
	for (size_t i = 0; i < o->targets.n; i++)
		n += res[i].deadman_restores_at != 0;
	if (!n || o->json)
		return;
	printf("the dead-man on %zu host%s will restore the backup by itself:\n", n,
	       n == 1 ? "" : "s");
	for (size_t i = 0; i < o->targets.n; i++) {
		if (!res[i].deadman_restores_at)
			continue;
		char when[64];
		struct tm tm;
		time_t at = res[i].deadman_restores_at;
		strftime(when, sizeof(when), "%H:%M:%S %Z", localtime_r(&at, &tm));
		long in = (long)(at - time(NULL));
		printf("  %s: by %s (%s%ld s)\n", o->targets.items[i].spec, when,
		       in > 0 ? "in " : "", in > 0 ? in : 0L);
	}
}

int harden_fleet(struct fleet_options *o, const struct harden_request *req, const bool *only,
		 const struct target_keys *keys)
{
	return harden_fleet_reported(o, req, only, keys, harden_report);
}

int harden_fleet_reported(struct fleet_options *o, const struct harden_request *req,
			  const bool *only, const struct target_keys *keys, harden_report_fn report)
{
	struct harden_fleet_request f = {req, o->targets.items, only, keys, report};
	struct harden_run run = {.fleet = &f, .json = o->json};
	report_shared_init(&run.shared, !o->json && o->targets.n > 1);
	struct fleet_job job = FLEET_JOB(struct harden_result, report_one, &f, &run);
	job.keys = keys;
	job.sudo_password = true;
	void *results = NULL;
	if (fleet_run(o, &job, &results) < 0) {
		fleet_results_free(o, &job, results);
		report_shared_free(&run.shared);
		return EXIT_FAIL;
	}
	report_shared_summary(&run.shared);
	report_shared_free(&run.shared);
	report_deadmen(o, results);
	int status = fleet_summarize(o, &job, results, only);
	size_t would = 0;
	for (size_t i = 0; i < o->targets.n; i++)
		would += (!only || only[i]) &&
			 ((const struct harden_result *)results)[i].outcome == HARDEN_WOULD;
	if (would && !o->json)
		printf("dry run: nothing was changed\n");
	fleet_results_free(o, &job, results);
	return status;
}

static int run_harden(int argc, char **argv)
{
	struct harden_options o = {.confirm_timeout = HARDEN_DEFAULT_CONFIRM_TIMEOUT};
	struct target_keys keys = {0};
	int status;

	fleet_options_init(&o.fleet);
	if ((status = parse_options(argc, argv, &o)) != EXIT_OK)
		goto out;
	if ((status = target_keys_load(&o.fleet, NULL, &keys)) != EXIT_OK)
		goto out;
	struct harden_request req = {.connect = &o.fleet.connect,
				     .users = o.users,
				     .n_users = o.n_users,
				     .root_login = o.root_login,
				     .fix_match = o.fix_match,
				     .dry_run = o.fleet.dry_run,
				     .undo = o.undo,
				     .confirm_timeout = o.confirm_timeout,
				     .password = &o.fleet.password_source,
				     .fault = cli_test_fault()};
	status = harden_fleet(&o.fleet, &req, NULL, &keys);
out:
	target_keys_free(&keys);
	free(o.users);
	fleet_options_free(&o.fleet);
	return status;
}

const struct command command_harden = {
	.name = "harden",
	.summary = "Turn password login off without locking anyone out.",
	.usage = "sshkeyctl harden [-i KEY] [--users U1,U2] [--root-login "
		 "no|prohibit-password|keep]\n"
		 "                        [--fix-match] [--dry-run] [--undo] [--confirm-timeout "
		 "SECONDS]\n"
		 "                        [--sudo-password-file FILE] [copy's connection and "
		 "fleet options]\n"
		 "                        TARGET...",
	.help = "  -i KEY                  the key that must log in (default ~/.ssh/id_*, then "
		"ssh-agent)\n"
		"  --users U1,U2           also prove these accounts lose password login\n"
		"  --root-login VALUE      PermitRootLogin: no, prohibit-password (default, unless "
		"it\n"
		"                          is already no) or keep\n"
		"  --fix-match             comment out Match-block lines that turn passwords back "
		"on\n"
		"                          (default: report them; the host ends with a warning)\n"
		"  --dry-run               print the plan and a diff per file, change nothing\n"
		"  --undo                  put back the latest harden's backup, with the same "
		"proof\n"
		"  --confirm-timeout SECS  the dead-man on the server restores the backup after "
		"this\n"
		"                          long unless the proof succeeds (default 120)\n"
		"  --sudo-password-file F  the login password for sudo (asked on the terminal "
		"otherwise,\n"
		"                          only when `sudo -n true` fails)\n"
		"\nSets PasswordAuthentication no, KbdInteractiveAuthentication no "
		"(ChallengeResponse-\n"
		"Authentication before OpenSSH 8.7), PubkeyAuthentication yes, "
		"PermitEmptyPasswords "
		"no\n"
		"and PermitRootLogin, where sshd really reads them first (a drop-in that sorts "
		"before\n"
		"the others when sshd_config includes sshd_config.d/*.conf first, otherwise "
		"sshd_config\n"
		"before its first Match block). Refuses, changing nothing, unless the key logs in, "
		"root\n"
		"is at hand (root, or sudo) and sshd -t passes. Backs up every file under\n"
		"/var/lib/sshkeyctl/harden, writes atomically, runs sshd -t, arms the dead-man, "
		"reloads\n"
		"sshd and proves from new connections that the key logs in and no password is "
		"offered;\n"
		"any failure restores the backup and proves the old state. Exit status 0 done, 5 "
		"done\n"
		"with warnings, 3 some hosts not done, 1 none done.\n"
		"Status per host (JSON \"status\"): done, already, undone, would-change (OK); "
		"warn;\n"
		"refused, rolled-back, failed.\n",
	.run = run_harden,
};
