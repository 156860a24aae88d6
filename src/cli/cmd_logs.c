/* sshkeyctl logs: what sshd's log says about logins, keys, passwords and attacks. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/error.h"
#include "base/user_info.h"
#include "cli/commands.h"
#include "cli/report.h"
#include "files/public_key_file.h"
#include "keys/fingerprint.h"
#include "ops/log_report.h"

struct logs_options {
	bool json;
	unsigned top;
	const char **key_files;
	size_t n_key_files;
};

/* A fingerprint's name: the comment and file of a public key at hand. */
struct key_name {
	char fingerprint[FINGERPRINT_SHA256_TEXT_MAX];
	char *text;
};

struct key_names {
	struct key_name *items;
	size_t n;
};

static void add_key_name(struct key_names *names, const char *path)
{
	struct pubkey *key = NULL;
	char *comment = NULL;
	struct key_name kn = {0};
	if (public_key_file_read(path, &key, &comment) == 0 &&
	    fingerprint_sha256_text(key, kn.fingerprint, sizeof(kn.fingerprint)) == 0 &&
	    asprintf(&kn.text, "%s%s%s", comment ? comment : "", comment ? ", " : "", path) >= 0) {
		struct key_name *grown = realloc(names->items, (names->n + 1) * sizeof(*grown));
		if (grown) {
			names->items = grown;
			names->items[names->n++] = kn;
			kn.text = NULL;
		}
	}
	free(kn.text);
	free(comment);
	pubkey_free(key);
}

/* --keys FILE..., else every public key file of ~/.ssh */
static void load_key_names(const struct logs_options *o, struct key_names *names)
{
	for (size_t i = 0; i < o->n_key_files; i++)
		add_key_name(names, o->key_files[i]);
	if (o->n_key_files)
		return;
	char *dir = NULL;
	if (user_ssh_dir(&dir) < 0)
		return;
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n > 4 && !strcmp(de->d_name + n - 4, ".pub")) {
			char path[4500];
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			add_key_name(names, path);
		}
	}
	if (d)
		closedir(d);
	free(dir);
}

static const char *name_of(const struct key_names *names, const char *fp, size_t len)
{
	for (size_t i = 0; i < names->n; i++)
		if (strlen(names->items[i].fingerprint) == len &&
		    !memcmp(names->items[i].fingerprint, fp, len))
			return names->items[i].text;
	return NULL;
}

static const char *when(long long t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!t || !gmtime_r(&tt, &tm))
		return "-";
	strftime(buf, 32, "%Y-%m-%d %H:%M", &tm);
	return buf;
}

/* the fields of a table key ("a\tb\tc") */
static size_t fields(const char *key, const char *out[3], size_t lens[3])
{
	size_t n = 0;
	const char *p = key;
	while (n < 3) {
		const char *tab = strchr(p, '\t');
		out[n] = p;
		lens[n] = tab ? (size_t)(tab - p) : strlen(p);
		n++;
		if (!tab)
			break;
		p = tab + 1;
	}
	return n;
}

static uint64_t total_of(const struct string_counts *c, unsigned i)
{
	uint64_t t = 0;
	for (size_t j = 0; j < c->n_slots; j++)
		if (c->slots[j].key)
			t += c->slots[j].n[i];
	return t;
}

static void print_text(const struct log_report *r, const struct logs_options *o,
		       const struct key_names *names, size_t n_files)
{
	char a[32], b[32];
	struct string_count *rows = NULL;
	size_t n = 0;
	printf("sshd's log: %zu file%s, %llu lines, %llu of sshd's (%s to %s UTC)\n", n_files,
	       n_files == 1 ? "" : "s", (unsigned long long)r->lines,
	       (unsigned long long)r->sshd_lines, when(r->first, a), when(r->last, b));

	printf("\nLogins: %llu\n", (unsigned long long)r->kinds[SSHD_EVENT_ACCEPTED]);
	if (string_counts_sorted(&r->logins, 0, &rows, &n) == 0 && n) {
		printf("  %-26s %-20s %8s  %s\n", "METHOD", "ACCOUNT", "LOGINS", "LAST");
		for (size_t i = 0; i < n && i < o->top; i++) {
			const char *f[3];
			size_t l[3];
			fields(rows[i].key, f, l);
			printf("  %-26.*s %-20.*s %8llu  %s\n", (int)l[0], f[0], (int)l[1], f[1],
			       (unsigned long long)rows[i].n[0], when(rows[i].last, a));
		}
	}
	free(rows);

	uint64_t pw = total_of(&r->passwords, 0);
	printf("\nPassword logins that worked: %llu\n", (unsigned long long)pw);
	if (string_counts_sorted(&r->passwords, 0, &rows, &n) == 0 && n) {
		printf("  %-20s %-40s %8s  %s\n", "ACCOUNT", "FROM", "LOGINS", "LAST");
		for (size_t i = 0; i < n && i < o->top; i++) {
			const char *f[3];
			size_t l[3];
			fields(rows[i].key, f, l);
			printf("  %-20.*s %-40.*s %8llu  %s\n", (int)l[0], f[0], (int)l[1], f[1],
			       (unsigned long long)rows[i].n[0], when(rows[i].last, a));
		}
	}
	free(rows);

	printf("\nKeys that logged in: %zu\n", r->keys.n_keys);
	if (string_counts_sorted(&r->keys, 0, &rows, &n) == 0 && n) {
		printf("  %-51s %-12s %-16s %7s  %s\n", "FINGERPRINT", "TYPE", "ACCOUNT", "LOGINS",
		       "LAST");
		for (size_t i = 0; i < n && i < o->top; i++) {
			const char *f[3];
			size_t l[3];
			fields(rows[i].key, f, l);
			const char *known = name_of(names, f[0], l[0]);
			printf("  %-51.*s %-12.*s %-16.*s %7llu  %s%s%s\n", (int)l[0], f[0],
			       (int)l[1], f[1], (int)l[2], f[2], (unsigned long long)rows[i].n[0],
			       when(rows[i].last, a), known ? "  " : "", known ? known : "");
		}
	}
	free(rows);

	printf("\nFailed passwords: %llu, invalid users: %llu, from %zu sources\n",
	       (unsigned long long)total_of(&r->failures, LOG_FAILED_PASSWORD),
	       (unsigned long long)total_of(&r->failures, LOG_INVALID_USER), r->failures.n_keys);
	if (string_counts_sorted(&r->failures, LOG_FAILED_PASSWORD, &rows, &n) == 0 && n) {
		printf("  %-40s %9s %9s %9s  %s\n", "SOURCE", "PASSWORDS", "INVALID", "MAXTRIES",
		       "LAST");
		for (size_t i = 0; i < n && i < o->top; i++)
			printf("  %-40s %9llu %9llu %9llu  %s\n", rows[i].key,
			       (unsigned long long)rows[i].n[LOG_FAILED_PASSWORD],
			       (unsigned long long)rows[i].n[LOG_INVALID_USER],
			       (unsigned long long)rows[i].n[LOG_TOO_MANY], when(rows[i].last, a));
	}
	free(rows);
	if (string_counts_sorted(&r->accounts, 0, &rows, &n) == 0 && n) {
		printf("  accounts tried:");
		for (size_t i = 0; i < n && i < o->top; i++)
			printf(" %s (%llu)", rows[i].key,
			       (unsigned long long)(rows[i].n[0] + rows[i].n[1]));
		printf("\n");
	}
	free(rows);

	printf("\nRefusals that point at a misconfiguration: %llu\n",
	       (unsigned long long)total_of(&r->refusals, 0));
	if (string_counts_sorted(&r->refusals, 0, &rows, &n) == 0) {
		for (size_t i = 0; i < n && i < o->top; i++) {
			const char *f[3];
			size_t l[3];
			fields(rows[i].key, f, l);
			static const struct {
				const char *name;
				enum sshd_event kind;
			} kinds[] = {{"bad-modes", SSHD_EVENT_REFUSED_MODES},
				     {"not-allowed", SSHD_EVENT_NOT_ALLOWED},
				     {"root-refused", SSHD_EVENT_ROOT_REFUSED},
				     {"key-type", SSHD_EVENT_KEY_TYPE},
				     {"from-refused", SSHD_EVENT_FROM_REFUSED},
				     {"too-many-failures", SSHD_EVENT_TOO_MANY}};
			const char *cause = "";
			for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
				if (strlen(kinds[k].name) == l[0] &&
				    !memcmp(kinds[k].name, f[0], l[0]))
					cause = log_report_cause(kinds[k].kind);
			printf("  %.*s %.*s: %llu, last %s\n    cause: %s\n", (int)l[0], f[0],
			       (int)l[1], f[1], (unsigned long long)rows[i].n[0],
			       when(rows[i].last, a), cause);
		}
	}
	free(rows);

	printf("\nBefore authentication (closed, disconnected, scans): %llu\n",
	       (unsigned long long)r->kinds[SSHD_EVENT_PREAUTH]);
	if (r->too_long)
		printf("Lines longer than sshd writes, skipped: %llu\n",
		       (unsigned long long)r->too_long);
	if (r->notes.len) {
		printf("\n");
		report_print_lines(&r->notes, "note: ");
		if (r->notes_left_out)
			printf("note: %llu more\n", (unsigned long long)r->notes_left_out);
	}
}

static int print_json(const struct log_report *r, const struct logs_options *o,
		      const struct key_names *names, size_t n_files)
{
	struct string_count *rows = NULL;
	size_t n = 0;
	(void)o;
	if (string_counts_sorted(&r->logins, 0, &rows, &n) == 0)
		for (size_t i = 0; i < n; i++) {
			const char *f[3];
			size_t l[3];
			fields(rows[i].key, f, l);
			report_json_line(json_pack("{s:s, s:o, s:o, s:I, s:I}", "record", "login",
						   "method", report_json_textn(f[0], l[0]),
						   "account", report_json_textn(f[1], l[1]),
						   "count", (json_int_t)rows[i].n[0], "last",
						   (json_int_t)rows[i].last));
		}
	free(rows);
	if (string_counts_sorted(&r->passwords, 0, &rows, &n) == 0)
		for (size_t i = 0; i < n; i++) {
			const char *f[3];
			size_t l[3];
			fields(rows[i].key, f, l);
			report_json_line(json_pack(
				"{s:s, s:o, s:o, s:I, s:I}", "record", "password_login", "account",
				report_json_textn(f[0], l[0]), "from",
				report_json_textn(f[1], l[1]), "count", (json_int_t)rows[i].n[0],
				"last", (json_int_t)rows[i].last));
		}
	free(rows);
	if (string_counts_sorted(&r->keys, 0, &rows, &n) == 0)
		for (size_t i = 0; i < n; i++) {
			const char *f[3];
			size_t l[3];
			fields(rows[i].key, f, l);
			const char *known = name_of(names, f[0], l[0]);
			json_t *j = json_pack("{s:s, s:o, s:o, s:o, s:I, s:I}", "record", "key",
					      "fingerprint", report_json_textn(f[0], l[0]), "type",
					      report_json_textn(f[1], l[1]), "account",
					      report_json_textn(f[2], l[2]), "count",
					      (json_int_t)rows[i].n[0], "last",
					      (json_int_t)rows[i].last);
			if (j && known)
				json_object_set_new(j, "known_as", report_json_text(known));
			report_json_line(j);
		}
	free(rows);
	if (string_counts_sorted(&r->failures, LOG_FAILED_PASSWORD, &rows, &n) == 0)
		for (size_t i = 0; i < n; i++)
			report_json_line(json_pack(
				"{s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:I}", "record", "source",
				"address", report_json_text(rows[i].key), "failed_passwords",
				(json_int_t)rows[i].n[LOG_FAILED_PASSWORD], "invalid_users",
				(json_int_t)rows[i].n[LOG_INVALID_USER], "max_tries",
				(json_int_t)rows[i].n[LOG_TOO_MANY], "failed_other",
				(json_int_t)rows[i].n[LOG_FAILED_OTHER], "first",
				(json_int_t)rows[i].first, "last", (json_int_t)rows[i].last));
	free(rows);
	if (string_counts_sorted(&r->refusals, 0, &rows, &n) == 0)
		for (size_t i = 0; i < n; i++) {
			const char *f[3];
			size_t l[3];
			fields(rows[i].key, f, l);
			report_json_line(json_pack("{s:s, s:o, s:o, s:I, s:I}", "record", "refusal",
						   "kind", report_json_textn(f[0], l[0]), "detail",
						   report_json_textn(f[1], l[1]), "count",
						   (json_int_t)rows[i].n[0], "last",
						   (json_int_t)rows[i].last));
		}
	free(rows);
	json_t *notes = report_lines_json(&r->notes);
	report_json_line(json_pack(
		"{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "record", "summary",
		"files", (json_int_t)n_files, "lines", (json_int_t)r->lines, "sshd_lines",
		(json_int_t)r->sshd_lines, "logins", (json_int_t)r->kinds[SSHD_EVENT_ACCEPTED],
		"password_logins", (json_int_t)total_of(&r->passwords, 0), "failed_passwords",
		(json_int_t)total_of(&r->failures, LOG_FAILED_PASSWORD), "invalid_users",
		(json_int_t)total_of(&r->failures, LOG_INVALID_USER), "preauth",
		(json_int_t)r->kinds[SSHD_EVENT_PREAUTH], "first", (json_int_t)r->first, "last",
		(json_int_t)r->last, "notes", notes));
	return 0;
}

/* One source opened: "-" standard input, else a regular file (a FIFO or a device is
 * refused: it could block or never end). -1 after saying why. */
static int open_source(const char *path)
{
	if (!strcmp(path, "-"))
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	if (fd < 0) {
		cli_error("%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		cli_error("%s: not a regular file", path);
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

static int run_logs(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_KEYS, OPT_TOP };
	static const struct option longopts[] = {
		{"json", no_argument, NULL, OPT_JSON},
		{"keys", required_argument, NULL, OPT_KEYS},
		{"top", required_argument, NULL, OPT_TOP},
		{NULL, 0, NULL, 0},
	};
	struct logs_options o = {.top = 10};
	struct key_names names = {0};
	struct log_report r;
	int c, status = EXIT_OK;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			o.json = true;
			break;
		case OPT_KEYS: {
			const char **more =
				realloc(o.key_files, (o.n_key_files + 1) * sizeof(*more));
			if (!more)
				return EXIT_FAIL;
			o.key_files = more;
			o.key_files[o.n_key_files++] = optarg;
			break;
		}
		case OPT_TOP:
			if (parse_unsigned_option(optarg, 1, 1000000, &o.top) < 0) {
				free(o.key_files);
				return cli_usage_error(&command_logs, "--top: a number from 1");
			}
			break;
		default:
			free(o.key_files);
			return cli_usage_error(&command_logs, "unknown option %s",
					       argv[optind - 1]);
		}
	}
	static const char *const defaults[] = {"/var/log/auth.log", "/var/log/secure"};
	const char *chosen = NULL;
	if (optind == argc) {
		for (size_t i = 0; i < 2 && !chosen; i++)
			if (access(defaults[i], R_OK) == 0)
				chosen = defaults[i];
		if (!chosen) {
			free(o.key_files);
			cli_error("no sshd log here (/var/log/auth.log, /var/log/secure): name the "
				  "files, or - for standard input");
			return EXIT_FAIL;
		}
	}
	/* every source opened before any is read: a name that is wrong is said, and nothing
	 * reported */
	const char **paths = chosen ? &chosen : (const char **)argv + optind;
	size_t n_files = chosen ? 1 : (size_t)(argc - optind);
	int *fds = calloc(n_files, sizeof(*fds));
	for (size_t i = 0; fds && i < n_files; i++)
		if ((fds[i] = open_source(paths[i])) < 0) {
			while (i--)
				if (fds[i] > 0)
					close(fds[i]);
			free(fds);
			free(o.key_files);
			return EXIT_FAIL;
		}
	if (!fds) {
		free(o.key_files);
		return EXIT_FAIL;
	}
	log_report_init(&r, (long long)time(NULL));
	load_key_names(&o, &names);
	for (size_t i = 0; i < n_files; i++) {
		struct diag d = {{0}};
		if (log_report_read_fd(&r, fds[i], fds[i] ? paths[i] : "(standard input)", &d) <
		    0) {
			cli_error("%s", d.text);
			status = EXIT_FAIL;
		}
		if (fds[i] > 0)
			close(fds[i]);
	}
	free(fds);
	if (o.json)
		print_json(&r, &o, &names, n_files);
	else
		print_text(&r, &o, &names, n_files);
	fflush(stdout);
	/* a file that could not be read to its end is a failure of the report */
	if (status == EXIT_OK && (r.n_notes || r.notes_left_out))
		status = EXIT_WARN;
	log_report_clear(&r);
	for (size_t i = 0; i < names.n; i++)
		free(names.items[i].text);
	free(names.items);
	free(o.key_files);
	return status;
}

const struct command command_logs = {
	.name = "logs",
	.summary = "What sshd's log says about logins, keys, passwords and attacks.",
	.usage = "sshkeyctl logs [--json] [--keys PUBFILE]... [--top N] [FILE|-]...",
	.help = "  FILE                    sshd's log: auth.log, secure, rotated .1 and .gz, or "
		"-\n"
		"                          (standard input); default /var/log/auth.log, else\n"
		"                          /var/log/secure\n"
		"  --keys PUBFILE          name the keys that logged in by these public keys\n"
		"                          (default: ~/.ssh/*.pub)\n"
		"  --top N                 rows per table (default 10)\n"
		"  --json                  one object per row (record: login, password_login, "
		"key,\n"
		"                          source, refusal), then a summary\n"
		"\nLines as syslog writes them (RFC 3164, RFC 3339 as Debian 12's rsyslog, RFC "
		"5424)\n"
		"or bare (sshd -E); sshd, sshd-session and sshd-auth. Every address is the one "
		"sshd\n"
		"appends at the end of its message, never one a user name holds. Exit status 0, "
		"5 when\n"
		"a file could not be read to its end or held lines longer than sshd writes, 1 "
		"when a\n"
		"file could not be opened.\n",
	.run = run_logs,
};
