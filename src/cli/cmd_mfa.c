/* sshkeyctl mfa: a TOTP code after the key (pam_google_authenticator), set up per account
 * without locking anyone out, proven by real logins with the key and a code. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base32.h"
#include "base/error.h"
#include "base/file_io.h"
#include "base/qr_code.h"
#include "cli/commands.h"
#include "cli/fleet_options.h"
#include "cli/harden_main.h"
#include "cli/local_keys.h"
#include "cli/report.h"
#include "cli/terminal_safe.h"
#include "files/otpauth.h"

struct mfa_options {
	struct fleet_options fleet;
	struct mfa_request mfa;
	char **users;
	size_t n_users;
	unsigned confirm_timeout;
	const char *qr_dir;
};

enum {
	OPT_USERS = 256,
	OPT_GROUP,
	OPT_ALL,
	OPT_ENFORCE,
	OPT_QR_DIR,
	OPT_MAX_SKEW,
};

static int handle_option(int c, char *arg, void *data)
{
	struct mfa_options *o = data;
	const struct command *cmd = &command_mfa;
	switch (c) {
	case OPT_USERS:
		return fleet_add_users(cmd, &o->users, &o->n_users, arg);
	case OPT_GROUP:
		o->mfa.group = arg;
		return EXIT_OK;
	case OPT_ALL:
		o->mfa.all = true;
		return EXIT_OK;
	case OPT_ENFORCE:
		o->mfa.enforce = true;
		return EXIT_OK;
	case OPT_QR_DIR:
		o->qr_dir = arg;
		return EXIT_OK;
	case OPT_MAX_SKEW: {
		char *end;
		long v = strtol(arg, &end, 10);
		if (*arg < '0' || *arg > '9' || *end || v < 1 || v > 3600)
			return cli_usage_error(cmd, "--max-skew: seconds from 1 to 3600, not '%s'",
					       arg);
		o->mfa.max_skew = v;
		return EXIT_OK;
	}
	default:
		return harden_transaction_option(cmd, c, arg, &o->fleet, &o->confirm_timeout);
	}
}

static int parse_options(int argc, char **argv, struct mfa_options *o)
{
	static const struct option longopts[] = {
		{"users", required_argument, NULL, OPT_USERS},
		{"group", required_argument, NULL, OPT_GROUP},
		{"all", no_argument, NULL, OPT_ALL},
		{"enforce", no_argument, NULL, OPT_ENFORCE},
		{"qr-dir", required_argument, NULL, OPT_QR_DIR},
		{"max-skew", required_argument, NULL, OPT_MAX_SKEW},
		HARDEN_TRANSACTION_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	const struct command *cmd = &command_mfa;
	if (argc < 2)
		return cli_usage_error(cmd, "say what to do: enable, disable or status");
	if (!strcmp(argv[1], "enable"))
		o->mfa.action = MFA_ENABLE;
	else if (!strcmp(argv[1], "disable"))
		o->mfa.action = MFA_DISABLE;
	else if (!strcmp(argv[1], "status"))
		o->mfa.action = MFA_STATUS;
	else
		return cli_usage_error(cmd, "enable, disable or status, not '%s'", argv[1]);
	const struct fleet_extra_options extra = {"", longopts, handle_option, o};
	int status = fleet_options_parse(&o->fleet, cmd, argc - 1, argv + 1, &extra);
	if (status != EXIT_OK)
		return status;
	o->mfa.users = o->users;
	o->mfa.n_users = o->n_users;
	bool chosen = o->n_users || o->mfa.group || o->mfa.all;
	if (o->mfa.action == MFA_ENABLE && !chosen)
		return cli_usage_error(cmd, "mfa enable: say whose logins need a code: --users "
					    "U1,U2, --group NAME or --all");
	if (o->mfa.all && (o->mfa.group || o->n_users) && o->mfa.action == MFA_ENABLE)
		return cli_usage_error(cmd,
				       "--all takes in every account; --users and --group "
				       "add nothing to it (--users names whose secrets to write: "
				       "not with --all)");
	if (o->mfa.group && o->n_users && o->mfa.action == MFA_ENABLE)
		return cli_usage_error(cmd, "--users or --group, not both (one Match block, one "
					    "kind of criteria)");
	if (o->mfa.action != MFA_ENABLE && (o->mfa.enforce || o->qr_dir))
		return cli_usage_error(cmd, "--enforce and --qr-dir are for mfa enable");
	if (o->mfa.action == MFA_STATUS && o->fleet.dry_run)
		return cli_usage_error(cmd, "mfa status changes nothing; --dry-run is not needed");
	return fleet_options_finish(&o->fleet, cmd, argc - 1, argv + 1);
}

/* "alice@web1" into a file name: anything but letters, digits, '.', '-', '_', '@' is '_' */
static void file_name_of(const char *label, char *buf, size_t len)
{
	snprintf(buf, len, "%s", label);
	for (char *c = buf; *c; c++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_@",
			    *c))
			*c = '_';
}

/* --qr-dir: LABEL.png and LABEL.svg, 0600, never over an existing file. */
static int write_qr_files(const char *dir, const char *label, const struct qr_code *q,
			  struct diag *d)
{
	static const char *const ext[] = {"png", "svg"};
	char name[400], path[4200];
	struct dynbuf out;
	int r = 0;
	file_name_of(label, name, sizeof(name));
	dynbuf_init(&out, 4 * 1024 * 1024);
	for (size_t i = 0; r == 0 && i < 2; i++) {
		dynbuf_reset(&out);
		snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext[i]);
		r = i == 0 ? qr_code_png(q, 8, &out) : qr_code_svg(q, &out);
		if (r == 0)
			r = write_file_atomic(path, out.data, out.len, 0600,
					      ATOMIC_FILE_NO_REPLACE);
		if (r < 0)
			diag_set(d, "%s: %s", path, error_to_string(r));
		else
			printf("    written: %s\n", path);
	}
	dynbuf_free(&out);
	return r;
}

static const char *qr_dir_option;
static enum mfa_action action_shown;
static bool qr_failed;

static int secret_uri(const struct mfa_secret_shown *s, struct dynbuf *uri)
{
	const char *host = strchr(s->label, '@');
	return otpauth_uri(s->label, host ? host + 1 : s->label, s->secret, MFA_SECRET_BYTES, 0,
			   uri);
}

/* Each new secret, once: the otpauth:// URI, its QR code, the scratch codes. */
static void show_secrets(const struct harden_result *res)
{
	struct dynbuf uri, text, b32;
	dynbuf_init(&uri, 4096);
	dynbuf_init(&text, 1024 * 1024);
	dynbuf_init(&b32, 256);
	for (size_t i = 0; i < res->n_secrets; i++) {
		const struct mfa_secret_shown *s = &res->secrets[i];
		struct qr_code q = {0};
		struct diag d = {{0}};
		dynbuf_reset(&uri);
		dynbuf_reset(&text);
		dynbuf_reset(&b32);
		if (secret_uri(s, &uri) < 0 || dynbuf_append(&uri, "", 1) < 0 ||
		    base32_encode(&b32, s->secret, MFA_SECRET_BYTES) < 0 ||
		    dynbuf_append(&b32, "", 1) < 0) {
			printf("  %s: cannot show the secret (out of memory)\n", s->account);
			continue;
		}
		printf("  new secret for %s (shown once: scan it into an authenticator app now)\n",
		       s->label);
		printf("    key: %s\n    uri: %s\n", (const char *)b32.data,
		       (const char *)uri.data);
		if (qr_code_make((const char *)uri.data, &q) == 0 &&
		    qr_code_terminal(&q, &text) == 0 && dynbuf_append(&text, "", 1) == 0)
			fputs((const char *)text.data, stdout);
		printf("    emergency scratch codes (each works once):");
		for (size_t k = 0; k < MFA_SCRATCH_CODES; k++)
			printf(" %08lu", s->scratch[k]);
		printf("\n");
		if (qr_dir_option && q.dark &&
		    write_qr_files(qr_dir_option, s->label, &q, &d) < 0) {
			printf("    not written: %s\n", d.text);
			qr_failed = true;
		}
		qr_code_free(&q);
	}
	dynbuf_free(&uri);
	dynbuf_free(&text);
	dynbuf_free(&b32);
}

static json_t *secrets_json(const struct harden_result *res)
{
	json_t *a = json_array();
	struct dynbuf uri;
	dynbuf_init(&uri, 4096);
	for (size_t i = 0; a && i < res->n_secrets; i++) {
		const struct mfa_secret_shown *s = &res->secrets[i];
		json_t *codes = json_array();
		dynbuf_reset(&uri);
		for (size_t k = 0; k < MFA_SCRATCH_CODES; k++) {
			char c[16];
			snprintf(c, sizeof(c), "%08lu", s->scratch[k]);
			json_array_append_new(codes, json_string(c));
		}
		json_t *o = json_pack("{s:o, s:o, s:o}", "account", report_json_text(s->account),
				      "label", report_json_text(s->label), "scratch_codes", codes);
		if (o && secret_uri(s, &uri) == 0)
			json_object_set_new(o, "uri",
					    report_json_textn((const char *)uri.data, uri.len));
		json_array_append_new(a, o);
	}
	dynbuf_free(&uri);
	return a;
}

static const char *headline(const struct harden_result *res)
{
	switch (res->outcome) {
	case HARDEN_DONE:
		return "mfa on, proven";
	case HARDEN_ALREADY:
		return action_shown == MFA_STATUS    ? "status"
		       : action_shown == MFA_DISABLE ? "mfa is not set up here; key login proven"
						     : "mfa already set up, proven";
	case HARDEN_UNDONE:
		return "mfa off, proven";
	case HARDEN_WOULD:
		return "would change";
	case HARDEN_WARN:
		return "done with warnings";
	case HARDEN_REFUSED:
		return "refused";
	case HARDEN_ROLLED_BACK:
		return "rolled back";
	default:
		return "failed";
	}
}

static void report(const char *spec, const struct harden_result *res, bool json,
		   struct report_shared *shared)
{
	/* new secrets are shown once, whatever -q hides: nobody could see them later */
	if (res->n_secrets)
		terminal_safe_mute_stdout(false);
	if (json) {
		json_t *o = harden_report_json(spec, res);
		if (o && res->n_secrets)
			json_object_set_new(o, "secrets", secrets_json(res));
		if (o && action_shown != MFA_DISABLE && res->outcome != HARDEN_REFUSED)
			json_object_set_new(o, "clock_skew", json_integer(res->clock_skew));
		report_json_line(o);
	} else {
		harden_report_text(spec, headline(res), res, shared);
		show_secrets(res);
	}
	fflush(stdout);
}

static int run_mfa(int argc, char **argv)
{
	struct mfa_options o = {.confirm_timeout = HARDEN_DEFAULT_CONFIRM_TIMEOUT};
	struct target_keys keys = {0};
	int status;
	fleet_options_init(&o.fleet);
	if ((status = parse_options(argc, argv, &o)) != EXIT_OK)
		goto out;
	if ((status = target_keys_load(&o.fleet, NULL, &keys)) != EXIT_OK)
		goto out;
	qr_dir_option = o.qr_dir;
	action_shown = o.mfa.action;
	struct harden_request req = {.connect = &o.fleet.connect,
				     .root_login = HARDEN_ROOT_KEEP,
				     .dry_run = o.fleet.dry_run,
				     .confirm_timeout = o.confirm_timeout,
				     .password = &o.fleet.password_source,
				     .mfa = &o.mfa,
				     .fault = cli_test_fault()};
	status = harden_fleet_reported(&o.fleet, &req, NULL, &keys, report);
	if (qr_failed && status == EXIT_OK)
		status = EXIT_WARN;
out:
	target_keys_free(&keys);
	free(o.users);
	fleet_options_free(&o.fleet);
	return status;
}

const struct command command_mfa = {
	.name = "mfa",
	.summary = "A TOTP code after the key (PAM), per account, proven by real logins.",
	.usage = "sshkeyctl mfa enable|disable|status [--users U1,U2] [--group NAME] [--all]\n"
		 "                        [--enforce] [--qr-dir DIR] [--max-skew SECONDS]\n"
		 "                        [--confirm-timeout SECONDS] [--sudo-password-file FILE]\n"
		 "                        [--dry-run] [copy's connection and fleet options] "
		 "TARGET...",
	.help = "  --users U1,U2           the accounts whose logins need a code (a secret is\n"
		"                          written for each that has none)\n"
		"  --group NAME            the accounts of a group (Match Group; not with "
		"--users)\n"
		"  --all                   every account (secrets for the login account only)\n"
		"  --enforce               an account without a secret can no longer log in\n"
		"                          (default: its key alone still lets it in, nullok)\n"
		"  --qr-dir DIR            also write each QR code as DIR/ACCOUNT@HOST.png and "
		".svg\n"
		"                          (0600, never over an existing file)\n"
		"  --max-skew SECONDS      refuse a server whose clock differs more (default 30)\n"
		"  --confirm-timeout, --sudo-password-file, --dry-run: as for harden\n"
		"\nenable: on an OpenSSH server where password login is already off (harden),\n"
		"with PAM and libpam-google-authenticator: writes each account's\n"
		"~/.google_authenticator as the account itself (0400, a 160-bit secret from the\n"
		"kernel, the format of google-authenticator -t -d -f -r 3 -R 30 -w 3; an existing\n"
		"one is kept), has sshd's PAM stack ask the code instead of the password, and "
		"adds\n"
		"a Match block (KbdInteractiveAuthentication yes, AuthenticationMethods\n"
		"publickey,keyboard-interactive) for those accounts alone, through harden's\n"
		"transaction: backup, sshd -t, dead-man, reload, then proofs from new connections\n"
		"(the key alone is not enough; the key and a code computed here log in; no\n"
		"password is offered; the login account, outside the rollout, logs in as before).\n"
		"Any failure restores the files and removes the new secrets. Each new secret is\n"
		"shown once: its otpauth:// URI, a QR code, five scratch codes.\n"
		"disable: the PAM stack and sshd_config back as they were (the secrets are kept);\n"
		"with --users, those accounts out of the Match User block (the others keep it).\n"
		"status: what sshd requires of the login account and each one named, the secrets'\n"
		"state, what the PAM stack asks, the server's clock against ours.\n"
		"A later enable --users adds accounts to the block, never takes any out.\n"
		"Exit status 0 done, 5 done with warnings, 3 some hosts not done, 1 none done.\n"
		"Status per host (JSON \"status\"): done, already, undone, would-change (OK);\n"
		"refused, rolled-back, failed. JSON adds \"secrets\" (account, label, uri,\n"
		"scratch_codes) and \"clock_skew\".\n",
	.run = run_mfa,
};
