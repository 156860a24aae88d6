/* sshkeyctl verify: does key login work, and is password login really off, fleet-wide. */
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
#include "ops/verify.h"

struct verify_options {
	struct fleet_options fleet;
	char **users;
	size_t n_users;
};

enum { OPT_USERS = 256 };

static int handle_option(int c, char *arg, void *data)
{
	struct verify_options *o = data;
	if (c != OPT_USERS)
		return FLEET_OPTION_UNKNOWN;
	return fleet_add_users(&command_verify, &o->users, &o->n_users, arg);
}

static int parse_options(int argc, char **argv, struct verify_options *o)
{
	static const struct option longopts[] = {
		{"users", required_argument, NULL, OPT_USERS},
		{NULL, 0, NULL, 0},
	};
	const struct command *cmd = &command_verify;
	const struct fleet_extra_options extra = {"", longopts, handle_option, o};
	int status = fleet_options_parse(&o->fleet, cmd, argc, argv, &extra);
	if (status != EXIT_OK)
		return status;
	if (o->fleet.password_file || o->fleet.password_stdin)
		return cli_usage_error(cmd,
				       "verify never uses a password; it checks with keys only");
	if (o->fleet.dry_run)
		return cli_usage_error(cmd, "verify changes nothing; --dry-run is not needed");
	return fleet_options_finish(&o->fleet, cmd, argc, argv);
}

struct verify_run {
	struct verify_options *opt;
};

/* each target's keys: -i, or the identity ssh offers it */
static struct target_keys keys_table;
FLEET_WORK_KEYS(verify_host, struct verify_request, &keys_table)
FLEET_RESULT_CALLBACKS(verify_result_init, verify_result_clear)

static const char *const verdict_text[] = {
	[VERIFY_OK] = "OK",
	[VERIFY_WARN] = "WARN",
	[VERIFY_FAIL] = "FAIL",
	[VERIFY_UNREACHABLE] = "UNREACHABLE",
};

/* the outcomes: a verdict each, each its own count in the summary */
static unsigned verdict_of(const void *result)
{
	return ((const struct verify_result *)result)->verdict;
}
static const struct fleet_outcome verdicts[] = {
	[VERIFY_OK] = {"ok", FLEET_LEVEL_OK, 0},
	[VERIFY_WARN] = {"warn", FLEET_LEVEL_WARN, 1},
	[VERIFY_FAIL] = {"fail", FLEET_LEVEL_FAIL, 2},
	[VERIFY_UNREACHABLE] = {"unreachable", FLEET_LEVEL_FAIL, 3},
};
static const struct fleet_group summary_groups[] = {{"OK", "ok", false},
						    {"WARN", "warn", false},
						    {"FAIL", "fail", false},
						    {"UNREACHABLE", "unreachable", false}};
static const struct fleet_outcomes outcomes = {verdicts, summary_groups, 4, verdict_of, true};

static int error_of(const void *result)
{
	return ((const struct verify_result *)result)->error;
}

static const char *const method_names[] = {"publickey", "password", "keyboard-interactive"};

static void methods_text(unsigned methods, char *buf, size_t len)
{
	buf[0] = 0;
	for (size_t i = 0; i < 3; i++)
		if (methods & (1u << i))
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? "," : "",
				 method_names[i]);
	if (!buf[0])
		snprintf(buf, len, "none");
}

static json_t *methods_json(unsigned methods)
{
	json_t *a = json_array();
	for (size_t i = 0; i < 3; i++)
		if (methods & (1u << i))
			json_array_append_new(a, report_json_text(method_names[i]));
	return a;
}

/* "deploy (password), alice (keyboard-interactive)": who can still log in with a password */
static void password_users_text(const struct verify_result *res, char *buf, size_t len)
{
	const struct verify_account *all[1 + 64];
	size_t n = 0;
	all[n++] = &res->login;
	for (size_t i = 0; i < res->n_others && n < 65; i++)
		all[n++] = &res->others[i];
	buf[0] = 0;
	for (size_t i = 0; i < n; i++) {
		if (!all[i]->answered || !verify_password_offered(all[i]))
			continue;
		char m[64];
		methods_text(verify_password_methods(all[i]), m, sizeof(m));
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s (%s)", buf[0] ? ", " : "",
			 all[i]->user, m);
	}
}

static void report_json(const char *spec, const struct verify_result *res)
{
	json_t *o =
		json_pack("{s:o, s:s, s:I, s:I}", "target", report_json_text(spec), "verdict",
			  verdicts[res->verdict].json, "auth_requests",
			  (json_int_t)res->auth_requests, "refusals", (json_int_t)res->refusals);
	if (!o)
		return;
	if (res->banner[0]) {
		json_object_set_new(o, "banner", report_json_text(res->banner));
		json_object_set_new(
			o, "host_key",
			report_json_text(res->host_key_new ? "new, accepted" : "known"));
	}
	if (res->login.answered) {
		json_object_set_new(o, "user", report_json_text(res->login.user));
		json_object_set_new(o, "methods", methods_json(res->login.methods));
		json_object_set_new(o, "key_login", json_boolean(res->key_login));
		if (res->second_factor_unasked)
			json_object_set_new(o, "second_factor_unasked", json_true());
		if (res->second_factor) {
			json_t *f = json_object();
			json_object_set_new(f, "key", report_json_text(res->key_used));
			json_object_set_new(f, "methods", methods_json(res->then_methods));
			json_object_set_new(f, "prompt",
					    res->then_prompt[0] ? report_json_text(res->then_prompt)
								: json_null());
			json_object_set_new(o, "second_factor", f);
		}
		if (res->key_login) {
			json_object_set_new(o, "key", report_json_text(res->key_used));
			json_object_set_new(o, "true_status", json_integer(res->true_status));
		}
		bool password = verify_password_offered(&res->login);
		json_t *users = json_object();
		json_t *password_users = json_array();
		if (password)
			json_array_append_new(password_users, report_json_text(res->login.user));
		for (size_t i = 0; i < res->n_others; i++) {
			const struct verify_account *a = &res->others[i];
			json_object_set_new(users, a->user,
					    a->answered ? methods_json(a->methods) : json_null());
			if (a->answered && verify_password_offered(a)) {
				password = true;
				json_array_append_new(password_users, report_json_text(a->user));
			}
		}
		json_object_set_new(o, "users", users);
		json_object_set_new(o, "password_login", json_boolean(password));
		json_object_set_new(o, "password_users", password_users);
	}
	if (res->diag.text[0])
		json_object_set_new(o, "reason", report_json_text(res->diag.text));
	report_json_line(o);
}

/* The key is accepted, and then sshd asks more: said as what it is, never as a refusal. */
static void second_factor_text(const struct verify_result *res)
{
	char methods[128];
	methods_text(res->then_methods, methods, sizeof(methods));
	printf("key and second factor required: the key is accepted (%s), then sshd asks %s",
	       res->key_used, methods);
	if (res->then_prompt[0])
		printf(" (\"%.*s\")", (int)strcspn(res->then_prompt, "\n"), res->then_prompt);
	printf(", not answered here; no password login alone");
}

static void report(const struct target *t, const void *result, void *data)
{
	struct verify_run *run = data;
	const struct verify_result *res = result;
	const char *spec = t->spec;
	if (run->opt->fleet.json) {
		report_json(spec, res);
		fflush(stdout);
		return;
	}
	char who[2048], methods[128];
	printf("%s: %s: ", spec, verdict_text[res->verdict]);
	switch (res->verdict) {
	case VERIFY_OK:
		if (res->second_factor)
			second_factor_text(res);
		else
			printf("key login works (%s); no password login%s", res->key_used,
			       res->second_factor_unasked
				       ? "; sshd asks keyboard-interactive after the key and lets "
					 "it "
					 "in without a question (no second factor in force: an "
					 "account without a secret, nullok)"
				       : "");
		break;
	case VERIFY_WARN:
		password_users_text(res, who, sizeof(who));
		if (res->second_factor) {
			second_factor_text(res);
			printf("; but password login is still offered to %s", who);
		} else if (res->key_login)
			printf("key login works (%s); password login is still offered to %s",
			       res->key_used, who);
		else
			printf("%s", res->diag.text);
		break;
	case VERIFY_FAIL:
		printf("%s; next: sshkeyctl doctor %s", res->diag.text, spec);
		break;
	case VERIFY_UNREACHABLE:
		printf("%s", res->diag.text);
		break;
	}
	if (res->verdict != VERIFY_UNREACHABLE)
		printf(" (%u authentication request%s, %u refused)", res->auth_requests,
		       res->auth_requests == 1 ? "" : "s", res->refusals);
	printf("\n");
	if (res->banner[0]) {
		methods_text(res->login.methods, methods, sizeof(methods));
		printf("  %s; host key %s", res->banner,
		       res->host_key_new ? "new (accepted and recorded)" : "known");
		if (res->login.answered)
			printf("; %s may use %s", res->login.user, methods);
		printf("\n");
	}
	if (res->key_login && res->true_status != 0)
		printf("  note: the key logs in, but the account cannot run commands (`true` "
		       "exited %d)\n",
		       res->true_status);
	if ((res->verdict == VERIFY_OK || res->verdict == VERIFY_WARN) && res->diag.text[0] &&
	    res->key_login)
		printf("  note: %s\n", res->diag.text);
	fflush(stdout);
}

static int run_verify(int argc, char **argv)
{
	struct verify_options o = {0};
	int status;

	fleet_options_init(&o.fleet);
	if ((status = parse_options(argc, argv, &o)) != EXIT_OK ||
	    (status = target_keys_load(&o.fleet, NULL, &keys_table)) != EXIT_OK)
		goto out;
	struct verify_request req = {
		.connect = &o.fleet.connect, .users = o.users, .n_users = o.n_users};
	struct verify_run run = {.opt = &o};
	struct fleet_job job = FLEET_JOB(struct verify_result, report, &req, &run);
	job.keys = &keys_table;
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
	free(o.users);
	fleet_options_free(&o.fleet);
	return status;
}

const struct command command_verify = {
	.name = "verify",
	.summary = "Prove key login works and password login is really off (read-only).",
	.usage = "sshkeyctl verify [-i KEY]... [--users U1,U2] [-p PORT] [-l USER] [-o OPT] [-F "
		 "FILE]\n"
		 "                        [-H FILE] [-j JOBS] [--accept-new] [--connect-timeout "
		 "SECONDS]\n"
		 "                        [--json] TARGET...",
	.help = "  -i KEY                  the key to prove (repeatable); default the first of\n"
		"                          ~/.ssh/id_ed25519, id_ecdsa, id_rsa, else ssh-agent's "
		"keys\n"
		"  --users U1,U2           also ask which methods the server offers these "
		"accounts\n"
		"                          (a Match User block can allow passwords for one)\n"
		"  -p -l -o -F -H -j --accept-new --connect-timeout --json: as for copy\n"
		"\nPer host, with no password ever: the server's banner and host key, the methods "
		"it\n"
		"offers, a real key login that runs `true`, and whether a password (password or\n"
		"keyboard-interactive) can still log in. Verdicts: OK, WARN (password login still\n"
		"offered), FAIL (key refused: try 'sshkeyctl doctor'), UNREACHABLE. A key the\n"
		"server accepts and then asks a second factor for (AuthenticationMethods\n"
		"publickey,keyboard-interactive: sshkeyctl mfa) is OK, \"key and second factor\n"
		"required\", with the factor's first prompt, never answered. At most four\n"
		"keys are refused per host, under the servers' MaxAuthTries. Exit status 0 all "
		"OK,\n"
		"5 some WARN, 3 some FAIL or UNREACHABLE, 1 all of them.\n"
		"Status per host (JSON \"status\"): ok, warn (password login still possible), "
		"fail,\n"
		"unreachable.\n",
	.run = run_verify,
};
