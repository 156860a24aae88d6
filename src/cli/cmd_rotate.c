/* sshkeyctl rotate: a new key on every server, proven, before the old one goes; resumable
 * from KEY.rotate.json; then the local swap and ssh-agent. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "base/file_io.h"
#include "base/number.h"
#include "base/time_text.h"
#include "base/user_info.h"
#include "cli/commands.h"
#include "cli/fleet_options.h"
#include "cli/fleet_run.h"
#include "cli/key_output.h"
#include "cli/local_keys.h"
#include "cli/passphrase.h"
#include "cli/report.h"
#include "files/public_key_file.h"
#include "files/rotate_state.h"
#include "keys/fingerprint.h"
#include "keys/key_file.h"
#include "keys/keygen.h"
#include "keys/openssh_key_v1.h"
#include "ops/rotate.h"
#include "ops/rotate_local.h"

enum {
	OPT_PASSPHRASE_FILE = 256,
	OPT_NO_PASSPHRASE,
	OPT_KEEP_OLD,
	OPT_FINISH,
	OPT_STATUS,
	OPT_REMOVE_OLD,
	OPT_AGENT_LIFETIME,
};

struct rotate_options {
	struct fleet_options fleet;
	const char *key_type; /* -t (NULL: the old key's) */
	unsigned bits;
	const char *comment;
	struct passphrase_source passphrase;
	bool keep_old, finish, status, remove_old;
	unsigned long agent_lifetime;
	/* the run's */
	char *key;        /* the old key's path, absolute */
	char *new_path;   /* KEY.new */
	char *state_path; /* KEY.rotate.json */
	struct rotate_state state;
	bool have_state; /* a rotation in progress (read from the file, or begun now) */
	struct local_key old, new_key;
	bool swap_cut_short; /* KEY is the new key already: only the swap is left */
	bool state_failed;   /* the state file could not be written: said once */
};

static int handle_option(int c, char *arg, void *data)
{
	struct rotate_options *o = data;
	switch (c) {
	case 't':
		if (!(o->key_type = keygen_canonical_type(arg)))
			return cli_usage_error(&command_rotate,
					       "unknown key type '%s' (ed25519, rsa or ecdsa)",
					       arg);
		return EXIT_OK;
	case 'b':
		if (parse_unsigned_option(arg, 1, 1u << 20, &o->bits) < 0)
			return cli_usage_error(&command_rotate, "invalid number of bits '%s'", arg);
		return EXIT_OK;
	case 'C':
		o->comment = arg;
		return EXIT_OK;
	case OPT_PASSPHRASE_FILE:
		o->passphrase.file = arg;
		return EXIT_OK;
	case OPT_NO_PASSPHRASE:
		o->passphrase.none = true;
		return EXIT_OK;
	case OPT_KEEP_OLD:
		o->keep_old = true;
		return EXIT_OK;
	case OPT_FINISH:
		o->finish = true;
		return EXIT_OK;
	case OPT_STATUS:
		o->status = true;
		return EXIT_OK;
	case OPT_REMOVE_OLD:
		o->remove_old = true;
		return EXIT_OK;
	case OPT_AGENT_LIFETIME:
		if (duration_parse(arg, UINT32_MAX, &o->agent_lifetime) < 0 || !o->agent_lifetime)
			return cli_usage_error(&command_rotate,
					       "--agent-lifetime %s: not a time span (600, 10m, "
					       "1h30m, as ssh-add -t takes it)",
					       arg);
		return EXIT_OK;
	default:
		return FLEET_OPTION_UNKNOWN;
	}
}

/* The key rotated: -i KEY (one), else OpenSSH's first default identity; absolute, so
 * that the state file names it wherever the next run starts. */
static int resolve_key(struct rotate_options *o)
{
	char *path = NULL;
	if (o->fleet.n_key_files > 1)
		return cli_usage_error(&command_rotate, "rotate takes one key (-i KEY)");
	if (o->fleet.n_key_files) {
		path = strdup(o->fleet.key_files[0]);
		size_t n = path ? strlen(path) : 0;
		if (n > 4 && !strcmp(path + n - 4, ".pub"))
			path[n - 4] = 0; /* the pair is named by its private half */
	} else if (user_default_identity(false, &path) < 0) {
		cli_error("no key to rotate: none of ~/.ssh/id_ed25519, id_ecdsa, id_rsa exists "
			  "(-i KEY names one)");
		return EXIT_FAIL;
	}
	if (!path)
		return EXIT_FAIL;
	char *slash = strrchr(path, '/'), dir[PATH_MAX];
	const char *name = slash ? slash + 1 : path;
	if (slash)
		*slash = 0;
	if (!realpath(slash ? (path[0] ? path : "/") : ".", dir)) {
		cli_error("%s: %s", o->fleet.n_key_files ? o->fleet.key_files[0] : name,
			  strerror(errno));
		free(path);
		return EXIT_FAIL;
	}
	int n = asprintf(&o->key, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", name);
	free(path);
	if (n < 0 || rotate_local_new_path(o->key, &o->new_path) < 0 ||
	    rotate_local_state_path(o->key, &o->state_path) < 0)
		return EXIT_FAIL;
	/* the state file says where each host stands: it must be able to name the key */
	json_t *named = json_string(o->key);
	json_decref(named);
	if (!named) {
		cli_error("%s: the path is not UTF-8; rotate's state file could not name it",
			  o->key);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* KEY.rotate.json, when there is one; a file that is not a rotation of this key (edited,
 * cut short, moved) is an error, and nothing is changed. */
static int load_state(struct rotate_options *o)
{
	struct dynbuf b;
	struct diag d = {{0}};
	dynbuf_init(&b, ROTATE_STATE_FILE_MAX);
	int r = read_file(o->state_path, READ_FILE_REGULAR | READ_FILE_NOFOLLOW, &b);
	if (r == -ENOENT) {
		dynbuf_free(&b);
		return EXIT_OK;
	}
	if (r == 0)
		r = rotate_state_parse(b.len ? (const char *)b.data : "", b.len, o->state_path,
				       &o->state, &d);
	dynbuf_free(&b);
	if (r < 0) {
		if (d.text[0])
			cli_error("%s; nothing changed (fix or remove the file)", d.text);
		else
			cli_error("%s: %s", o->state_path,
				  r == -ELOOP ? "a symbolic link; refusing it"
					      : error_to_string(r));
		return EXIT_FAIL;
	}
	if (strcmp(o->state.key, o->key) != 0) {
		cli_error("%s is the rotation of %s, not of %s; nothing changed", o->state_path,
			  o->state.key, o->key);
		rotate_state_clear(&o->state);
		return EXIT_FAIL;
	}
	o->have_state = !o->state.finished;
	return EXIT_OK;
}

static int save_state(struct rotate_options *o)
{
	struct dynbuf b;
	dynbuf_init(&b, ROTATE_STATE_FILE_MAX);
	int r = rotate_state_format(&o->state, &b);
	if (r == 0)
		r = write_file_atomic(o->state_path, b.data, b.len, 0600, 0);
	dynbuf_free(&b);
	if (r < 0 && !o->state_failed) {
		cli_error("%s: cannot write the rotation state: %s", o->state_path,
			  r >= -4096 ? strerror(-r) : error_to_string(r));
		o->state_failed = true;
	}
	return r;
}

static int sha256_of(const struct pubkey *key, char **ret)
{
	char fp[FINGERPRINT_SHA256_TEXT_MAX];
	int r = fingerprint_sha256_text(key, fp, sizeof(fp));
	if (r == 0 && !(*ret = strdup(fp)))
		r = -ENOMEM;
	return r;
}

/* The old key, its private half opened (or held by ssh-agent) to log in with. */
static int load_old_key(struct rotate_options *o, const char *passphrase)
{
	int r = local_key_load(o->key, passphrase, &o->old);
	if (r < 0 || !o->old.pub) {
		cli_error("%s: %s", o->key, r < 0 ? error_to_string(r) : "no key there");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* The new pair, made now: the old key's type and size unless -t/-b, its comment unless
 * -C, a passphrase asked twice (or --passphrase-file, --no-passphrase); KEY.new, never
 * over an existing file. A dry run keeps it in memory only. */
static int make_new_key(struct rotate_options *o, char **ret_passphrase)
{
	const char *type =
		o->key_type ? o->key_type : keygen_canonical_type(o->old.pub->type->name);
	unsigned bits = o->bits ? o->bits
				: (o->key_type ? 0 : keygen_effective_bits(type, o->old.pub->bits));
	char *default_comment = NULL, *passphrase = NULL;
	struct privkey *key = NULL;
	struct stat st;
	int status = EXIT_FAIL, r;
	if (!type) {
		cli_error("%s is a %s key: sshkeyctl makes ed25519, rsa or ecdsa keys (-t TYPE)",
			  o->key, o->old.pub->type->name);
		return EXIT_FAIL;
	}
	if (!o->key_type && !strcmp(type, "rsa") && bits < KEYGEN_RSA_DEFAULT_BITS)
		bits = KEYGEN_RSA_DEFAULT_BITS; /* a rotation never makes a weaker key */
	if ((status = cli_key_bits_check(type, bits)) != EXIT_OK)
		return status;
	status = EXIT_FAIL;
	if (!o->fleet.dry_run && lstat(o->new_path, &st) == 0) {
		cli_error("%s exists, but no rotation is recorded in %s: move it away first",
			  o->new_path, o->state_path);
		return EXIT_FAIL;
	}
	const char *comment = o->comment ? o->comment : o->old.comment;
	if (!comment && user_default_comment(&default_comment) == 0)
		comment = default_comment;
	if (!o->fleet.dry_run &&
	    (r = passphrase_for_new_key(&o->passphrase,
					"Enter passphrase for the new key (empty for no "
					"passphrase): ",
					&passphrase)) < 0) {
		cli_error(r == -ENXIO ? "no terminal to ask for the new key's passphrase: use "
					"--passphrase-file FILE or --no-passphrase"
				      : "cannot read the passphrase: %s",
			  error_to_string(r));
		status = EXIT_PASSPHRASE;
		goto out;
	}
	if ((r = keygen_generate(type, bits, comment ? comment : "", &key)) < 0) {
		cli_error("key generation failed: %s", error_to_string(r));
		goto out;
	}
	if (!o->fleet.dry_run && (r = key_pair_save(o->new_path, key, passphrase,
						    OPENSSH_KEY_V1_DEFAULT_ROUNDS, 0)) < 0) {
		cli_error("saving %s failed: %s", o->new_path, error_to_string(r));
		goto out;
	}
	o->new_key.priv = key;
	key = NULL;
	if ((r = pubkey_from_blob(o->new_key.priv->pub->blob, o->new_key.priv->pub->blob_len,
				  &o->new_key.pub)) < 0 ||
	    !(o->new_key.path = strdup(o->new_path)) ||
	    (comment && !(o->new_key.comment = strdup(comment))))
		goto out;
	status = EXIT_OK;
	*ret_passphrase = passphrase;
	passphrase = NULL;
out:
	privkey_free(key);
	secret_string_free(passphrase);
	free(default_comment);
	return status;
}

/* A rotation begun now: recorded before any host is touched. */
static int begin_state(struct rotate_options *o)
{
	char now[32];
	rotate_state_clear(&o->state);
	time_text_iso((long long)time(NULL), now);
	struct rotate_state *s = &o->state;
	s->keep_old = o->keep_old;
	if (!(s->key = strdup(o->key)) || !(s->new_key = strdup(o->new_path)) ||
	    !(s->started = strdup(now)) || sha256_of(o->old.pub, &s->old_fingerprint) < 0 ||
	    sha256_of(o->new_key.pub, &s->new_fingerprint) < 0)
		return EXIT_FAIL;
	o->have_state = true;
	return EXIT_OK;
}

/* A rotation in progress: the keys must be the ones it recorded. KEY holds the old key,
 * or already the new one when the local swap was cut short (then only the swap is left). */
static int resume_keys(struct rotate_options *o, const char *passphrase)
{
	char *fp = NULL;
	struct local_key at_key = {0};
	int status = EXIT_FAIL;
	if (o->key_type || o->bits || o->comment)
		fprintf(stderr,
			"sshkeyctl: a rotation of %s is in progress (begun %s): its new "
			"key is made; -t, -b and -C are not used\n",
			o->key, o->state.started);
	if (local_key_load(o->key, passphrase, &at_key) < 0 || !at_key.pub ||
	    sha256_of(at_key.pub, &fp) < 0) {
		cli_error("%s: cannot be read; nothing changed", o->key);
		goto out;
	}
	if (!strcmp(fp, o->state.new_fingerprint)) {
		/* the swap began: the hosts were all done */
		o->new_key = at_key;
		at_key = (struct local_key){0};
		o->swap_cut_short = true;
	} else if (!strcmp(fp, o->state.old_fingerprint)) {
		o->old = at_key;
		at_key = (struct local_key){0};
		free(fp);
		fp = NULL;
		if (local_key_load(o->new_path, passphrase, &o->new_key) < 0 || !o->new_key.pub ||
		    sha256_of(o->new_key.pub, &fp) < 0) {
			cli_error("%s: the new key of the rotation in progress cannot be read",
				  o->new_path);
			goto out;
		}
		if (strcmp(fp, o->state.new_fingerprint) != 0) {
			cli_error("%s is not the new key %s recorded (%s); nothing changed",
				  o->new_path, o->state_path, o->state.new_fingerprint);
			goto out;
		}
	} else {
		cli_error("%s is neither the old key %s recorded (%s) nor the new one; nothing "
			  "changed",
			  o->key, o->state_path, o->state.old_fingerprint);
		goto out;
	}
	if (!o->new_key.priv) {
		cli_error("%s: %s; the new key must sign to prove it logs in", o->new_key.path,
			  o->new_key.no_proof ? o->new_key.no_proof : "cannot be opened");
		status = EXIT_PASSPHRASE;
		goto out;
	}
	status = EXIT_OK;
out:
	local_key_clear(&at_key);
	free(fp);
	return status;
}

static int parse_options(int argc, char **argv, struct rotate_options *o)
{
	static const struct option longopts[] = {
		{"type", required_argument, NULL, 't'},
		{"bits", required_argument, NULL, 'b'},
		{"comment", required_argument, NULL, 'C'},
		{"passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE},
		{"no-passphrase", no_argument, NULL, OPT_NO_PASSPHRASE},
		{"keep-old", no_argument, NULL, OPT_KEEP_OLD},
		{"finish", no_argument, NULL, OPT_FINISH},
		{"status", no_argument, NULL, OPT_STATUS},
		{"remove-old", no_argument, NULL, OPT_REMOVE_OLD},
		{"agent-lifetime", required_argument, NULL, OPT_AGENT_LIFETIME},
		{NULL, 0, NULL, 0},
	};
	const struct fleet_extra_options extra = {"t:b:C:", longopts, handle_option, o};
	int status = fleet_options_parse(&o->fleet, &command_rotate, argc, argv, &extra);
	if (status != EXIT_OK)
		return status;
	if (o->passphrase.file && o->passphrase.none)
		return cli_usage_error(&command_rotate,
				       "give only one of --passphrase-file and --no-passphrase");
	if (o->finish && o->keep_old)
		return cli_usage_error(&command_rotate,
				       "--keep-old begins a rotation that --finish ends: give one");
	return resolve_key(o);
}

/* The targets: those given, else the hosts of the rotation in progress that are not done
 * (a rerun, --finish). None left: only the local swap is. */
static int choose_targets(struct rotate_options *o, int argc, char **argv)
{
	const char *reason;
	for (size_t i = 0; optind == argc && o->have_state && i < o->state.n_hosts; i++) {
		const struct rotate_state_host *h = &o->state.hosts[i];
		if (h->state == ROTATE_HOST_DONE || h->state == ROTATE_HOST_UNPROVEN)
			continue;
		if (target_list_add(&o->fleet.targets, h->target, &reason) < 0) {
			cli_error("%s: %s: %s", o->state_path, h->target, reason);
			return EXIT_FAIL;
		}
	}
	if (optind == argc && o->have_state && o->fleet.targets.n == 0)
		return EXIT_OK;
	int status = fleet_options_finish(&o->fleet, &command_rotate, argc, argv);
	if (status != EXIT_OK || !o->have_state)
		return status;
	/* a host given again that is done already is not worked on again */
	struct target_list *l = &o->fleet.targets;
	size_t kept = 0, skipped = 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct rotate_state_host *h =
			rotate_state_host(&o->state, l->items[i].spec, false);
		if (h && (h->state == ROTATE_HOST_DONE || h->state == ROTATE_HOST_UNPROVEN)) {
			target_clear(&l->items[i]);
			skipped++;
			continue;
		}
		l->items[kept++] = l->items[i];
	}
	l->n = kept;
	if (skipped && !o->fleet.json)
		printf("%zu host%s done earlier in this rotation (rotate --status lists them)\n",
		       skipped, skipped == 1 ? "" : "s");
	return EXIT_OK;
}

struct rotate_job {
	struct rotate_request req;
	struct local_key keys[2]; /* old, new: the preflight's view */
};

FLEET_WORK(rotate_host)
FLEET_RESULT_CALLBACKS(rotate_result_init, rotate_result_clear)

FLEET_RESULT_ACCESSORS(struct rotate_result)
static const struct fleet_outcome rotate_outcomes[] = {
	[ROTATE_DONE] = {"rotated", FLEET_LEVEL_OK, 0},
	[ROTATE_INSTALLED] = {"installed", FLEET_LEVEL_OK, 1},
	[ROTATE_WOULD] = {"would-rotate", FLEET_LEVEL_OK, 2},
	[ROTATE_UNPROVEN] = {"unproven", FLEET_LEVEL_WARN, 3},
	[ROTATE_FAILED] = {"failed", FLEET_LEVEL_FAIL, 4},
	[ROTATE_UNREACHABLE] = {"unreachable", FLEET_LEVEL_FAIL, 5},
	[ROTATE_OLD_ELSEWHERE] = {"rotated-old-key-elsewhere", FLEET_LEVEL_WARN, 6},
};
static const struct fleet_group summary_groups[] = {
	{"rotated and proven", "rotated", false},
	{"new key installed (old kept)", "installed", true},
	{"would change", "would_rotate", true},
	{"old key not proven refused", "unproven", false},
	{"failed (old key kept)", "failed", false},
	{"unreachable", "unreachable", false},
	{"old key still in other accounts", "old_key_elsewhere", true}};
static const struct fleet_outcomes outcomes = {rotate_outcomes, summary_groups, 7, outcome_of,
					       true};

/* The state file follows each host as it is reported. */
static void record(struct rotate_options *o, const struct target *t,
		   const struct rotate_result *res)
{
	if (o->fleet.dry_run || !o->have_state)
		return;
	struct rotate_state_host *h = rotate_state_host(&o->state, t->spec, true);
	if (!h)
		return;
	enum rotate_host_state state = res->state_known ? res->state : h->state;
	bool failed = res->outcome == ROTATE_FAILED || res->outcome == ROTATE_UNREACHABLE;
	if (rotate_state_set(h, state, failed ? res->diag.text : NULL) == 0)
		save_state(o);
}

static void report(const struct target *t, const void *result, void *data)
{
	struct rotate_options *o = data;
	const struct rotate_result *res = result;
	record(o, t, res);
	if (o->fleet.json) {
		json_t *j = json_pack(
			"{s:o, s:s, s:I, s:I, s:o, s:o}", "target", report_json_text(t->spec),
			"state", rotate_host_state_name(res->state), "lines_added",
			(json_int_t)res->lines_added, "lines_removed",
			(json_int_t)res->lines_removed, "changes", report_lines_json(&res->changes),
			"proof", report_lines_json(&res->proof));
		if (j && res->diff.len)
			json_object_set_new(
				j, "diff",
				report_json_textn((const char *)res->diff.data, res->diff.len));
		if (j && res->diag.text[0])
			json_object_set_new(j, "reason", report_json_text(res->diag.text));
		report_json_line(j);
		return;
	}
	switch (res->outcome) {
	case ROTATE_DONE:
		printf("%s: OK: rotated, proven: the new key logs in, the old key is refused\n",
		       t->spec);
		break;
	case ROTATE_INSTALLED:
		printf("%s: OK: the new key logs in (proven); the old key stays until rotate "
		       "--finish\n",
		       t->spec);
		break;
	case ROTATE_WOULD:
		printf("%s: dry run: would rotate\n", t->spec);
		break;
	case ROTATE_UNPROVEN:
	case ROTATE_OLD_ELSEWHERE:
		printf("%s: WARN: %s\n", t->spec, res->diag.text);
		break;
	case ROTATE_FAILED:
		printf("%s: FAILED: %s\n", t->spec, res->diag.text);
		break;
	case ROTATE_UNREACHABLE:
		printf("%s: UNREACHABLE: %s (the old key stays)\n", t->spec, res->diag.text);
		break;
	}
	report_print_details(&res->changes, &res->diff, &res->proof);
}

/* rotate --status: where each host stands. */
static int print_status(struct rotate_options *o)
{
	const struct rotate_state *s = &o->state;
	if (!s->key) {
		if (o->fleet.json)
			report_json_line(json_pack("{s:o, s:b}", "key", report_json_text(o->key),
						   "rotation", 0));
		else
			printf("%s: no rotation recorded (%s does not exist)\n", o->key,
			       o->state_path);
		return EXIT_OK;
	}
	size_t counts[ROTATE_HOST_STATES] = {0};
	for (size_t i = 0; i < s->n_hosts; i++)
		counts[s->hosts[i].state]++;
	if (o->fleet.json) {
		for (size_t i = 0; i < s->n_hosts; i++) {
			const struct rotate_state_host *h = &s->hosts[i];
			json_t *j = json_pack("{s:o, s:s}", "target", report_json_text(h->target),
					      "state", rotate_host_state_name(h->state));
			if (j && h->updated)
				json_object_set_new(j, "updated", json_string(h->updated));
			if (j && h->reason)
				json_object_set_new(j, "reason", report_json_text(h->reason));
			report_json_line(j);
		}
		json_t *sum = json_pack("{s:o, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I}", "key",
					report_json_text(s->key), "old_fingerprint",
					s->old_fingerprint, "new_fingerprint", s->new_fingerprint,
					"started", s->started, "keep_old", s->keep_old, "pending",
					(json_int_t)counts[ROTATE_HOST_PENDING], "installed",
					(json_int_t)counts[ROTATE_HOST_INSTALLED], "done",
					(json_int_t)counts[ROTATE_HOST_DONE], "unproven",
					(json_int_t)counts[ROTATE_HOST_UNPROVEN]);
		if (sum && s->finished)
			json_object_set_new(sum, "finished", json_string(s->finished));
		if (sum && s->retired)
			json_object_set_new(sum, "retired", report_json_text(s->retired));
		report_json_line(json_pack("{s:o}", "rotation", sum));
		return EXIT_OK;
	}
	printf("rotation of %s, begun %s%s\n  old key %s\n  new key %s\n", s->key, s->started,
	       s->keep_old ? " (--keep-old)" : "", s->old_fingerprint, s->new_fingerprint);
	for (size_t i = 0; i < s->n_hosts; i++) {
		const struct rotate_state_host *h = &s->hosts[i];
		printf("%s: %s%s%s%s\n", h->target, rotate_host_state_name(h->state),
		       h->updated ? " (" : "", h->updated ? h->updated : "", h->updated ? ")" : "");
		if (h->reason)
			printf("  last attempt failed: %s\n", h->reason);
	}
	printf("%zu host%s: %zu done, %zu installed (old key still there), %zu pending, %zu "
	       "unproven\n",
	       s->n_hosts, s->n_hosts == 1 ? "" : "s", counts[ROTATE_HOST_DONE],
	       counts[ROTATE_HOST_INSTALLED], counts[ROTATE_HOST_PENDING],
	       counts[ROTATE_HOST_UNPROVEN]);
	if (s->finished)
		printf("finished %s: %s is the new key%s%s\n", s->finished, s->key,
		       s->retired ? "; the old pair is " : "; the old pair was removed",
		       s->retired ? s->retired : "");
	return EXIT_OK;
}

/* Every host done: the new pair takes the old one's names; ssh-agent follows. */
static int finish_locally(struct rotate_options *o)
{
	struct rotate_state *s = &o->state;
	for (size_t i = 0; i < s->n_hosts; i++)
		if (s->hosts[i].state != ROTATE_HOST_DONE &&
		    s->hosts[i].state != ROTATE_HOST_UNPROVEN) {
			size_t left = 0;
			for (size_t j = 0; j < s->n_hosts; j++)
				left += s->hosts[j].state != ROTATE_HOST_DONE &&
					s->hosts[j].state != ROTATE_HOST_UNPROVEN;
			if (!o->fleet.json)
				printf("%s stays the old key: %zu host%s still to do (rotate -i %s "
				       "finishes them%s; rotate --status lists them); the hosts "
				       "done take the new key, %s\n",
				       o->key, left, left == 1 ? "" : "s", o->key,
				       s->keep_old ? " with --finish" : "", o->new_path);
			return EXIT_OK;
		}
	/* where the old pair goes, recorded before the first rename */
	if (!o->remove_old && !s->retired && rotate_local_retired_path(o->key, &s->retired) < 0)
		return EXIT_FAIL;
	if (save_state(o) < 0)
		return EXIT_FAIL;
	struct dynbuf moved;
	struct diag d = {{0}};
	dynbuf_init(&moved, 64 * 1024);
	int r = rotate_local_swap(o->key, s->retired, s->old_fingerprint, o->new_key.pub,
				  cli_test_fault(), &moved, &d);
	dynbuf_free(&moved);
	if (r < 0) {
		cli_error("%s; the hosts are done: run rotate -i %s again to finish", d.text,
			  o->key);
		return EXIT_FAIL;
	}
	/* ssh-agent: the new key in, then the old one out */
	bool swapped = false;
	const char *comment = o->new_key.priv->comment[0] ? o->new_key.priv->comment : o->key;
	struct pubkey *old = NULL;
	char *old_comment = NULL, *retired_pub = NULL;
	/* a swap cut short: the old key is known by its retired .pub, if kept */
	if (!o->old.pub && s->retired && asprintf(&retired_pub, "%s.pub", s->retired) > 0)
		public_key_file_read(retired_pub, &old, &old_comment);
	int ar = o->old.pub || old
			 ? rotate_local_agent_swap(o->old.pub ? o->old.pub : old, o->new_key.priv,
						   comment, (uint32_t)o->agent_lifetime, &swapped)
			 : 0;
	pubkey_free(old);
	free(old_comment);
	free(retired_pub);
	char now[32];
	time_text_iso((long long)time(NULL), now);
	free(s->finished);
	s->finished = strdup(now);
	save_state(o);
	if (o->fleet.json) {
		json_t *j = json_pack("{s:o, s:s, s:o, s:b}", "key", report_json_text(o->key),
				      "new_fingerprint", s->new_fingerprint, "retired",
				      s->retired ? report_json_text(s->retired) : json_null(),
				      "agent_swapped", swapped);
		report_json_line(json_pack("{s:o}", "rotation", j));
	} else {
		printf("every host done: %s is now the new key (%s)", o->key, s->new_fingerprint);
		if (s->retired)
			printf("; the old pair is kept as %s\n", s->retired);
		else
			printf("; the old pair is removed\n");
		if (swapped && o->agent_lifetime)
			printf("ssh-agent: the old key replaced by the new one, for %lu seconds\n",
			       o->agent_lifetime);
		else if (swapped)
			printf("ssh-agent: the old key replaced by the new one (the agent does "
			       "not tell the old key's lifetime: none set, the agent's own "
			       "default applies; --agent-lifetime sets one)\n");
	}
	if (ar < 0) {
		cli_error("ssh-agent: %s (the files are swapped; sshkeyctl agent add %s)",
			  error_to_string(ar), o->key);
		return EXIT_WARN;
	}
	return EXIT_OK;
}

static int run_rotate(int argc, char **argv)
{
	struct rotate_options o = {0};
	char *new_passphrase = NULL, *file_passphrase = NULL;
	void *results = NULL;
	int status;
	fleet_options_init(&o.fleet);
	if ((status = parse_options(argc, argv, &o)) != EXIT_OK ||
	    (status = load_state(&o)) != EXIT_OK)
		goto out;
	if (o.status) {
		status = print_status(&o);
		goto out;
	}
	if (o.finish && !o.have_state) {
		cli_error("no rotation of %s in progress to finish (%s)", o.key, o.state_path);
		status = EXIT_FAIL;
		goto out;
	}
	if ((status = choose_targets(&o, argc, argv)) != EXIT_OK)
		goto out;
	/* a passphrase file opens the old key and the new one's too */
	if (o.passphrase.file && passphrase_from_file(o.passphrase.file, &file_passphrase) < 0) {
		cli_error("--passphrase-file %s: cannot read it", o.passphrase.file);
		status = EXIT_PASSPHRASE;
		goto out;
	}
	if (o.have_state) {
		if ((status = resume_keys(&o, file_passphrase)) != EXIT_OK)
			goto out;
		if (o.finish)
			o.state.keep_old = false;
		if (o.swap_cut_short) {
			/* every host was done before the swap began */
			target_list_free(&o.fleet.targets);
			o.fleet.targets = (struct target_list){0};
		}
	} else if ((status = load_old_key(&o, file_passphrase)) != EXIT_OK ||
		   (status = make_new_key(&o, &new_passphrase)) != EXIT_OK ||
		   (!o.fleet.dry_run && (status = begin_state(&o)) != EXIT_OK)) {
		goto out;
	}
	/* every host recorded before any is touched: a run cut short leaves them listed */
	for (size_t i = 0; o.have_state && i < o.fleet.targets.n; i++)
		if (!rotate_state_host(&o.state, o.fleet.targets.items[i].spec, true)) {
			status = EXIT_FAIL;
			goto out;
		}
	if (o.have_state && !o.fleet.dry_run && save_state(&o) < 0) {
		status = EXIT_FAIL;
		goto out;
	}
	struct rotate_job rj = {.req = {.old = &o.old,
					.new_key = &o.new_key,
					.new_comment = o.comment,
					.connect = &o.fleet.connect,
					.password = &o.fleet.password_source,
					.keep_old = o.have_state ? o.state.keep_old : o.keep_old,
					.dry_run = o.fleet.dry_run,
					.fault = cli_test_fault(),
					.targets = &o.fleet.targets},
				.keys = {o.old, o.new_key}};
	struct target_keys keys = {.keys = rj.keys, .n = 2};
	struct fleet_job job = FLEET_JOB(struct rotate_result, report, &rj.req, &o);
	job.keys = &keys;
	job.password_login = true;
	if (o.fleet.targets.n) {
		if (fleet_run(&o.fleet, &job, &results) < 0) {
			status = EXIT_FAIL;
			goto out_results;
		}
		status = fleet_summarize(&o.fleet, &job, results, NULL);
	}
	if (!o.fleet.dry_run && !o.fleet.interrupted && !o.state.keep_old) {
		int local = finish_locally(&o);
		if (local != EXIT_OK && (status == EXIT_OK || local == EXIT_FAIL))
			status = local;
	}
	if (o.state_failed && status == EXIT_OK)
		status = EXIT_FAIL;
out_results:
	if (results)
		fleet_results_free(&o.fleet, &job, results);
out:
	secret_string_free(new_passphrase);
	secret_string_free(file_passphrase);
	local_key_clear(&o.old);
	local_key_clear(&o.new_key);
	rotate_state_clear(&o.state);
	free(o.key);
	free(o.new_path);
	free(o.state_path);
	fleet_options_free(&o.fleet);
	return status;
}

const struct command command_rotate = {
	.name = "rotate",
	.summary = "Replace a key on every server: the new one proven before the old one goes.",
	.usage = "sshkeyctl rotate [-i KEY] [-t TYPE] [-b BITS] [-C COMMENT]\n"
		 "                        [--passphrase-file FILE | --no-passphrase] [--keep-old]\n"
		 "                        [--remove-old] [--agent-lifetime TIME] [--dry-run]\n"
		 "                        [copy's connection and fleet options] TARGET...\n"
		 "       sshkeyctl rotate [-i KEY] --finish [TARGET...]\n"
		 "       sshkeyctl rotate [-i KEY] --status [--json]",
	.help = "  -i KEY                  the key to replace (default: ~/.ssh/id_ed25519, "
		"id_ecdsa,\n"
		"                          id_rsa, the first that exists); it logs in first\n"
		"  -t TYPE, -b BITS        the new key's type and size (default: the old key's; "
		"RSA\n"
		"                          at least 3072)\n"
		"  -C COMMENT              the new key's comment (default: the old key's)\n"
		"  --passphrase-file FILE  the new key's passphrase (its first line; it also "
		"opens\n"
		"                          the old key); --no-passphrase: none; else asked twice\n"
		"  --keep-old              install and prove the new key, leave the old one until\n"
		"                          rotate --finish\n"
		"  --finish                remove the old key from the hosts of a --keep-old "
		"rotation\n"
		"  --status                where each host of the rotation stands\n"
		"  --remove-old            remove the old pair at the end (default: kept as\n"
		"                          KEY.retired-DATE, 0600)\n"
		"  --agent-lifetime TIME   the new key's lifetime in ssh-agent (when the agent "
		"held\n"
		"                          the old key)\n"
		"  --dry-run               show each host's diff; make and change nothing\n"
		"\nThe new pair is made beside the old (KEY.new); on each host the new key goes "
		"on a\n"
		"line of its own after each line of the old key, with that line's options; a "
		"new\n"
		"connection proves it logs in (else it is taken out again and the host keeps "
		"the\n"
		"old key); then the old key's lines go, and a publickey query proves it "
		"refused. At\n"
		"no moment can neither key log in. KEY.rotate.json (0600) records each host; a "
		"rerun\n"
		"(the same command, or rotate -i KEY alone) finishes only what is not done. When "
		"every\n"
		"host is done the new pair takes the old one's names (IdentityFile lines keep\n"
		"working) and ssh-agent, if it held the old key, gets the new one instead.\n"
		"Exit status 0 every host rotated, 5 some not proven refused, 3 some hosts "
		"failed\n"
		"(they keep the old key), 1 all failed.\n"
		"Status per host (JSON \"status\"): rotated, installed, would-rotate (OK); "
		"unproven\n"
		"(warning); failed, unreachable.\n",
	.run = run_rotate,
};
