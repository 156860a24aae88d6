#include "cli/fleet_options.h"
#include "cli/terminal_safe.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/file_io.h"
#include "cli/fleet_prompts.h"
#include "cli/passphrase.h"
#include "files/known_hosts.h"

void fleet_options_init(struct fleet_options *o)
{
	memset(o, 0, sizeof(*o));
	o->jobs = 32;
	o->connect.connect_timeout = 0; /* ConnectTimeout, else 10 s */
	o->connect.timeout = 30;
	o->connect.host_timeout = 300;
	pthread_mutex_init(&o->password_lock, NULL);
	pthread_cond_init(&o->password_tried, NULL);
	o->password_source = (struct password_source){fleet_password, fleet_password_verdict, o};
}

void fleet_options_free(struct fleet_options *o)
{
	target_list_free(&o->targets);
	free(o->key_files);
	free(o->ssh_options);
	free(o->password_user);
	secret_string_free(o->password);
	pthread_mutex_destroy(&o->password_lock);
	free(o->host_keys);
	free(o->not_started);
	for (size_t i = 0; i < o->n_host_key_decisions; i++)
		free(o->host_key_decisions[i].name);
	free(o->host_key_decisions);
	pthread_cond_destroy(&o->password_tried);
}

/* Option c if it is one of ours: 1 handled, 0 not ours, or an exit status < 0 negated
 * (usage error printed). */
static int handle_shared(struct fleet_options *o, const struct command *cmd, int c, const char *arg)
{
	unsigned v;
	const char *reason;
	switch (c) {
	case 'i': {
		const char **grown = realloc(o->key_files, (o->n_key_files + 1) * sizeof(*grown));
		if (!grown)
			return -EXIT_FAIL;
		o->key_files = grown;
		o->key_files[o->n_key_files++] = arg;
		return 1;
	}
	case 'p':
		if (parse_unsigned_option(arg, 1, 65535, &v) < 0)
			return -cli_usage_error(cmd, "invalid port '%s'", arg);
		o->connect.port = v;
		return 1;
	case 'l':
		o->connect.login_user = arg;
		return 1;
	case 'o': {
		char **grown = realloc(o->ssh_options, (o->n_ssh_options + 1) * sizeof(*grown));
		if (!grown)
			return -EXIT_FAIL;
		o->ssh_options = grown;
		o->ssh_options[o->n_ssh_options++] = (char *)arg;
		return 1;
	}
	case 'F':
		o->connect.config_file = arg;
		return 1;
	case 'H': {
		struct dynbuf b;
		unsigned long line = 0;
		dynbuf_init(&b, 64 * 1024 * 1024);
		int r = read_file(arg, 0, &b);
		if (r < 0) {
			dynbuf_free(&b);
			return -cli_usage_error(cmd, "%s: %s", arg, error_to_string(r));
		}
		r = target_list_add_file(&o->targets, b.len ? (const char *)b.data : "", b.len,
					 &line, &reason);
		dynbuf_free(&b);
		if (r < 0)
			return -cli_usage_error(cmd, "%s:%lu: %s", arg, line, reason);
		return 1;
	}
	case 'j':
		if (parse_unsigned_option(arg, 1, 1024, &v) < 0)
			return -cli_usage_error(cmd,
						"-j takes a number of parallel hosts, 1 to 1024");
		o->jobs = v;
		return 1;
	case FLEET_OPT_CONNECT_TIMEOUT:
		if (parse_unsigned_option(arg, 1, 3600, &v) < 0)
			return -cli_usage_error(cmd, "--connect-timeout takes seconds, 1 to 3600");
		o->connect.connect_timeout = v;
		return 1;
	case FLEET_OPT_ACCEPT_NEW:
		o->connect.accept_new = true;
		return 1;
	case FLEET_OPT_PASSWORD_FILE:
		o->password_file = arg;
		return 1;
	case FLEET_OPT_PASSWORD_STDIN:
		o->password_stdin = true;
		return 1;
	case FLEET_OPT_JSON:
		o->json = true;
		return 1;
	case FLEET_OPT_DRY_RUN:
		o->dry_run = true;
		return 1;
	case FLEET_OPT_FAILED_FILE:
		o->failed_file = arg;
		return 1;
	case FLEET_OPT_HOST_KEYS:
		o->host_keys_file = arg;
		return 1;
	case FLEET_OPT_ORDER:
		if (strcmp(arg, "input") && strcmp(arg, "done"))
			return -cli_usage_error(cmd, "--order takes input or done");
		o->order_done = !strcmp(arg, "done");
		return 1;
	case 'q':
		o->quiet = true;
		return 1;
	case 'v':
		o->verbose = true;
		return 1;
	}
	return 0;
}

static const char shared_short[] = "i:p:l:o:F:H:j:qv";
static const struct option shared_long[] = {
	{"identity", required_argument, NULL, 'i'},
	{"connect-timeout", required_argument, NULL, FLEET_OPT_CONNECT_TIMEOUT},
	{"accept-new", no_argument, NULL, FLEET_OPT_ACCEPT_NEW},
	{"password-file", required_argument, NULL, FLEET_OPT_PASSWORD_FILE},
	{"password-stdin", no_argument, NULL, FLEET_OPT_PASSWORD_STDIN},
	{"json", no_argument, NULL, FLEET_OPT_JSON},
	{"dry-run", no_argument, NULL, FLEET_OPT_DRY_RUN},
	{"failed-file", required_argument, NULL, FLEET_OPT_FAILED_FILE},
	{"host-keys", required_argument, NULL, FLEET_OPT_HOST_KEYS},
	{"order", required_argument, NULL, FLEET_OPT_ORDER},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
};

int fleet_options_parse(struct fleet_options *o, const struct command *cmd, int argc, char **argv,
			const struct fleet_extra_options *extra)
{
	size_t n_shared = sizeof(shared_long) / sizeof(*shared_long), n_extra = 0;
	while (extra && extra->long_options && extra->long_options[n_extra].name)
		n_extra++;
	struct option *longopts = calloc(n_shared + n_extra + 1, sizeof(*longopts));
	char shortopts[64];
	if (!longopts || snprintf(shortopts, sizeof(shortopts), ":%s%s", shared_short,
				  extra ? extra->short_options : "") >= (int)sizeof(shortopts)) {
		free(longopts);
		return EXIT_FAIL;
	}
	memcpy(longopts, shared_long, sizeof(shared_long));
	if (n_extra)
		memcpy(longopts + n_shared, extra->long_options, n_extra * sizeof(*longopts));
	int c, status = EXIT_OK;
	optind = 1;
	opterr = 0;
	while (status == EXIT_OK &&
	       (c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		int h = handle_shared(o, cmd, c, optarg);
		if (h < 0) {
			status = -h;
		} else if (h == 0 && c == ':') {
			status =
				cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
		} else if (h == 0) {
			int r = extra && c != '?' ? extra->handle(c, optarg, extra->data)
						  : FLEET_OPTION_UNKNOWN;
			status = r == FLEET_OPTION_UNKNOWN
					 ? cli_usage_error(cmd, "unknown option '%s'",
							   argv[optind - 1])
					 : r;
		}
	}
	free(longopts);
	return status;
}

int fleet_options_finish(struct fleet_options *o, const struct command *cmd, int argc, char **argv)
{
	const char *reason;
	for (int i = optind; i < argc; i++)
		if (target_list_add(&o->targets, argv[i], &reason) < 0)
			return cli_usage_error(cmd, "%s: %s", argv[i], reason);
	if (o->targets.n == 0)
		return cli_usage_error(cmd, "no target given");
	if (o->password_file && o->password_stdin)
		return cli_usage_error(cmd,
				       "give only one of --password-file and --password-stdin");
	/* a password file that cannot be read is an error now, naming it, not a "password
	 * needed" on every host later; read once (it may be a pipe: <(pass show ...)) */
	if (o->password_file) {
		int r = passphrase_from_file(o->password_file, &o->password);
		o->password_asked = r == 0;
		if (r < 0) {
			cli_error("--password-file %s: %s", o->password_file,
				  r >= -4096 ? strerror(-r) : error_to_string(r));
			return EXIT_PASSPHRASE;
		}
	}
	o->connect.ssh_options = o->ssh_options;
	o->connect.n_ssh_options = o->n_ssh_options;
	if (o->host_keys_file) {
		struct dynbuf b;
		dynbuf_init(&b, KNOWN_HOSTS_FILE_MAX);
		int r = read_file(o->host_keys_file, READ_FILE_REGULAR, &b);
		if (r < 0) {
			dynbuf_free(&b);
			cli_error("--host-keys %s: %s", o->host_keys_file,
				  r >= -4096 ? strerror(-r) : error_to_string(r));
			return EXIT_FAIL;
		}
		o->host_keys = (char *)dynbuf_steal(&b, &o->host_keys_len);
	}
	/* unknown host keys: decided by --host-keys, by the list asked before a run, or by
	 * a question at the terminal */
	if (o->host_keys || terminal_available()) {
		o->connect.ask_host_key = fleet_host_key_question;
		o->connect.ask_data = o;
	}
	return EXIT_OK;
}

int fleet_add_users(const struct command *cmd, char ***users, size_t *n_users, char *arg)
{
	for (char *save = NULL, *name = strtok_r(arg, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		if (!account_name_valid(name))
			return cli_usage_error(cmd, "--users: '%s' is not an account name", name);
		char **grown = realloc(*users, (*n_users + 1) * sizeof(*grown));
		if (!grown)
			return EXIT_FAIL;
		*users = grown;
		(*users)[(*n_users)++] = name;
	}
	return EXIT_OK;
}

int fleet_for_user(const struct command *cmd, const char *arg, const char **ret)
{
	if (!account_name_valid(arg))
		return cli_usage_error(cmd, "--for-user: '%s' is not an account name", arg);
	*ret = arg;
	return EXIT_OK;
}
