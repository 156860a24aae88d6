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
			/* each whitespace-separated path (quotes kept out) */
			char *copy = strdup(ld->cfg->directives[index].args), *save = NULL;
			if (!copy)
				return -ENOMEM;
			for (char *p = strtok_r(copy, " \t", &save); p && r == 0;
			     p = strtok_r(NULL, " \t", &save)) {
				size_t pl = strlen(p);
				if (pl >= 2 && p[0] == '"' && p[pl - 1] == '"') {
					p[pl - 1] = 0;
					p++;
				}
				r = include_pattern(ld, p, match, depth);
			}
			free(copy);
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
