/* sshkeyctl copy: install public keys on one server or a thousand, proven to work. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "base/file_io.h"
#include "base/user_info.h"
#include "cli/commands.h"
#include "cli/copy_main.h"
#include "cli/local_keys.h"
#include "cli/fleet_options.h"
#include "cli/fleet_run.h"
#include "cli/passphrase.h"
#include "cli/report.h"
#include "files/authorized_keys.h"
#include "files/public_key_file.h"
#include "keys/key_file.h"
#include "keys/keygen.h"
#include "ops/copy.h"

enum {
	OPT_FOR_USER = 256,
	OPT_NO_FIX,
	OPT_SFTP,
	OPT_PASSPHRASE_FILE,
	OPT_NO_PASSPHRASE,
	OPT_HARDEN,
	OPT_CONFIG_ALIAS,
	OPT_EXCLUSIVE,
};

struct option_context {
	struct copy_options *o;
	const struct command *cmd;
};

static int handle_option(int c, char *arg, void *data)
{
	const struct option_context *ctx = data;
	struct copy_options *o = ctx->o;
	switch (c) {
	case OPT_FOR_USER:
		return fleet_for_user(ctx->cmd, arg, &o->for_user);
	case OPT_NO_FIX:
		o->no_fix = true;
		return EXIT_OK;
	case OPT_SFTP:
		o->sftp = true;
		return EXIT_OK;
	case OPT_EXCLUSIVE:
		if (o->setup)
			return FLEET_OPTION_UNKNOWN;
		o->exclusive_file = arg;
		return EXIT_OK;
	case 'b':
		if (parse_unsigned_option(arg, 1, 1u << 20, &o->key_bits) < 0)
			return cli_usage_error(ctx->cmd, "invalid number of bits '%s'", arg);
		return EXIT_OK;
	case 't':
		o->key_type = keygen_canonical_type(arg);
		if (!o->key_type)
			return cli_usage_error(
				ctx->cmd, "unknown key type '%s' (ed25519, rsa or ecdsa)", arg);
		return EXIT_OK;
	case OPT_PASSPHRASE_FILE:
	case OPT_NO_PASSPHRASE:
	case OPT_HARDEN:
	case OPT_CONFIG_ALIAS:
		/* setup's own */
		if (!o->setup)
			return FLEET_OPTION_UNKNOWN;
		if (c == OPT_CONFIG_ALIAS)
			o->config_alias = arg;
		else if (c == OPT_HARDEN)
			o->harden = true;
		else if (c == OPT_PASSPHRASE_FILE)
			o->passphrase.file = arg;
		else
			o->passphrase.none = true;
		return EXIT_OK;
	default:
		return FLEET_OPTION_UNKNOWN;
	}
}

static int parse_options(int argc, char **argv, struct copy_options *o, const struct command *cmd)
{
	static const struct option longopts[] = {
		{"passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE},
		{"no-passphrase", no_argument, NULL, OPT_NO_PASSPHRASE},
		{"harden", no_argument, NULL, OPT_HARDEN},
		{"config-alias", required_argument, NULL, OPT_CONFIG_ALIAS},
		{"for-user", required_argument, NULL, OPT_FOR_USER},
		{"no-fix", no_argument, NULL, OPT_NO_FIX},
		{"sftp", no_argument, NULL, OPT_SFTP},
		{"exclusive", required_argument, NULL, OPT_EXCLUSIVE},
		{NULL, 0, NULL, 0},
	};
	struct option_context ctx = {o, cmd};
	const struct fleet_extra_options extra = {o->setup ? "t:b:" : "", longopts, handle_option,
						  &ctx};
	int status = fleet_options_parse(&o->fleet, cmd, argc, argv, &extra);
	if (status != EXIT_OK)
		return status;
	if (o->setup && (status = cli_key_bits_check(o->key_type ? o->key_type : "ed25519",
						     o->key_bits)) != EXIT_OK)
		return status;
	if ((status = fleet_options_finish(&o->fleet, cmd, argc, argv)) != EXIT_OK)
		return status;
	if (o->config_alias && o->fleet.targets.n != 1)
		return cli_usage_error(cmd, "--config-alias names one host: give one target");
	return EXIT_OK;
}

struct copy_run {
	struct copy_options *opt;
	struct report_shared shared; /* changes and diffs many hosts share */
};

/* each target's keys: -i (or setup's), or the identity ssh offers it */
static struct target_keys keys_table;
FLEET_WORK_KEYS(copy_to_host, struct copy_request, &keys_table)
FLEET_RESULT_CALLBACKS(copy_result_init, copy_result_clear)

static const char *outcome_text(const struct copy_result *res)
{
	switch (res->outcome) {
	case COPY_PRESENT:
		return "already present";
	case COPY_INSTALLED:
		return "installed and verified";
	case COPY_INSTALLED_UNVERIFIED:
		return "installed, not verified";
	case COPY_WOULD_CHANGE:
		return "would change";
	default:
		return "failed";
	}
}

/* the outcomes, and the summary's counts */
FLEET_RESULT_ACCESSORS(struct copy_result)
static const struct fleet_outcome copy_outcomes[] = {
	[COPY_INSTALLED] = {"installed", FLEET_LEVEL_OK, 0},
	/* installed but not proven is a warning, as verify's WARN and perms' unverified fix */
	[COPY_INSTALLED_UNVERIFIED] = {"installed-unverified", FLEET_LEVEL_WARN, 1},
	[COPY_PRESENT] = {"present", FLEET_LEVEL_OK, 2},
	[COPY_WOULD_CHANGE] = {"would-change", FLEET_LEVEL_OK, 3},
	[COPY_FAILED] = {"failed", FLEET_LEVEL_FAIL, 4},
};
static const struct fleet_group summary_groups[] = {
	{"installed and verified", "installed", false},
	{"installed not verified", "installed_unverified", false},
	{"already present", "present", false},
	{"would change", "would_change", true},
	{"failed", "failed", false},
};
static const struct fleet_outcomes outcomes = {copy_outcomes, summary_groups, 5, outcome_of, true};

/* --json: one object per host, one line each (JSON Lines) */
static void report_json(const char *spec, const struct copy_result *res)
{
	json_t *changes = report_lines_json(&res->changes);
	json_t *o = json_pack("{s:o, s:s, s:I, s:I, s:o}", "target", report_json_text(spec),
			      "status", copy_outcomes[res->outcome].json, "keys_added",
			      (json_int_t)res->keys_added, "keys_present",
			      (json_int_t)res->keys_present, "changes", changes);
	if (o && res->path)
		json_object_set_new(o, "path", report_json_text(res->path));
	if (o && (res->keys_removed || res->proof.len)) {
		json_object_set_new(o, "keys_removed", json_integer(res->keys_removed));
		json_object_set_new(o, "lines_unreadable_removed",
				    json_integer(res->lines_unreadable));
		json_object_set_new(o, "proof", report_lines_json(&res->proof));
	}
	if (o && (res->outcome == COPY_FAILED || res->outcome == COPY_INSTALLED_UNVERIFIED))
		json_object_set_new(o, "reason", report_json_text(res->diag.text));
	if (o && res->diff.len)
		json_object_set_new(o, "diff",
				    report_json_textn((const char *)res->diff.data, res->diff.len));
	report_json_line(o);
}

static void report(const struct target *t, const void *result, void *data)
{
	struct copy_run *run = data;
	const struct copy_result *res = result;
	const char *spec = t->spec;
	if (run->opt->fleet.json) {
		report_json(spec, res);
		fflush(stdout);
		return;
	}
	printf("%s: %s", spec, outcome_text(res));
	if (run->opt->exclusive_file &&
	    (res->outcome == COPY_INSTALLED || res->outcome == COPY_INSTALLED_UNVERIFIED ||
	     res->outcome == COPY_WOULD_CHANGE))
		printf(" (exclusive: %u key%s removed%s)", res->keys_removed,
		       res->keys_removed == 1 ? "" : "s",
		       res->lines_unreadable ? ", and lines sshkeyctl cannot read" : "");
	else if (res->outcome == COPY_INSTALLED || res->outcome == COPY_INSTALLED_UNVERIFIED)
		printf(" (%u key%s added%s%u already there)", res->keys_added,
		       res->keys_added == 1 ? "" : "s", ", ", res->keys_present);
	if (res->outcome == COPY_FAILED || res->outcome == COPY_INSTALLED_UNVERIFIED)
		printf(": %s", res->diag.text);
	printf("\n");
	report_lines_shared(&run->shared, spec, "changes", &res->changes, "  ", false);
	report_lines_shared(&run->shared, spec, "diff", &res->diff, "", true);
	report_print_lines(&res->proof, "  proof: ");
	fflush(stdout);
}

/* --exclusive FILE: authorized_keys lines (a .pub too), each a key sshkeyctl reads; read
 * before any host is tried */
static int load_exclusive(const char *path, struct dynbuf *text, struct authorized_keys **ret)
{
	int r = read_file(path, READ_FILE_REGULAR, text);
	if (r == 0)
		r = authorized_keys_parse(text->len ? (const char *)text->data : "", text->len,
					  ret);
	if (r < 0) {
		cli_error("--exclusive %s: %s", path,
			  r >= -4096 ? strerror(-r) : error_to_string(r));
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < (*ret)->n_entries; i++)
		if ((*ret)->entries[i].kind == KEY_LINE_INVALID) {
			cli_error("%s:%lu: %s; nothing changed", path, (*ret)->entries[i].lineno,
				  error_to_string((*ret)->entries[i].error));
			return EXIT_FAIL;
		}
	return EXIT_OK;
}

int copy_main(int argc, char **argv, const struct command *cmd, const struct copy_setup *setup)
{
	struct copy_options o = {.setup = setup != NULL};
	struct copy_run run = {.opt = &o};
	struct local_key *keys = NULL;
	size_t n_keys = 0;
	char *default_path = NULL, *new_key_passphrase = NULL;
	struct authorized_keys *exclusive = NULL;
	struct dynbuf exclusive_text;
	int status;

	dynbuf_init(&exclusive_text, AUTHORIZED_KEYS_FILE_MAX);
	fleet_options_init(&o.fleet);
	if ((status = parse_options(argc, argv, &o, cmd)) != EXIT_OK)
		goto out;
	if (o.sftp && o.for_user) {
		/* SFTP cannot give a file away to another account */
		status =
			cli_usage_error(cmd, "--for-user needs a shell on the server; drop --sftp");
		goto out;
	}
	if (setup && (o.fleet.n_key_files == 0 || access(o.fleet.key_files[0], F_OK) < 0) &&
	    (o.fleet.n_key_files || user_default_identity(true, &default_path) < 0)) {
		if (o.fleet.n_key_files)
			default_path = strdup(o.fleet.key_files[0]);
		int r = setup->create_key(&o, &default_path, &new_key_passphrase);
		if (r < 0) {
			status = exit_status_for_error(r);
			goto out;
		}
		if (o.fleet.n_key_files)
			o.fleet.key_files[0] = default_path;
	}
	if (!setup && o.fleet.n_key_files == 0) {
		/* each host gets the key ssh offers it first */
		if ((status = target_keys_load(&o.fleet, NULL, &keys_table)) != EXIT_OK)
			goto out;
		for (size_t i = 0; i < o.fleet.targets.n; i++) {
			size_t n;
			target_keys_of(&keys_table, i, &keys, &n);
			if (n == 0) {
				cli_error("no key found in ~/.ssh (id_ed25519, id_ecdsa, id_rsa) "
					  "nor named by IdentityFile for %s: create one with "
					  "'sshkeyctl keygen', or let 'sshkeyctl setup' do it all, "
					  "or name one with -i",
					  o.fleet.targets.items[i].spec);
				status = EXIT_FAIL;
				goto out;
			}
		}
		keys = keys_table.keys;
		n_keys = keys_table.n;
	} else if (o.fleet.n_key_files == 0) {
		if (!default_path && user_default_identity(true, &default_path) < 0) {
			cli_error("no key found in ~/.ssh (id_ed25519, id_ecdsa, id_rsa): create "
				  "one with "
				  "'sshkeyctl keygen', or let 'sshkeyctl setup' do it all, or name "
				  "one with -i");
			status = EXIT_FAIL;
			goto out;
		}
		o.fleet.key_files = calloc(1, sizeof(*o.fleet.key_files));
		if (!o.fleet.key_files) {
			status = EXIT_FAIL;
			goto out;
		}
		o.fleet.key_files[o.fleet.n_key_files++] = default_path;
	}
	if (!keys_table.keys) {
		if ((status = target_keys_load(&o.fleet, new_key_passphrase, &keys_table)) !=
		    EXIT_OK)
			goto out;
		keys = keys_table.keys;
		n_keys = keys_table.n;
	}

	if (o.exclusive_file &&
	    (status = load_exclusive(o.exclusive_file, &exclusive_text, &exclusive)) != EXIT_OK)
		goto out;
	struct copy_request req = {.connect = &o.fleet.connect,
				   .for_user = o.for_user,
				   .fix = !o.no_fix,
				   .dry_run = o.fleet.dry_run,
				   .sftp = o.sftp,
				   .password = &o.fleet.password_source,
				   .exclusive = exclusive};
	report_shared_init(&run.shared, !o.fleet.json && o.fleet.targets.n > 1);
	struct fleet_job job = FLEET_JOB(struct copy_result, report, &req, &run);
	job.keys = &keys_table;
	job.password_login = true;
	struct copy_result *results = NULL;
	if (fleet_run(&o.fleet, &job, (void **)&results) < 0) {
		fleet_results_free(&o.fleet, &job, results);
		status = EXIT_FAIL;
		goto out;
	}
	report_shared_summary(&run.shared);
	status = fleet_summarize(&o.fleet, &job, results, NULL);
	size_t failed = 0, would = 0, total = o.fleet.targets.n;
	for (size_t i = 0; i < total; i++) {
		failed += results[i].outcome == COPY_FAILED;
		would += results[i].outcome == COPY_WOULD_CHANGE;
	}
	if (o.fleet.dry_run && !o.fleet.json)
		printf("dry run: %zu host%s would change; nothing was changed\n", would,
		       would == 1 ? "" : "s");
	/* after an interrupt, nothing more: the person asked to stop */
	if (setup && o.harden && !o.fleet.dry_run && !o.fleet.interrupted && failed < total) {
		int hs = setup->harden(&o, keys, n_keys, results);
		if (status == EXIT_OK || hs == EXIT_PARTIAL)
			status = hs;
	}
	if (setup && !o.fleet.dry_run && !o.fleet.interrupted) {
		int ns = setup->next_steps(&o, &keys[0], results);
		if (ns != EXIT_OK && (status == EXIT_OK || status == EXIT_WARN))
			status = ns;
	}
	fleet_results_free(&o.fleet, &job, results);
out:
	authorized_keys_free(exclusive);
	dynbuf_free(&exclusive_text);
	report_shared_free(&run.shared);
	target_keys_free(&keys_table);
	free(default_path);
	secret_string_free(new_key_passphrase);
	fleet_options_free(&o.fleet);
	return status;
}

static int run_copy(int argc, char **argv)
{
	return copy_main(argc, argv, &command_copy, NULL);
}

const struct command command_copy = {
	.name = "copy",
	.summary = "Install public keys on servers, fix what sshd would refuse, prove key login.",
	.usage = "sshkeyctl copy [-i KEY]... [-p PORT] [-l USER] [-o OPT] [-F FILE] [-H FILE] [-j "
		 "JOBS]\n"
		 "                      [--dry-run] [--accept-new] [--password-file FILE | "
		 "--password-stdin]\n"
		 "                      [--for-user NAME] [--no-fix] [--sftp] [--exclusive FILE]\n"
		 "                      [--connect-timeout SECONDS]\n"
		 "                      [--host-keys FILE] [-q] [-v] [--order input|done] [--json] "
		 "[--failed-file FILE]\n"
		 "                      TARGET...",
	.help = "  -i KEY                  public or private key file (repeatable); default: the "
		"key ssh\n"
		"                          offers the host first (its IdentityFile, else "
		"~/.ssh/id_ed25519,\n"
		"                          id_ecdsa, id_rsa)\n"
		"  -p PORT, -l USER        port and login user when the target does not say\n"
		"  -o KEY=VALUE, -F FILE   ssh_config options and file, as for ssh\n"
		"  -H FILE                 targets from FILE, one a line, '#' comments\n"
		"  -j JOBS                 hosts worked on at once (default 32)\n"
		"  --dry-run               show what would change on each host; change nothing\n"
		"  --accept-new            trust and record host keys not yet in known_hosts\n"
		"  --password-file FILE    the login password (first line of FILE)\n"
		"  --password-stdin        the login password from standard input\n"
		"  --for-user NAME         install for account NAME, as root (directly, or "
		"through sudo)\n"
		"  --no-fix                report, but do not fix, modes that make sshd ignore the "
		"key\n"
		"  --sftp                  edit authorized_keys over SFTP (automatic when the "
		"account\n"
		"                          has no shell, as with ForceCommand internal-sftp)\n"
		"  --exclusive FILE        the keys of FILE (authorized_keys lines, options kept)\n"
		"                          and -i's become exactly the account's keys: every "
		"other\n"
		"                          key goes from every file sshd reads; proven: each key\n"
		"                          kept is accepted, each removed one refused\n"
		"  --connect-timeout SECS  give up on a host that does not answer (default: "
		"ConnectTimeout, else 10)\n"
		"  --json                  one JSON object per host, then a summary object (JSON "
		"Lines)\n"
		"  --failed-file FILE      write the targets that did not end OK to FILE (for -H)\n"
		"  --host-keys FILE        unknown host keys: accept those FILE lists (known_hosts "
		"lines),\n"
		"                          refuse the rest, ask nothing\n"
		"  -q, -v                  only what did not end OK; each connection's steps on "
		"stderr\n"
		"  --order input|done      results in the order given (default), or as hosts "
		"finish\n"
		"\nTARGET is [user@]host[:port], ssh://user@host:port, or a Host alias of "
		"~/.ssh/config.\n"
		"A key already there (same key, any options or comment) is not added again. Every\n"
		"host is proven with a new connection that logs in with the key. At a terminal, "
		"unknown\n"
		"host keys are asked about as one list and the password once, before any host gets "
		"work;\n"
		"Ctrl-C stops new hosts and reports what finished.\n"
		"Status per host (JSON \"status\"): installed, present, would-change (OK),\n"
		"installed-unverified (warning), failed. Exit status 0 all OK, 5 warnings, 3 some "
		"hosts\n"
		"failed, 1 all of them (sshkeyctl(1), FLEET RUNS).\n",
	.run = run_copy,
};
