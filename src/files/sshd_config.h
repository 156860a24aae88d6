/* sshd_config as sshd reads it (servconf.c): keywords case-insensitive, the first value
 * obtained wins, Include expands glob patterns in lexical order (relative paths under
 * /etc/ssh, 16 levels at most, no match silently ignored), and a Match block lasts to the
 * next Match or the end of its file; an Include after a Match is conditional on it.
 *
 * The model reads files through a callback (the local disk, or what a helper fetched from a
 * server), flattens them into directives in the order sshd evaluates them, and answers the
 * questions a careful edit needs: which line sets a keyword's global value, which Match
 * blocks override it, and where a new line must go to take effect. Every byte of every file
 * is kept, so edits touch only the lines they mean to.
 */
#ifndef SSHKEYCTL_FILES_SSHD_CONFIG_H
#define SSHKEYCTL_FILES_SSHD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "base/dynbuf.h"

#define SSHD_CONFIG_DIR       "/etc/ssh"
#define SSHD_CONFIG_MAX_DEPTH 16
#define SSHD_CONFIG_FILE_MAX  (4 * 1024 * 1024)

/* Read path into out (-ENOENT when missing); list the paths matching a glob pattern, sorted
 * (none: *ret_n 0). */
struct sshd_config_source {
	int (*read)(const char *path, struct dynbuf *out, void *arg);
	int (*glob)(const char *pattern, char ***ret_paths, size_t *ret_n, void *arg);
	void *arg;
};

struct sshd_config_file {
	char *path;
	struct dynbuf content; /* as read */
};

struct sshd_directive {
	size_t file;        /* index into files */
	unsigned long line; /* 1-based */
	size_t offset, len; /* the line's bytes in the file (without its newline) */
	char *keyword;      /* lower case */
	char *args;         /* the rest, as written (trimmed) */
	long match;         /* index of the Match directive it falls under; -1: global */
};

struct sshd_config {
	struct sshd_config_file *files;
	size_t n_files;
	struct sshd_directive *directives; /* in evaluation order, Include lines included */
	size_t n_directives;
};

/* Load main_path and everything it includes. Errors name the file and line in err. */
int sshd_config_load(const struct sshd_config_source *src, const char *main_path,
		     struct sshd_config **ret, char *err, size_t err_len);
/* Parse one file's content on its own (no Include expansion): for tests and fuzzing. */
int sshd_config_parse(const char *path, const void *content, size_t len, struct sshd_config **ret,
		      char *err, size_t err_len);
void sshd_config_free(struct sshd_config *cfg);

/* The directive that gives keyword its global value (the first outside any Match), or
 * NULL (sshd's default applies). keyword is matched case-insensitively; aliases such as
 * ChallengeResponseAuthentication for KbdInteractiveAuthentication count as the same. */
const struct sshd_directive *sshd_config_global(const struct sshd_config *cfg, const char *keyword);
/* The directives inside Match blocks that set keyword, in order (ret: indexes). */
int sshd_config_match_overrides(const struct sshd_config *cfg, const char *keyword, size_t **ret,
				size_t *ret_n);
/* The canonical name sshd -T prints for keyword (lower case; aliases resolved). */
const char *sshd_config_canonical(const char *keyword);

/* Where settings must go to take effect, as a careful engineer would put them:
 *  - when the main file includes every "*.conf" file of a directory (Debian's sshd_config.d)
 *    before any global line that sets one of the keywords, a new drop-in in DIR whose name
 *    sorts before every file there (it is read first, so it wins), or ours again when it is
 *    already the first there (rewritten whole: a second run adds no second file);
 *  - otherwise the main file, just before its first Match block (a line after a Match
 *    belongs to the block), with every earlier global line that sets one of the keywords
 *    commented out with a marker, wherever it is (it would win otherwise).
 * Files are given whole; bytes of lines not meant are kept, CRLF files stay CRLF. */
struct sshd_setting {
	const char *keyword; /* as written in the file, e.g. "PasswordAuthentication" */
	const char *value;
};

struct sshd_file_edit {
	char *path;
	bool create;           /* a new file (the drop-in) */
	bool remove;           /* the file goes (content unused) */
	struct dynbuf content; /* the whole new content */
};

struct sshd_config_plan {
	struct sshd_file_edit *edits;
	size_t n_edits;
	bool dropin; /* the first way */
};

#define SSHD_CONFIG_MARKER "# sshkeyctl:"

/* header: a comment line for the new lines (without '#'), e.g. "set by sshkeyctl harden";
 * also_comment_out: directives (indexes, e.g. from sshd_config_match_overrides) to comment
 * out with the marker as well, wherever they are. */
int sshd_config_plan_settings(const struct sshd_config *cfg, const struct sshd_setting *settings,
			      size_t n, const char *header, const size_t *also_comment_out,
			      size_t n_also, struct sshd_config_plan *ret);
void sshd_config_plan_clear(struct sshd_config_plan *plan);

/* A block of ours (a Match block: mfa's), whole: block is its text ("Match ...\n\tKEY
 * VALUE\n..."), after the comment line "# HEADER". When the main file includes a
 * directory's "*.conf" at its top level, the block is the drop-in dropin_name there,
 * written whole (a Match in an included file ends with the file; one read early comes
 * before the main file's Match blocks, and the first matching block's value wins); otherwise
 * the block goes at the end of the main file (a Match ends the block before it), any
 * earlier block of ours cut out first: ERR_CHANGED_UNDER_US (with *ret_line, its header's
 * line) when that block holds lines other than its Match and keywords. block NULL: the
 * block removed (the drop-in removed; no edit when there is none). */
int sshd_config_plan_block(const struct sshd_config *cfg, const char *dropin_name,
			   const char *header, const char *block, const char *const *keywords,
			   size_t n_keywords, struct sshd_config_plan *ret,
			   unsigned long *ret_line);

/* sshd -T output ("keyword value" lines, keywords lower case): every value printed for
 * keyword, blank-separated (lists such as AllowUsers come one line each), into buf; ""
 * when there is none. */
void sshd_effective_values(const struct dynbuf *out, const char *keyword, char *buf, size_t len);

/* An AuthorizedKeysFile entry as sshd expands it for one account: %h home, %u user, %U uid
 * (uid < 0: left as it is), %% a percent sign; a relative entry is under home. */
void sshd_authorized_keys_path(const char *entry, const char *home, const char *user, long uid,
			       char *out, size_t len);

#endif
