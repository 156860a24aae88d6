#include "files/sshd_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/error.h"
#include "base/text_lines.h"

#define MAX_DIRECTIVES 100000
#define MAX_FILES      1024

/* Deprecated names sshd still accepts for a keyword (servconf.c keyword table). */
static const char *const aliases[][2] = {
	{"challengeresponseauthentication", "kbdinteractiveauthentication"},
	{"skeyauthentication", "kbdinteractiveauthentication"},
	{"dsaauthentication", "pubkeyauthentication"},
};

const char *sshd_config_canonical(const char *keyword)
{
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcasecmp(keyword, aliases[i][0]))
			return aliases[i][1];
	return keyword;
}

static void set_err(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;
	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

void sshd_config_free(struct sshd_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_files; i++) {
		free(cfg->files[i].path);
		dynbuf_free(&cfg->files[i].content);
	}
	free(cfg->files);
	for (size_t i = 0; i < cfg->n_directives; i++) {
		free(cfg->directives[i].keyword);
		free(cfg->directives[i].args);
	}
	free(cfg->directives);
	free(cfg);
}

static int add_file(struct sshd_config *cfg, const char *path, const void *data, size_t len,
		    size_t *ret_index)
{
	if (cfg->n_files >= MAX_FILES)
		return -E2BIG;
	struct sshd_config_file *grown = realloc(cfg->files, (cfg->n_files + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	cfg->files = grown;
	struct sshd_config_file *f = &cfg->files[cfg->n_files];
	dynbuf_init(&f->content, SSHD_CONFIG_FILE_MAX);
	if (!(f->path = strdup(path)))
		return -ENOMEM;
	int r = dynbuf_append(&f->content, data, len);
	if (r < 0) {
		free(f->path);
		dynbuf_free(&f->content);
		return r;
	}
	*ret_index = cfg->n_files++;
	return 0;
}

static int add_directive(struct sshd_config *cfg, const struct sshd_directive *d)
{
	if (cfg->n_directives >= MAX_DIRECTIVES)
		return -E2BIG;
	struct sshd_directive *grown =
		realloc(cfg->directives, (cfg->n_directives + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	cfg->directives = grown;
	cfg->directives[cfg->n_directives++] = *d;
	return 0;
}

/* Split a line into its keyword (lower-cased) and arguments: "Keyword value",
 * "Keyword=value" and "Keyword = value" are all accepted, as sshd accepts them. false for a
 * blank line or a comment. */
static bool split_line(const char *line, size_t len, char **ret_keyword, char **ret_args,
		       int *ret_err)
{
	size_t i = 0, end = len;
	*ret_err = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	while (end > i && (line[end - 1] == ' ' || line[end - 1] == '\t' || line[end - 1] == '\r'))
		end--;
	if (i == end || line[i] == '#')
		return false;
	size_t k = i;
	while (k < end && line[k] != ' ' && line[k] != '\t' && line[k] != '=')
		k++;
	size_t a = k;
	while (a < end && (line[a] == ' ' || line[a] == '\t'))
		a++;
	if (a < end && line[a] == '=')
		for (a++; a < end && (line[a] == ' ' || line[a] == '\t'); a++)
			;
	char *keyword = strndup(line + i, k - i), *args = strndup(line + a, end - a);
	if (!keyword || !args) {
		free(keyword);
		free(args);
		*ret_err = -ENOMEM;
		return false;
	}
	for (char *p = keyword; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	*ret_keyword = keyword;
	*ret_args = args;
	return true;
}

struct loader {
	const struct sshd_config_source *src;
	struct sshd_config *cfg;
	char *err;
	size_t err_len;
};

static int load_file(struct loader *ld, const char *path, const void *data, size_t len,
		     long outer_match, int depth);

/* One Include path: relative to /etc/ssh, glob-expanded, each match loaded in order. */
static int include_pattern(struct loader *ld, const char *pattern, long outer_match, int depth)
{
	char *full = NULL, **paths = NULL;
	size_t n = 0;
	int r;
	if (pattern[0] == '/')
		full = strdup(pattern);
	else if (asprintf(&full, "%s/%s", SSHD_CONFIG_DIR, pattern) < 0)
		full = NULL;
	if (!full)
		return -ENOMEM;
	r = ld->src->glob(full, &paths, &n, ld->src->arg);
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct dynbuf b;
		dynbuf_init(&b, SSHD_CONFIG_FILE_MAX);
		r = ld->src->read(paths[i], &b, ld->src->arg);
		if (r == -ENOENT)
			r = 0; /* gone between the glob and the read: as if never there */
		else if (r < 0)
			set_err(ld->err, ld->err_len, "%s: %s", paths[i], error_to_string(r));
		else
			r = load_file(ld, paths[i], b.data, b.len, outer_match, depth + 1);
		dynbuf_free(&b);
	}
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(full);
	return r;
}

static int load_file(struct loader *ld, const char *path, const void *data, size_t len,
		     long outer_match, int depth)
{
	size_t file;
	struct line_iter it;
	const char *line;
	size_t n;
	long match = outer_match; /* a Match here lasts to the end of this file only */
	if (depth > SSHD_CONFIG_MAX_DEPTH) {
		set_err(ld->err, ld->err_len, "%s: too many levels of Include (more than %d)", path,
			SSHD_CONFIG_MAX_DEPTH);
		return -ELOOP;
	}
	int r = add_file(ld->cfg, path, data, len, &file);
	if (r < 0)
		return r;
	const char *text = (const char *)ld->cfg->files[file].content.data;
	line_iter_init(&it, text ? text : "", len);
	while (line_iter_next(&it, &line, &n, NULL)) {
		struct sshd_directive d = {.file = file,
					   .line = it.lineno,
					   .offset = (size_t)(line - text),
					   .len = n,
					   .match = match};
		if (memchr(line, 0, n)) {
			set_err(ld->err, ld->err_len, "%s:%lu: NUL byte", path, it.lineno);
			return ERR_NUL_BYTE;
		}
		if (!split_line(line, n, &d.keyword, &d.args, &r)) {
			if (r < 0)
				return r;
			continue;
		}
		bool is_match = !strcmp(d.keyword, "match");
		bool is_include = !strcmp(d.keyword, "include");
		if (is_match)
			d.match = -1; /* the Match line itself is global */
		size_t index = ld->cfg->n_directives;
		if ((r = add_directive(ld->cfg, &d)) < 0) {
			free(d.keyword);
			free(d.args);
			return r;
		}
		if (is_match)
			match = (long)index;
		if (is_include) {
			if (!d.args[0]) {
				set_err(ld->err, ld->err_len, "%s:%lu: Include without a path",
					path, it.lineno);
				return ERR_FORMAT;
			}
			/* each path, separated by blanks; double quotes keep blanks in one */
			const char *a = ld->cfg->directives[index].args;
			char *word = malloc(strlen(a) + 1);
			if (!word)
				return -ENOMEM;
			while (r == 0 && *a) {
				size_t w = 0;
				bool quoted = false;
				while (*a == ' ' || *a == '\t')
					a++;
				for (; *a && (quoted || (*a != ' ' && *a != '\t')); a++) {
					if (*a == '"')
						quoted = !quoted;
					else
						word[w++] = *a;
				}
				word[w] = 0;
				if (w)
					r = include_pattern(ld, word, match, depth);
			}
			free(word);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int sshd_config_load(const struct sshd_config_source *src, const char *main_path,
		     struct sshd_config **ret, char *err, size_t err_len)
{
	struct sshd_config *cfg = calloc(1, sizeof(*cfg));
	struct loader ld = {src, cfg, err, err_len};
	struct dynbuf b;
	if (!cfg)
		return -ENOMEM;
	dynbuf_init(&b, SSHD_CONFIG_FILE_MAX);
	int r = src->read(main_path, &b, src->arg);
	if (r < 0)
		set_err(err, err_len, "%s: %s", main_path, error_to_string(r));
	else
		r = load_file(&ld, main_path, b.data, b.len, -1, 0);
	dynbuf_free(&b);
	if (r < 0) {
		sshd_config_free(cfg);
		return r;
	}
	*ret = cfg;
	return 0;
}

static int no_glob(const char *pattern, char ***ret_paths, size_t *ret_n, void *arg)
{
	(void)pattern;
	(void)arg;
	*ret_paths = NULL;
	*ret_n = 0;
	return 0;
}

static int no_read(const char *path, struct dynbuf *out, void *arg)
{
	(void)path;
	(void)out;
	(void)arg;
	return -ENOENT;
}

int sshd_config_parse(const char *path, const void *content, size_t len, struct sshd_config **ret,
		      char *err, size_t err_len)
{
	static const struct sshd_config_source none = {no_read, no_glob, NULL};
	struct sshd_config *cfg = calloc(1, sizeof(*cfg));
	struct loader ld = {&none, cfg, err, err_len};
	if (!cfg)
		return -ENOMEM;
	int r = load_file(&ld, path, content, len, -1, 0);
	if (r < 0) {
		sshd_config_free(cfg);
		return r;
	}
	*ret = cfg;
	return 0;
}

static bool same_keyword(const char *directive_keyword, const char *keyword)
{
	return !strcasecmp(sshd_config_canonical(directive_keyword),
			   sshd_config_canonical(keyword));
}

const struct sshd_directive *sshd_config_global(const struct sshd_config *cfg, const char *keyword)
{
	for (size_t i = 0; i < cfg->n_directives; i++) {
		const struct sshd_directive *d = &cfg->directives[i];
		if (d->match < 0 && same_keyword(d->keyword, keyword))
			return d;
	}
	return NULL;
}

int sshd_config_match_overrides(const struct sshd_config *cfg, const char *keyword, size_t **ret,
				size_t *ret_n)
{
	size_t *list = calloc(cfg->n_directives ? cfg->n_directives : 1, sizeof(*list));
	size_t n = 0;
	if (!list)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->n_directives; i++) {
		const struct sshd_directive *d = &cfg->directives[i];
		if (d->match >= 0 && same_keyword(d->keyword, keyword))
			list[n++] = i;
	}
	*ret = list;
	*ret_n = n;
	return 0;
}

void sshd_config_plan_clear(struct sshd_config_plan *plan)
{
	for (size_t i = 0; i < plan->n_edits; i++) {
		free(plan->edits[i].path);
		dynbuf_free(&plan->edits[i].content);
	}
	free(plan->edits);
	memset(plan, 0, sizeof(*plan));
}

static struct sshd_file_edit *new_edit(struct sshd_config_plan *plan, const char *path)
{
	struct sshd_file_edit *grown = realloc(plan->edits, (plan->n_edits + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	plan->edits = grown;
	struct sshd_file_edit *e = &plan->edits[plan->n_edits];
	memset(e, 0, sizeof(*e));
	dynbuf_init(&e->content, SSHD_CONFIG_FILE_MAX + 64 * 1024);
	if (!(e->path = strdup(path)))
		return NULL;
	plan->n_edits++;
	return e;
}

static bool sets_one_of(const struct sshd_directive *d, const struct sshd_setting *settings,
			size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (same_keyword(d->keyword, settings[i].keyword))
			return true;
	return false;
}

/* The settings as lines, after a header comment, with the file's line ending. */
static int setting_lines(struct dynbuf *out, const struct sshd_setting *settings, size_t n,
			 const char *header, const char *eol)
{
	int r = dynbuf_printf(out, "# %s%s", header, eol);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = dynbuf_printf(out, "%s %s%s", settings[i].keyword, settings[i].value, eol);
	return r;
}

static bool file_uses_crlf(const struct sshd_config_file *f)
{
	const char *text = f->content.len ? (const char *)f->content.data : "";
	const char *nl = memchr(text, '\n', f->content.len);
	return nl && nl > text && nl[-1] == '\r';
}

/* A name in dir that sorts before every file the pattern matched there, or NULL. */
/* The drop-in name for dir: one that sorts before every file there, or the file already
 * first there when it is ours (a second run rewrites it instead of adding another).
 * *ret_exists tells which. */
static const char *first_name(const struct sshd_config *cfg, const char *dir, bool *ret_exists)
{
	static const char *const candidates[] = {"00-sshkeyctl.conf", "00-0-sshkeyctl.conf",
						 "0-sshkeyctl.conf", "0-0-sshkeyctl.conf"};
	size_t dir_len = strlen(dir);
	const char *lowest = NULL;
	for (size_t i = 0; i < cfg->n_files; i++) {
		const char *p = cfg->files[i].path;
		/* a file of Match blocks alone (mfa's) sets no global value to come before */
		bool sets_global = false;
		for (size_t k = 0; k < cfg->n_directives && !sets_global; k++)
			sets_global = cfg->directives[k].file == i &&
				      cfg->directives[k].match < 0 &&
				      strcmp(cfg->directives[k].keyword, "match") != 0;
		if (sets_global && strncmp(p, dir, dir_len) == 0 && p[dir_len] == '/' &&
		    !strchr(p + dir_len + 1, '/') &&
		    (!lowest || strcmp(p + dir_len + 1, lowest) < 0))
			lowest = p + dir_len + 1;
	}
	*ret_exists = false;
	for (size_t c = 0; c < sizeof(candidates) / sizeof(candidates[0]); c++) {
		if (lowest && strcmp(lowest, candidates[c]) == 0) {
			*ret_exists = true;
			return candidates[c];
		}
		if (!lowest || strcmp(candidates[c], lowest) < 0)
			return candidates[c];
	}
	return NULL;
}

/* The directory whose "*.conf" files an Include argument names (absolute, or under
 * /etc/ssh), or NULL for any other argument. */
static char *dropin_dir(const char *args)
{
	size_t len = strlen(args);
	if (len < 8 || strcmp(args + len - 7, "/*.conf") != 0 ||
	    strpbrk(args, " \t\"*?[") != args + len - 6)
		return NULL;
	char *dir = NULL;
	if (args[0] == '/')
		dir = strndup(args, len - 7);
	else if (asprintf(&dir, "%s/%.*s", SSHD_CONFIG_DIR, (int)(len - 7), args) < 0)
		dir = NULL;
	return dir;
}

/* Copy file f into out, commenting out the lines of the directives listed. */
static int rewrite_file(const struct sshd_config *cfg, size_t f, const bool *comment_out,
			size_t insert_before, const struct sshd_setting *settings, size_t n,
			const char *header, struct dynbuf *out)
{
	const struct sshd_config_file *file = &cfg->files[f];
	const char *text = file->content.len ? (const char *)file->content.data : "";
	const char *eol = file_uses_crlf(file) ? "\r\n" : "\n";
	size_t pos = 0;
	int r = 0;
	bool inserted = n == 0; /* nothing to insert in this file */
	for (size_t i = 0; r == 0 && i < cfg->n_directives; i++) {
		const struct sshd_directive *d = &cfg->directives[i];
		if (d->file != f)
			continue;
		if (!inserted && insert_before != (size_t)-1 && i == insert_before) {
			r = dynbuf_append(out, text + pos, d->offset - pos);
			pos = d->offset;
			if (r == 0)
				r = setting_lines(out, settings, n, header, eol);
			inserted = true;
		}
		if (r == 0 && comment_out[i]) {
			/* after the indentation, which stays as it was */
			size_t at = d->offset;
			while (at < d->offset + d->len && (text[at] == ' ' || text[at] == '\t'))
				at++;
			r = dynbuf_append(out, text + pos, at - pos);
			if (r == 0)
				r = dynbuf_printf(out, "%s ", SSHD_CONFIG_MARKER);
			pos = at;
		}
	}
	if (r == 0)
		r = dynbuf_append(out, text + pos, file->content.len - pos);
	if (r == 0 && !inserted) {
		/* no Match: at the end, after a newline for a last line without one */
		if (file->content.len && text[file->content.len - 1] != '\n')
			r = dynbuf_append_str(out, eol);
		if (r == 0)
			r = setting_lines(out, settings, n, header, eol);
	}
	return r;
}

int sshd_config_plan_settings(const struct sshd_config *cfg, const struct sshd_setting *settings,
			      size_t n, const char *header, const size_t *also_comment_out,
			      size_t n_also, struct sshd_config_plan *ret)
{
	struct sshd_config_plan plan = {0};
	bool *comment_out = calloc(cfg->n_directives ? cfg->n_directives : 1, sizeof(*comment_out));
	char *dir = NULL;
	int r = comment_out ? 0 : -ENOMEM;
	if (r < 0 || cfg->n_files == 0)
		goto out;
	for (size_t i = 0; i < n_also; i++)
		if (also_comment_out[i] < cfg->n_directives)
			comment_out[also_comment_out[i]] = true;
	/* 1. the main file includes a directory's "*.conf" before any competing global line */
	for (size_t i = 0; i < cfg->n_directives && !dir; i++) {
		const struct sshd_directive *d = &cfg->directives[i];
		if (d->match >= 0)
			continue;
		if (sets_one_of(d, settings, n))
			break;
		if (d->file == 0 && !strcmp(d->keyword, "include"))
			dir = dropin_dir(d->args);
	}
	bool exists = false;
	const char *name = dir ? first_name(cfg, dir, &exists) : NULL;
	size_t insert = (size_t)-1;
	if (name) {
		char *path = NULL;
		struct sshd_file_edit *e;
		if (asprintf(&path, "%s/%s", dir, name) < 0 || !(e = new_edit(&plan, path))) {
			free(path);
			r = -ENOMEM;
			goto out;
		}
		free(path);
		e->create = !exists;
		plan.dropin = true;
		if ((r = setting_lines(&e->content, settings, n, header, "\n")) < 0)
			goto out;
	} else {
		/* 2. the main file before its first Match, earlier competing lines commented
		 * out */
		for (size_t i = 0; i < cfg->n_directives; i++)
			if (cfg->directives[i].file == 0 &&
			    !strcmp(cfg->directives[i].keyword, "match")) {
				insert = i;
				break;
			}
		for (size_t i = 0; i < cfg->n_directives && i < insert; i++) {
			const struct sshd_directive *d = &cfg->directives[i];
			if (d->match < 0 && sets_one_of(d, settings, n))
				comment_out[i] = true;
		}
	}
	for (size_t f = 0; r == 0 && f < cfg->n_files; f++) {
		bool gets_settings = f == 0 && !plan.dropin;
		bool touched = gets_settings;
		for (size_t i = 0; !touched && i < cfg->n_directives; i++)
			touched = comment_out[i] && cfg->directives[i].file == f;
		if (!touched)
			continue;
		struct sshd_file_edit *e = new_edit(&plan, cfg->files[f].path);
		if (!e) {
			r = -ENOMEM;
			break;
		}
		r = rewrite_file(cfg, f, comment_out, gets_settings ? insert : (size_t)-1, settings,
				 gets_settings ? n : 0, header, &e->content);
	}
out:
	free(dir);
	free(comment_out);
	if (r < 0) {
		sshd_config_plan_clear(&plan);
		return r;
	}
	*ret = plan;
	return 0;
}

void sshd_effective_values(const struct dynbuf *out, const char *keyword, char *buf, size_t len)
{
	keyword_values(out->len ? (const char *)out->data : "", out->len, keyword, true, buf, len);
}

void sshd_authorized_keys_path(const char *entry, const char *home, const char *user, long uid,
			       char *out, size_t len)
{
	size_t o = 0;
	out[0] = 0;
	if (entry[0] != '/' && entry[0] != '%')
		o = (size_t)snprintf(out, len, "%s/", home);
	for (const char *c = entry; *c && o + 1 < len; c++) {
		char number[32];
		const char *v = NULL;
		if (c[0] == '%' && c[1] == 'h')
			v = home;
		else if (c[0] == '%' && c[1] == 'u')
			v = user;
		else if (c[0] == '%' && c[1] == 'U' && uid >= 0)
			snprintf(number, sizeof(number), "%ld", uid), v = number;
		else if (c[0] == '%' && c[1] == '%')
			v = "%";
		if (v) {
			int n = snprintf(out + o, len - o, "%s", v);
			o += n > 0 ? (size_t)n : 0;
			c++;
		} else {
			out[o++] = *c;
			out[o] = 0;
		}
	}
	if (o >= len)
		out[len - 1] = 0;
}

/* The drop-in directory the main file includes at the top level, or NULL. */
static char *top_dropin_dir(const struct sshd_config *cfg)
{
	for (size_t i = 0; i < cfg->n_directives; i++) {
		const struct sshd_directive *d = &cfg->directives[i];
		if (d->match < 0 && d->file == 0 && !strcmp(d->keyword, "include")) {
			char *dir = dropin_dir(d->args);
			if (dir)
				return dir;
		}
	}
	return NULL;
}

static const struct sshd_config_file *file_named(const struct sshd_config *cfg, const char *path)
{
	for (size_t f = 0; f < cfg->n_files; f++)
		if (!strcmp(cfg->files[f].path, path))
			return &cfg->files[f];
	return NULL;
}

/* The header's words when the file's last line had no newline and one was added before
 * the block: the block's removal takes it away again (the file back byte for byte). */
#define ADDED_NEWLINE " (a newline added before it)"

/* Our block in the main file: from its header line to the next Match line (or the end);
 * ERR_CHANGED_UNDER_US when a line in it is neither ours nor blank (someone else's lines
 * would go with it). *ret_start == *ret_end: none. */
static int find_block(const struct sshd_config *cfg, const char *header, size_t *ret_start,
		      size_t *ret_end, unsigned long *ret_line, const char *const *keywords,
		      size_t n_keywords)
{
	const struct sshd_config_file *f = &cfg->files[0];
	const char *text = f->content.len ? (const char *)f->content.data : "";
	size_t len = f->content.len, hlen = strlen(header);
	bool found = false;
	*ret_start = *ret_end = 0;
	unsigned long line = 1;
	for (size_t pos = 0; pos < len; line++) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) + 1 : len;
		size_t l = end - pos - (nl ? 1 : 0);
		if (l && text[pos + l - 1] == '\r')
			l--;
		bool ours = l >= hlen + 2 && !memcmp(text + pos, "# ", 2) &&
			    !memcmp(text + pos + 2, header, hlen);
		bool added_nl =
			ours && l == hlen + 2 + strlen(ADDED_NEWLINE) &&
			!memcmp(text + pos + 2 + hlen, ADDED_NEWLINE, strlen(ADDED_NEWLINE));
		if (ours && (l == hlen + 2 || added_nl)) {
			if (found)
				return ERR_CHANGED_UNDER_US; /* two blocks of ours: not ours alone
							      */
			found = true;
			/* the newline we added after a last line without one goes too */
			*ret_start = added_nl && pos ? pos - 1 : pos;
			*ret_line = line;
		}
		pos = end;
	}
	if (!found)
		return 0;
	/* its directives: the first Match is ours, then our keywords, up to the next Match */
	bool seen_match = false;
	*ret_end = len;
	for (size_t i = 0; i < cfg->n_directives; i++) {
		const struct sshd_directive *d = &cfg->directives[i];
		if (d->file != 0 || d->offset < *ret_start)
			continue;
		if (!strcmp(d->keyword, "match")) {
			if (seen_match) {
				*ret_end = d->offset;
				break;
			}
			seen_match = true;
			continue;
		}
		bool ours = false;
		for (size_t k = 0; seen_match && !ours && k < n_keywords; k++)
			ours = same_keyword(d->keyword, keywords[k]);
		if (!ours)
			return ERR_CHANGED_UNDER_US;
	}
	return 0;
}

int sshd_config_plan_block(const struct sshd_config *cfg, const char *dropin_name,
			   const char *header, const char *block, const char *const *keywords,
			   size_t n_keywords, struct sshd_config_plan *ret, unsigned long *ret_line)
{
	struct sshd_config_plan plan = {0};
	char *dir = cfg->n_files ? top_dropin_dir(cfg) : NULL;
	char *path = NULL;
	int r = cfg->n_files ? 0 : -EINVAL;
	*ret_line = 0;
	if (r == 0 && dir) {
		if (asprintf(&path, "%s/%s", dir, dropin_name) < 0) {
			path = NULL;
			r = -ENOMEM;
			goto out;
		}
		bool exists = file_named(cfg, path) != NULL;
		plan.dropin = true;
		if (!block && !exists)
			goto out; /* nothing to remove */
		struct sshd_file_edit *e = new_edit(&plan, path);
		if (!e) {
			r = -ENOMEM;
			goto out;
		}
		e->create = !exists;
		e->remove = !block;
		if (block)
			r = dynbuf_printf(&e->content, "# %s\n%s", header, block);
		goto out;
	}
	if (r < 0)
		goto out;
	size_t start, end;
	unsigned long line = 0;
	if ((r = find_block(cfg, header, &start, &end, &line, keywords, n_keywords)) < 0) {
		*ret_line = line;
		goto out;
	}
	if (!block && start == end)
		goto out; /* no block of ours */
	const struct sshd_config_file *f = &cfg->files[0];
	const char *text = f->content.len ? (const char *)f->content.data : "";
	struct sshd_file_edit *e = new_edit(&plan, f->path);
	if (!e) {
		r = -ENOMEM;
		goto out;
	}
	r = dynbuf_append(&e->content, text, start);
	if (r == 0)
		r = dynbuf_append(&e->content, text + end, f->content.len - end);
	if (r == 0 && block) {
		/* at the end: a line after a Match belongs to it, and a new Match ends the block
		 * before it */
		bool add_nl = e->content.len && e->content.data[e->content.len - 1] != '\n';
		r = dynbuf_printf(&e->content, "%s# %s%s\n%s", add_nl ? "\n" : "", header,
				  add_nl ? ADDED_NEWLINE : "", block);
	}
out:
	free(dir);
	free(path);
	if (r < 0) {
		sshd_config_plan_clear(&plan);
		return r;
	}
	*ret = plan;
	return 0;
}
