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
#include "ops/key_listing.h"

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
static void warn_legacy(const char *path, unsigned long lineno, const struct key_type *type)
{
	if (!type->legacy)
		return;
	if (lineno)
		fprintf(stderr, "%s:%lu: ", path, lineno);
	else
		fprintf(stderr, "%s: ", path);
	fprintf(stderr,
		"warning: %s is a legacy DSA key: OpenSSH refuses it since 7.0 and "
		"removed it in 10.0; replace it\n",
		type->name);
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
		warn_legacy(path, 0, key->pub->type);
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
	warn_legacy(path, 0, pub->type);
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

/* A text listing's totals as its pieces come */
struct show_listing {
	const char *path;
	unsigned long keys, bad, marked; /* so far */
	bool error_told;
};

static int write_stdout(const uint8_t *p, size_t n)
{
	return n && fwrite(p, 1, n, stdout) != n ? -EIO : 0;
}

/* A piece of the listing: its lines, with its notes between them on stderr (stdout written
 * first, so the two keep their order on a terminal). */
static int emit_listing_piece(const struct key_listing_piece *piece, void *ctx)
{
	struct show_listing *l = ctx;
	size_t done = 0;
	unsigned long bad = l->bad;
	int r = 0;
	for (size_t i = 0; i < piece->n_notes && r == 0; i++) {
		const struct key_listing_note *note = &piece->notes[i];
		/* a binary or foreign file would make every line an error: name the first few */
		if (note->kind == KEY_LISTING_BAD_LINE && bad++ >= SHOW_BAD_LINES_NAMED)
			continue;
		r = write_stdout(piece->out.data + done, note->out_off - done);
		done = note->out_off;
		fflush(stdout);
		if (note->kind == KEY_LISTING_BAD_LINE) {
			fprintf(stderr, "%s:%lu: %s\n", l->path, note->lineno,
				error_to_string(note->error));
		} else {
			warn_legacy(l->path, note->lineno, note->type);
		}
	}
	if (r == 0)
		r = write_stdout(piece->out.data + done, piece->out.len - done);
	if (r == 0 && piece->error < 0) {
		cli_error("%s: %s", l->path, error_to_string(piece->error));
		l->error_told = true;
	}
	l->keys += piece->keys, l->bad += piece->bad, l->marked += piece->marked;
	return r;
}

static int show_text(const char *path, const struct dynbuf *data, const struct show_options *o)
{
	struct show_listing l = {.path = path};
	struct key_listing_options lo = {.fingerprints = o->list,
					 .randomart = o->randomart,
					 .hash = o->hash,
					 .bad_notes_max = SHOW_BAD_LINES_NAMED};
	int r = key_listing_run((const char *)data->data, data->len, &lo, emit_listing_piece, &l);
	if (r == 0 && fflush(stdout) != 0)
		r = -EIO;
	if (r < 0) {
		if (!l.error_told)
			cli_error("%s: %s", path, error_to_string(r));
		return r;
	}
	if (l.bad > SHOW_BAD_LINES_NAMED)
		fprintf(stderr, "%s: %lu more bad lines not shown\n", path,
			l.bad - SHOW_BAD_LINES_NAMED);
	if (l.keys == 0 && l.bad == 0 && l.marked == 0) {
		cli_error("%s is not a public key file.", path);
		return ERR_NOT_A_KEY;
	}
	return l.bad ? ERR_FORMAT : 0;
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
