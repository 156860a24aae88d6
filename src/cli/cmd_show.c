/* sshkeyctl show: what `cat key.pub`, `ssh-keygen -l[v] -f` and `ssh-keygen -y -f` print,
 * for public and private keys in every format, authorized_keys and known_hosts files. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/file_io.h"
#include "base/text_lines.h"
#include "cli/commands.h"
#include "cli/key_output.h"
#include "cli/passphrase.h"
#include "files/authorized_keys.h"
#include "files/known_hosts.h"
#include "files/public_key_file.h"
#include "keys/key_file.h"

/* authorized_keys and known_hosts files can be large; private keys are capped lower */
#define SHOW_FILE_MAX        AUTHORIZED_KEYS_FILE_MAX
#define SHOW_BAD_LINES_NAMED 10

struct show_options {
	bool list;                /* -l */
	bool randomart;           /* -v */
	bool public_from_private; /* -y */
	enum fingerprint_hash hash;
	struct passphrase_source passphrase;
	const char **files; /* -f FILE values, then the arguments; NULL-terminated */
	int n_files;
};

static int parse_options(int argc, char **argv, struct show_options *o)
{
	enum { OPT_PASSPHRASE_FILE = 256 };
	static const struct option longopts[] = {
		{"passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	opterr = 0;
	*o = (struct show_options){.hash = FINGERPRINT_SHA256};
	o->files = calloc((size_t)argc + 1, sizeof(*o->files));
	if (!o->files) {
		cli_error("out of memory");
		return EXIT_FAIL;
	}
	while ((c = getopt_long(argc, argv, ":lvyE:P:f:", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			o->list = true;
			break;
		case 'v':
			o->randomart = true;
			break;
		case 'y':
			o->public_from_private = true;
			break;
		case 'E':
			if (fingerprint_hash_from_name(optarg, &o->hash) < 0)
				return cli_usage_error(
					&command_show,
					"unknown hash '%s' (sha256, md5, sha1, sha512)", optarg);
			break;
		case 'P':
			o->passphrase.option = optarg;
			break;
		case 'f':
			/* ssh-keygen habit: -f FILE is one more file */
			o->files[o->n_files++] = optarg;
			break;
		case OPT_PASSPHRASE_FILE:
			o->passphrase.file = optarg;
			break;
		case ':':
			return cli_usage_error(&command_show, "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return cli_usage_error(&command_show, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (o->passphrase.option && o->passphrase.file)
		return cli_usage_error(&command_show, "give only one of -P and --passphrase-file");
	while (optind < argc)
		o->files[o->n_files++] = argv[optind++];
	if (o->n_files == 0)
		return cli_usage_error(&command_show, "no file given");
	if (o->randomart && !o->list)
		o->list = true; /* -v alone means -lv, as ssh-keygen -v -l */
	return EXIT_OK;
}

/* ssh-dss is read so old files can be listed, but it is no key to use */
static void warn_legacy(const char *path, unsigned long lineno, const struct pubkey *key)
{
	if (!key->type->legacy)
		return;
	if (lineno)
		fprintf(stderr, "%s:%lu: ", path, lineno);
	else
		fprintf(stderr, "%s: ", path);
	fprintf(stderr,
		"warning: %s is a legacy DSA key: OpenSSH refuses it since 7.0 and "
		"removed it in 10.0; replace it\n",
		key->type->name);
}

static int show_private(const char *path, const struct dynbuf *data, const struct show_options *o)
{
	struct pubkey *pub = NULL;
	struct privkey *key = NULL;
	char *comment = NULL, *passphrase = NULL;
	int r;

	if (o->public_from_private) {
		/* -y: the whole key must open, so the passphrase is needed */
		r = private_key_read(data->data, data->len, NULL, &key);
		if (r == ERR_PASSPHRASE_NEEDED) {
			r = passphrase_for_existing_key(&o->passphrase,
							"Enter passphrase: ", &passphrase);
			if (r == -ENXIO)
				r = ERR_PASSPHRASE_NEEDED;
			if (r == 0)
				r = private_key_read(data->data, data->len, passphrase, &key);
		}
		if (r < 0)
			goto fail;
		warn_legacy(path, 0, key->pub);
		print_public_line(stdout, key->pub, key->comment[0] ? key->comment : NULL);
		goto out;
	}

	/* as ssh-keygen: the comment of FILE.pub when it holds this key, and FILE.pub alone
	 * when the private key cannot be read without its passphrase (encrypted PEM) */
	struct pubkey *file_pub = NULL;
	char *file_comment = NULL;
	char *pub_path;
	bool have_file = false;
	if (asprintf(&pub_path, "%s.pub", path) >= 0) {
		have_file = public_key_file_read(pub_path, &file_pub, &file_comment) == 0;
		free(pub_path);
	}
	r = private_key_read_public(data->data, data->len, &pub, &comment);
	if (r == ERR_PASSPHRASE_NEEDED && have_file) {
		pub = file_pub;
		file_pub = NULL;
		r = 0;
	}
	if (r == 0 && have_file && (!file_pub || pubkey_same_key(file_pub, pub))) {
		free(comment);
		comment = file_comment;
		file_comment = NULL;
	}
	pubkey_free(file_pub);
	free(file_comment);
	if (r < 0)
		goto fail;
	warn_legacy(path, 0, pub);
	if (o->list)
		print_fingerprint_line(stdout, pub, o->hash, comment, comment ? strlen(comment) : 0,
				       o->randomart);
	else
		print_public_line(stdout, pub, comment);
	goto out;
fail:
	cli_error("%s: %s", path, error_to_string(r));
out:
	pubkey_free(pub);
	privkey_free(key);
	free(comment);
	secret_string_free(passphrase);
	return r;
}

/* ssh-keygen -l's choice of comment: the text after the key unless it is empty or starts
 * with '#'; else what stood before the key (options or host names). */
static void listing_comment(const char *raw, struct text_span before, struct text_span after,
			    const char **ret, size_t *ret_len)
{
	if (after.len && raw[after.off] != '#') {
		*ret = raw + after.off;
		*ret_len = after.len;
	} else {
		*ret = raw + before.off;
		*ret_len = before.len;
	}
}

static int show_text(const char *path, const struct dynbuf *data, const struct show_options *o)
{
	struct line_iter it;
	const char *line;
	size_t len;
	unsigned long keys = 0, bad = 0, marked = 0;

	line_iter_init(&it, (const char *)data->data, data->len);
	while (line_iter_next(&it, &line, &len, NULL)) {
		/* a line read as authorized_keys takes known_hosts host names in its options place;
		 * marker lines, and host lists that are no valid options, are read as known_hosts
		 */
		struct authorized_keys_entry ak;
		struct known_hosts_entry kh;
		struct pubkey *key;
		struct text_span before, after;
		enum key_line_kind kind = KEY_LINE_INVALID;
		int error = 0, r = 0;
		size_t lead = 0;
		while (lead < len && is_blank_char(line[lead]))
			lead++;
		bool as_known_hosts = lead < len && line[lead] == '@';
		if (!as_known_hosts) {
			r = authorized_keys_parse_line(line, len, &ak);
			kind = ak.kind, error = ak.error, key = ak.key, before = ak.options,
			after = ak.comment;
			if (r == 0 && kind == KEY_LINE_INVALID && error == ERR_OPTIONS) {
				/* not options: a known_hosts host list, such as a hashed name with
				 * '=' */
				authorized_keys_entry_clear(&ak);
				as_known_hosts = true;
			}
		}
		char *renamed = NULL;
		if (as_known_hosts) {
			r = known_hosts_parse_line(line, len, &kh);
			if (r == 0 && kh.kind == KEY_LINE_INVALID &&
			    kh.error == ERR_MARKER_UNKNOWN && (renamed = strndup(line, len))) {
				/* as ssh-keygen -l: a word after '@' that is no marker is a host
				 * name; the line is read again with it as one */
				renamed[lead] = 'x';
				known_hosts_entry_clear(&kh);
				r = known_hosts_parse_line(renamed, len, &kh);
			}
			kind = kh.kind, error = kh.error, key = kh.key, before = kh.hosts,
			after = kh.comment;
			/* @revoked and @cert-authority keys are no host's keys: ssh-keygen -l
			 * skips them */
			if (r == 0 && kind == KEY_LINE_KEY &&
			    kh.marker != KNOWN_HOSTS_MARKER_NONE) {
				kind = KEY_LINE_COMMENT;
				marked++;
			}
		}
		if (r < 0) {
			cli_error("%s: %s", path, error_to_string(r));
			return r;
		}
		if (kind == KEY_LINE_INVALID) {
			/* a binary or foreign file would make every line an error: name the first
			 * few */
			if (bad < SHOW_BAD_LINES_NAMED)
				fprintf(stderr, "%s:%lu: %s\n", path, it.lineno,
					error_to_string(error));
			bad++;
		} else if (kind == KEY_LINE_KEY) {
			keys++;
			warn_legacy(path, it.lineno, key);
			if (o->list) {
				const char *comment;
				size_t comment_len;
				listing_comment(line, before, after, &comment, &comment_len);
				print_fingerprint_line(stdout, key, o->hash, comment, comment_len,
						       o->randomart);
			} else {
				char *comment =
					after.len ? strndup(line + after.off, after.len) : NULL;
				print_public_line(stdout, key, comment);
				free(comment);
			}
		}
		if (as_known_hosts)
			known_hosts_entry_clear(&kh);
		else
			authorized_keys_entry_clear(&ak);
		free(renamed);
	}
	if (bad > SHOW_BAD_LINES_NAMED)
		fprintf(stderr, "%s: %lu more bad lines not shown\n", path,
			bad - SHOW_BAD_LINES_NAMED);
	if (keys == 0 && bad == 0 && marked == 0) {
		cli_error("%s is not a public key file.", path);
		return ERR_NOT_A_KEY;
	}
	return bad ? ERR_FORMAT : 0;
}

static int run_show(int argc, char **argv)
{
	struct show_options o;
	int status = parse_options(argc, argv, &o);
	if (status == EXIT_OK && o.public_from_private && o.list)
		status = cli_usage_error(&command_show, "-y and -l do not go together");
	if (status != EXIT_OK) {
		free(o.files);
		return status;
	}

	for (int i = 0; i < o.n_files; i++) {
		const char *path = o.files[i];
		struct dynbuf data;
		dynbuf_init(&data, SHOW_FILE_MAX);
		/* stdin is what the user gives us; a named file must be a regular one */
		int r = strcmp(path, "-") ? read_file(path, READ_FILE_REGULAR, &data)
					  : read_file("/dev/stdin", 0, &data);
		if (r < 0) {
			cli_error("%s: %s", path,
				  r == ERR_TOO_LARGE ? "file too large" : error_to_string(r));
		} else if (key_file_kind(data.data, data.len) != KEY_FILE_TEXT) {
			r = show_private(path, &data, &o);
		} else if (o.public_from_private) {
			cli_error("%s: not a private key", path);
			r = ERR_NOT_A_KEY;
		} else {
			r = show_text(path, &data, &o);
		}
		dynbuf_free(&data);
		if (r < 0) {
			int s = exit_status_for_error(r);
			if (status == EXIT_OK || s == EXIT_PASSPHRASE)
				status = s;
		}
	}
	free(o.files);
	return status;
}

const struct command command_show = {
	.name = "show",
	.summary = "Show keys: public key line, fingerprint, randomart.",
	.usage = "sshkeyctl show [-l] [-v] [-E sha256|md5] [-y] [-P PASSPHRASE | --passphrase-file "
		 "FILE] FILE...",
	.help = "  (none)                  print the public key line of each key in FILE\n"
		"  -l                      print fingerprints: BITS FINGERPRINT COMMENT (TYPE)\n"
		"  -v                      with -l, add the randomart image of each key\n"
		"  -E HASH                 fingerprint hash: sha256 (default), md5, sha1, sha512\n"
		"  -y                      read a private key and print its public key line (asks "
		"for\n"
		"                          the passphrase when needed)\n"
		"  -P PASSPHRASE           passphrase for -y (for ssh-keygen compatibility)\n"
		"  --passphrase-file FILE  read the passphrase from the first line of FILE\n"
		"\nFILE may be a public key, a private key (openssh-key-v1, PEM PKCS#1/SEC1, "
		"PKCS#8,\n"
		"encrypted or not), an authorized_keys or a known_hosts file; '-' reads stdin.\n"
		"A bad line is reported as FILE:LINE: reason and makes the exit status 1.\n",
	.run = run_show,
};
