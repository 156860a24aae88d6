/* sshkeyctl known-hosts remove: what ssh-keygen -R does, hashed entries included. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/error.h"
#include "base/file_io.h"
#include "base/user_info.h"
#include "cli/commands.h"
#include "files/known_hosts.h"
#include "fleet/target.h"

static int remove_host(const char *file, const char *spec)
{
	struct target t;
	const char *reason;
	struct dynbuf old, new_content, name;
	unsigned long *lines = NULL;
	size_t n = 0;
	struct stat st;
	int r, status = EXIT_FAIL;

	if (target_parse(spec, &t, &reason) < 0)
		return cli_usage_error(&command_known_hosts, "%s: %s", spec, reason);
	if (t.user) {
		target_clear(&t);
		return cli_usage_error(&command_known_hosts, "%s: give a host name, not user@host",
				       spec);
	}
	dynbuf_init(&old, KNOWN_HOSTS_FILE_MAX);
	dynbuf_init(&new_content, KNOWN_HOSTS_FILE_MAX);
	dynbuf_init(&name, 4096);
	if ((r = known_hosts_name(t.host, t.port, &name)) < 0)
		goto fail;
	if ((r = read_file(file, READ_FILE_NOFOLLOW | READ_FILE_REGULAR, &old)) < 0 ||
	    (r = stat(file, &st) < 0 ? -errno : 0) < 0)
		goto fail;
	if ((r = known_hosts_remove(old.len ? (const char *)old.data : "", old.len,
				    (const char *)name.data, &new_content, &lines, &n)) < 0)
		goto fail;
	if (n == 0) {
		fprintf(stderr, "Host %s not found in %s\n", (const char *)name.data, file);
		status = EXIT_OK;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		printf("# Host %s found: line %lu\n", (const char *)name.data, lines[i]);
	char *old_path;
	if (asprintf(&old_path, "%s.old", file) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	/* the original kept beside it, then the file replaced; both with the file's mode */
	r = write_file_atomic(old_path, old.data, old.len, st.st_mode & 07777, 0);
	if (r == 0)
		r = write_file_atomic(file, new_content.data, new_content.len, st.st_mode & 07777,
				      0);
	if (r == 0)
		printf("%s updated.\nOriginal contents retained as %s\n", file, old_path);
	free(old_path);
	if (r < 0)
		goto fail;
	status = EXIT_OK;
	goto out;
fail:
	cli_error("%s: %s", file, error_to_string(r));
out:
	free(lines);
	target_clear(&t);
	dynbuf_free(&old);
	dynbuf_free(&new_content);
	dynbuf_free(&name);
	return status;
}

static int run_known_hosts(int argc, char **argv)
{
	static const struct option longopts[] = {{NULL, 0, NULL, 0}};
	const char *file = NULL;
	char *default_file = NULL;
	int c, status = EXIT_OK;
	optind = 1;
	opterr = 0;
	if (argc < 2 || strcmp(argv[1], "remove") != 0)
		return cli_usage_error(&command_known_hosts, "the only subcommand is 'remove'");
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, ":f:", longopts, NULL)) != -1) {
		if (c == 'f')
			file = optarg;
		else
			return cli_usage_error(&command_known_hosts, "unknown option '%s'",
					       argv[optind - 1]);
	}
	if (optind == argc)
		return cli_usage_error(&command_known_hosts, "no host given");
	if (!file) {
		if (user_ssh_path("known_hosts", &default_file) < 0)
			return EXIT_FAIL;
		file = default_file;
	}
	for (int i = optind; i < argc; i++) {
		int s = remove_host(file, argv[i]);
		if (s != EXIT_OK)
			status = s;
	}
	free(default_file);
	return status;
}

const struct command command_known_hosts = {
	.name = "known-hosts",
	.summary = "Remove a host's keys from known_hosts (ssh-keygen -R).",
	.usage = "sshkeyctl known-hosts remove [-f FILE] HOST[:PORT]...",
	.help = "  -f FILE                 the known_hosts file (default ~/.ssh/known_hosts)\n"
		"\nEvery line naming the host goes, hashed names included; a port other than 22 "
		"is\n"
		"the [host]:port entry. The original is kept as FILE.old, as ssh-keygen -R keeps "
		"it.\n",
	.run = run_known_hosts,
};
