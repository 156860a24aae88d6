/* sshkeyctl revoke: a key taken away everywhere, proven with the public key alone. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/error.h"
#include "base/file_io.h"
#include "cli/commands.h"
#include "cli/fleet_options.h"
#include "cli/fleet_run.h"
#include "cli/local_keys.h"
#include "cli/report.h"
#include "files/authorized_keys.h"
#include "base/base64.h"
#include "keys/fingerprint.h"
#include "keys/krl.h"
#include <time.h>
#include "ops/revoke.h"

struct revoke_options {
	struct fleet_options fleet;
	const char *comment_glob;
	bool all_accounts;
	const char *for_user;
	bool including_login_key;
	struct pubkey **keys; /* to revoke */
	size_t n_keys;
	const char **fingerprints;
	size_t n_fingerprints;
	const char *krl_path;
	struct dynbuf krl_data; /* the KRL there before, parsed into krl */
	struct krl krl;
	bool krl_exists;
	bool install_krl;
	struct dynbuf krl_new; /* --install-krl: the KRL the hosts get, built before the run */
};

enum {
	OPT_COMMENT = 256,
	OPT_ALL_ACCOUNTS,
	OPT_FOR_USER,
	OPT_INCLUDING_LOGIN_KEY,
	OPT_KRL,
	OPT_INSTALL_KRL
};

static int handle_option(int c, char *arg, void *data)
{
	struct revoke_options *o = data;
	switch (c) {
	case OPT_COMMENT:
		o->comment_glob = arg;
		return EXIT_OK;
	case OPT_ALL_ACCOUNTS:
		o->all_accounts = true;
		return EXIT_OK;
	case OPT_FOR_USER:
		return fleet_for_user(&command_revoke, arg, &o->for_user);
	case OPT_INCLUDING_LOGIN_KEY:
		o->including_login_key = true;
		return EXIT_OK;
	case OPT_KRL:
		o->krl_path = arg;
		return EXIT_OK;
	case OPT_INSTALL_KRL:
		o->install_krl = true;
		return EXIT_OK;
	default:
		return FLEET_OPTION_UNKNOWN;
	}
}

/* Every key line of path (a .pub file, an authorized_keys file; for a private key, its
 * .pub beside it) added to the keys to revoke. */
static int add_key_file(struct revoke_options *o, const char *path)
{
	struct dynbuf b;
	struct authorized_keys *ak = NULL;
	size_t before = o->n_keys;
	dynbuf_init(&b, AUTHORIZED_KEYS_FILE_MAX);
	int r = read_file(path, READ_FILE_REGULAR, &b);
	if (r == 0)
		r = authorized_keys_parse(b.len ? (const char *)b.data : "", b.len, &ak);
	for (size_t i = 0; r == 0 && ak && i < ak->n_entries; i++) {
		struct authorized_keys_entry *e = &ak->entries[i];
		if (e->kind != KEY_LINE_KEY)
			continue;
		struct pubkey **more = realloc(o->keys, (o->n_keys + 1) * sizeof(*more));
		if (!more) {
			r = -ENOMEM;
			break;
		}
		o->keys = more;
		o->keys[o->n_keys++] = e->key;
		e->key = NULL;
	}
	authorized_keys_free(ak);
	dynbuf_free(&b);
	if (r == 0 && o->n_keys == before) {
		/* a private key: its public half beside it */
		char *pub = NULL;
		struct stat st;
		if (asprintf(&pub, "%s.pub", path) < 0)
			return -ENOMEM;
		r = stat(pub, &st) == 0 ? add_key_file(o, pub) : ERR_NOT_A_KEY;
		free(pub);
	}
	return r;
}

/* --krl FILE: the KRL there now (a new one when missing), checked before any host */
static int krl_load(struct revoke_options *o)
{
	dynbuf_init(&o->krl_data, KRL_FILE_MAX);
	int r = read_file(o->krl_path, READ_FILE_REGULAR | READ_FILE_NOFOLLOW, &o->krl_data);
	if (r == -ENOENT)
		return EXIT_OK;
	if (r == 0)
		r = krl_parse(o->krl_data.data, o->krl_data.len, &o->krl);
	if (r < 0) {
		cli_error("--krl %s: %s", o->krl_path,
			  r == ERR_FORMAT ? "not an OpenSSH KRL"
			  : r >= -4096    ? strerror(-r)
					  : error_to_string(r));
		return EXIT_FAIL;
	}
	o->krl_exists = true;
	if (o->krl.signed_) {
		cli_error("--krl %s: a signed KRL; adding keys would break its signature (sign "
			  "again with ssh-keygen -k -u -s after adding them yourself)",
			  o->krl_path);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* "SHA256:" and 43 base64 characters: the 32 bytes */
static int sha256_bytes(const char *fp, uint8_t out[32])
{
	struct dynbuf b;
	char padded[48];
	dynbuf_init(&b, 64);
	snprintf(padded, sizeof(padded), "%s=", fp + 7);
	int r = base64_decode(&b, padded, strlen(padded));
	if (r == 0 && b.len != 32)
		r = ERR_FORMAT;
	if (r == 0)
		memcpy(out, b.data, 32);
	dynbuf_free(&b);
	return r;
}

/* The KRL with every key given, the keys found on the hosts (results, may be none) and
 * every fingerprint given, into out. */
static int krl_build(struct revoke_options *o, const struct revoke_result *results, size_t n,
		     struct dynbuf *out, size_t *ret_keys)
{
	const struct pubkey **keys = NULL;
	size_t n_keys = 0;
	uint8_t(*hashes)[32] = calloc(o->n_fingerprints ? o->n_fingerprints : 1, 32);
	int r = hashes ? 0 : -ENOMEM;
	size_t total = o->n_keys;
	for (size_t i = 0; i < n; i++)
		total += results[i].n_removed;
	keys = calloc(total ? total : 1, sizeof(*keys));
	if (!keys)
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < o->n_keys; i++)
		keys[n_keys++] = o->keys[i];
	for (size_t i = 0; r == 0 && i < n; i++)
		for (size_t k = 0; k < results[i].n_removed; k++)
			keys[n_keys++] = results[i].removed[k];
	for (size_t i = 0; r == 0 && i < o->n_fingerprints; i++)
		r = sha256_bytes(o->fingerprints[i], hashes[i]);
	if (r == 0)
		r = krl_write(o->krl_exists ? &o->krl : NULL, keys, n_keys,
			      (const uint8_t(*)[32])hashes, o->n_fingerprints,
			      o->krl_exists ? NULL : "sshkeyctl revoke", (uint64_t)time(NULL), out);
	free(keys);
	free(hashes);
	*ret_keys = n_keys;
	return r;
}

/* After the run: the KRL written atomically: with --install-krl the very one the hosts got,
 * else every key revoked (given, and found on the hosts by fingerprint or comment) and every
 * fingerprint given. */
static int krl_save(struct revoke_options *o, const struct revoke_result *results, size_t n)
{
	struct dynbuf out;
	size_t n_keys = o->n_keys;
	dynbuf_init(&out, KRL_FILE_MAX);
	int r = o->install_krl ? dynbuf_append(&out, o->krl_new.data, o->krl_new.len)
			       : krl_build(o, results, n, &out, &n_keys);
	if (r == 0)
		r = write_file_atomic(o->krl_path, out.data, out.len, 0644, 0);
	if (r < 0)
		cli_error("--krl %s: %s", o->krl_path,
			  r >= -4096 ? strerror(-r) : error_to_string(r));
	else if (!o->fleet.json)
		fprintf(stderr,
			"sshkeyctl: %s: %zu key%s and %zu fingerprint%s recorded (version "
			"%llu)\n",
			o->krl_path, n_keys, n_keys == 1 ? "" : "s", o->n_fingerprints,
			o->n_fingerprints == 1 ? "" : "s",
			(unsigned long long)(o->krl_exists ? o->krl.version + 1 : 1));
	dynbuf_free(&out);
	return r < 0 ? EXIT_FAIL : EXIT_OK;
}

/* The leading arguments that are keys: a fingerprint, or a file holding keys. */
static bool looks_like_key(const char *arg)
{
	struct stat st;
	return !strncmp(arg, "SHA256:", 7) || strchr(arg, '/') ||
	       (stat(arg, &st) == 0 && S_ISREG(st.st_mode));
}

static int parse_options(int argc, char **argv, struct revoke_options *o)
{
	static const struct option longopts[] = {
		{"comment", required_argument, NULL, OPT_COMMENT},
		{"all-accounts", no_argument, NULL, OPT_ALL_ACCOUNTS},
		{"for-user", required_argument, NULL, OPT_FOR_USER},
		{"including-login-key", no_argument, NULL, OPT_INCLUDING_LOGIN_KEY},
		{"krl", required_argument, NULL, OPT_KRL},
		{"install-krl", no_argument, NULL, OPT_INSTALL_KRL},
		{NULL, 0, NULL, 0},
	};
	const struct command *cmd = &command_revoke;
	const struct fleet_extra_options extra = {"", longopts, handle_option, o};
	int status = fleet_options_parse(&o->fleet, cmd, argc, argv, &extra);
	if (status != EXIT_OK)
		return status;
	for (; optind < argc && looks_like_key(argv[optind]); optind++) {
		const char *arg = argv[optind];
		if (!strncmp(arg, "SHA256:", 7)) {
			if (strlen(arg) != 50)
				return cli_usage_error(cmd,
						       "%s: not a SHA256 fingerprint (SHA256: "
						       "and 43 characters, as ssh-keygen -l "
						       "prints it)",
						       arg);
			const char **more =
				realloc(o->fingerprints, (o->n_fingerprints + 1) * sizeof(*more));
			if (!more)
				return EXIT_FAIL;
			o->fingerprints = more;
			o->fingerprints[o->n_fingerprints++] = arg;
			continue;
		}
		int r = add_key_file(o, arg);
		if (r < 0) {
			cli_error("%s: %s", arg, r >= -4096 ? strerror(-r) : error_to_string(r));
			return EXIT_USAGE;
		}
	}
	if (!o->n_keys && !o->n_fingerprints && !o->comment_glob)
		return cli_usage_error(cmd, "which key? give a public key file, a SHA256 "
					    "fingerprint, or --comment PATTERN, then the targets");
	if (o->for_user && o->all_accounts)
		return cli_usage_error(cmd, "--for-user NAME is one account, --all-accounts every "
					    "one: give one of them");
	if (o->install_krl && !o->krl_path)
		return cli_usage_error(cmd, "--install-krl installs the KRL of --krl FILE");
	if (o->install_krl && o->comment_glob)
		return cli_usage_error(cmd, "--install-krl needs the keys named (files or "
					    "fingerprints): the hosts get the KRL before --comment "
					    "finds keys; run --comment with --krl FILE first");
	if (o->krl_path && (status = krl_load(o)) != EXIT_OK)
		return status;
	return fleet_options_finish(&o->fleet, cmd, argc, argv);
}

static struct target_keys keys_table;
FLEET_WORK_KEYS(revoke_host, struct revoke_request, &keys_table)
FLEET_RESULT_CALLBACKS(revoke_result_init, revoke_result_clear)

FLEET_RESULT_ACCESSORS(struct revoke_result)
static const struct fleet_outcome revoke_outcomes[] = {
	[REVOKE_NOT_FOUND] = {"not-found", FLEET_LEVEL_OK, 1},
	[REVOKE_PROVEN] = {"revoked", FLEET_LEVEL_OK, 0},
	[REVOKE_WOULD] = {"would-revoke", FLEET_LEVEL_OK, 2},
	[REVOKE_UNPROVEN] = {"unproven", FLEET_LEVEL_WARN, 3},
	[REVOKE_FAILED] = {"failed", FLEET_LEVEL_FAIL, 4},
	[REVOKE_UNREACHABLE] = {"unreachable", FLEET_LEVEL_FAIL, 5},
};
static const struct fleet_group summary_groups[] = {{"revoked and proven", "revoked", false},
						    {"without the key", "not_found", false},
						    {"would change", "would_revoke", true},
						    {"not proven", "unproven", false},
						    {"failed", "failed", false},
						    {"unreachable", "unreachable", false}};
static const struct fleet_outcomes outcomes = {revoke_outcomes, summary_groups, 6, outcome_of,
					       true};

struct revoke_run {
	struct revoke_options *opt;
};

static void report(const struct target *t, const void *result, void *data)
{
	struct revoke_run *run = data;
	const struct revoke_result *res = result;
	if (run->opt->fleet.json) {
		json_t *o = json_pack("{s:o, s:I, s:I, s:I, s:o, s:o}", "target",
				      report_json_text(t->spec), "lines_removed",
				      (json_int_t)res->n_lines, "files", (json_int_t)res->n_files,
				      "accounts_asked", (json_int_t)res->n_accounts, "changes",
				      report_lines_json(&res->changes), "proof",
				      report_lines_json(&res->proof));
		if (o && res->diff.len)
			json_object_set_new(
				o, "diff",
				report_json_textn((const char *)res->diff.data, res->diff.len));
		if (o && res->diag.text[0])
			json_object_set_new(o, "reason", report_json_text(res->diag.text));
		report_json_line(o);
		return;
	}
	switch (res->outcome) {
	case REVOKE_NOT_FOUND:
		printf("%s: OK: no such key here\n", t->spec);
		break;
	case REVOKE_PROVEN:
		printf("%s: OK: revoked, proven: %u line%s from %u file%s; %u account%s refuse "
		       "it\n",
		       t->spec, res->n_lines, res->n_lines == 1 ? "" : "s", res->n_files,
		       res->n_files == 1 ? "" : "s", res->n_accounts,
		       res->n_accounts == 1 ? "" : "s");
		break;
	case REVOKE_WOULD:
		printf("%s: dry run: would remove %u line%s from %u file%s\n", t->spec,
		       res->n_lines, res->n_lines == 1 ? "" : "s", res->n_files,
		       res->n_files == 1 ? "" : "s");
		break;
	case REVOKE_UNPROVEN:
		printf("%s: WARN: %s\n", t->spec, res->diag.text);
		break;
	case REVOKE_FAILED:
		printf("%s: FAILED: %s\n", t->spec, res->diag.text);
		break;
	case REVOKE_UNREACHABLE:
		printf("%s: UNREACHABLE: %s\n", t->spec, res->diag.text);
		break;
	}
	report_print_details(&res->changes, &res->diff, &res->proof);
}

static int run_revoke(int argc, char **argv)
{
	struct revoke_options o = {0};
	int status;

	fleet_options_init(&o.fleet);
	if ((status = parse_options(argc, argv, &o)) != EXIT_OK ||
	    (status = target_keys_load(&o.fleet, NULL, &keys_table)) != EXIT_OK)
		goto out;
	struct revoke_request req = {.connect = &o.fleet.connect,
				     .password = &o.fleet.password_source,
				     .revoke = (const struct pubkey *const *)o.keys,
				     .n_revoke = o.n_keys,
				     .fingerprints = o.fingerprints,
				     .n_fingerprints = o.n_fingerprints,
				     .comment_glob = o.comment_glob,
				     .all_accounts = o.all_accounts,
				     .for_user = o.for_user,
				     .including_login_key = o.including_login_key,
				     .dry_run = o.fleet.dry_run};
	dynbuf_init(&o.krl_new, KRL_FILE_MAX);
	size_t n_krl_keys;
	if (o.install_krl && krl_build(&o, NULL, 0, &o.krl_new, &n_krl_keys) < 0) {
		cli_error("--krl %s: cannot build the KRL", o.krl_path);
		status = EXIT_FAIL;
		goto out;
	}
	req.install_krl = o.install_krl ? &o.krl_new : NULL;
	struct revoke_run run = {.opt = &o};
	struct fleet_job job = FLEET_JOB(struct revoke_result, report, &req, &run);
	job.keys = &keys_table;
	job.password_login = true;
	job.sudo_password = o.all_accounts || o.for_user || o.install_krl;
	void *results = NULL;
	if (fleet_run(&o.fleet, &job, &results) < 0) {
		fleet_results_free(&o.fleet, &job, results);
		status = EXIT_FAIL;
		goto out;
	}
	int saved =
		o.krl_path && !o.fleet.dry_run ? krl_save(&o, results, o.fleet.targets.n) : EXIT_OK;
	status = fleet_summarize(&o.fleet, &job, results, NULL);
	if (saved != EXIT_OK)
		status = saved;
	fleet_results_free(&o.fleet, &job, results);
out:
	dynbuf_free(&o.krl_new);
	krl_clear(&o.krl);
	if (o.krl_path)
		dynbuf_free(&o.krl_data);
	target_keys_free(&keys_table);
	for (size_t i = 0; i < o.n_keys; i++)
		pubkey_free(o.keys[i]);
	free(o.keys);
	free(o.fingerprints);
	fleet_options_free(&o.fleet);
	return status;
}

const struct command command_revoke = {
	.name = "revoke",
	.summary = "Remove a key from every authorized keys file, proven with the public key "
		   "alone.",
	.usage =
		"sshkeyctl revoke [--comment PATTERN] [--all-accounts | --for-user NAME]\n"
		"                        [--including-login-key] [--dry-run]\n"
		"                        [--krl FILE [--install-krl]] [copy's connection and fleet "
		"options]\n"
		"                        KEY|SHA256:FP... TARGET...",
	.help = "  KEY                     a public key file (every key line in it: a .pub, an\n"
		"                          authorized_keys file), or a private key's path (its "
		".pub)\n"
		"  SHA256:FP               any key with this fingerprint (ssh-keygen -l's form)\n"
		"  --comment PATTERN       any key whose comment matches (shell pattern: "
		"'*@old-laptop')\n"
		"  --all-accounts          every account, through sudo when the login account "
		"is\n"
		"                          not root (as root this is the default)\n"
		"  --for-user NAME         only account NAME's files, as root (directly, or "
		"through\n"
		"                          sudo)\n"
		"  --including-login-key   also remove the key this run logs in with, once "
		"another\n"
		"                          way in (another -i key, or the password) has logged "
		"in\n"
		"  --dry-run               show the diff of each file, change nothing\n"
		"  --krl FILE              also record the keys (and fingerprints) in an OpenSSH "
		"KRL\n"
		"                          (created, or extended: sshd's RevokedKeys, ssh-keygen "
		"-Q)\n"
		"  --install-krl           also put that KRL on each host\n"
		"                          (/etc/ssh/sshkeyctl_revoked_keys, named by "
		"RevokedKeys)\n"
		"                          through harden's transaction: backup, sshd -t, "
		"dead-man,\n"
		"                          reload, proof; root or sudo\n"
		"  -i KEY                  the key that logs in (default ~/.ssh/id_*); not the "
		"key\n"
		"                          revoked\n"
		"\nThe leading arguments that are fingerprints or files (a path with '/', or a "
		"file\n"
		"here) are the keys; the rest are targets. Every file sshd reads for the account "
		"(all\n"
		"AuthorizedKeysFile entries) loses every line holding the key, compared by key "
		"blob\n"
		"(options, comments, certificates aside); every other byte stays; each write is "
		"a\n"
		"compare-and-swap, as copy's. Then a new connection asks the server, as each "
		"account\n"
		"that had the key, whether it still accepts it (a publickey query: no signature,\n"
		"no private key needed): revoked, proven, only when every account refuses it.\n"
		"Exit status 0 revoked and proven (or not there), 5 removed but not proven, 3 "
		"some\n"
		"hosts failed, 1 all failed.\n"
		"Status per host (JSON \"status\"): revoked, not-found, would-revoke (OK); "
		"unproven\n"
		"(warning); failed, unreachable.\n",
	.run = run_revoke,
};
