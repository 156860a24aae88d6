#include "files/pam_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pam_config_clear(struct pam_config *c)
{
	free(c->rules);
	c->rules = NULL;
	c->n = 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* the next word of s[*pos..len) into buf (a bracketed control whole, its spaces kept) */
static bool word(const char *s, size_t len, size_t *pos, char *buf, size_t size, bool bracketed)
{
	size_t i = *pos;
	while (i < len && is_space(s[i]))
		i++;
	if (i == len)
		return false;
	size_t start = i;
	if (bracketed && s[i] == '[') {
		while (i < len && s[i] != ']')
			i++;
		if (i == len)
			return false;
		i++;
	} else {
		while (i < len && !is_space(s[i]))
			i++;
	}
	if (i - start >= size)
		return false;
	memcpy(buf, s + start, i - start);
	buf[i - start] = 0;
	*pos = i;
	return true;
}

/* one logical line (continuations joined, comment cut) into a rule; false: blank */
static int rule_of(const char *s, size_t len, unsigned long lineno, const char *name,
		   struct pam_rule *r, struct diag *d)
{
	size_t pos = 0;
	memset(r, 0, sizeof(*r));
	r->line = lineno;
	if (!word(s, len, &pos, r->type, sizeof(r->type), false))
		return 0;
	if (!strcmp(r->type, "@include")) {
		r->kind = PAM_INCLUDE_LINE;
		r->type[0] = 0;
		snprintf(r->control, sizeof(r->control), "include");
		if (!word(s, len, &pos, r->module, sizeof(r->module), false))
			goto bad;
		return 1;
	}
	const char *type = r->type;
	if (*type == '-') {
		r->dash = true;
		type++;
	}
	if (strcmp(type, "auth") && strcmp(type, "account") && strcmp(type, "password") &&
	    strcmp(type, "session"))
		goto bad;
	if (r->dash)
		memmove(r->type, r->type + 1, strlen(r->type));
	if (!word(s, len, &pos, r->control, sizeof(r->control), true) ||
	    !word(s, len, &pos, r->module, sizeof(r->module), false))
		goto bad;
	while (pos < len && is_space(s[pos]))
		pos++;
	size_t rest = len - pos;
	while (rest && is_space(s[pos + rest - 1]))
		rest--;
	if (rest >= sizeof(r->args))
		goto bad;
	memcpy(r->args, s + pos, rest);
	r->args[rest] = 0;
	return 1;
bad:
	diag_set(d, "%s:%lu: not a PAM rule (TYPE CONTROL MODULE [ARGS], or @include NAME)", name,
		 lineno);
	return ERR_FORMAT;
}

int pam_config_parse(const char *text, size_t len, const char *name, struct pam_config *ret,
		     struct diag *d)
{
	struct pam_config c = {0};
	char *logical = NULL;
	size_t pos = 0;
	unsigned long lineno = 0;
	int r = 0;
	if (len > PAM_CONFIG_FILE_MAX) {
		diag_set(d, "%s: larger than a PAM service file can be here (%d bytes)", name,
			 PAM_CONFIG_FILE_MAX);
		return ERR_TOO_LARGE;
	}
	if (memchr(text, 0, len)) {
		diag_set(d, "%s: holds a NUL byte", name);
		return ERR_FORMAT;
	}
	logical = malloc(len + 1);
	if (!logical)
		return -ENOMEM;
	while (pos < len && r == 0) {
		/* a logical line: physical lines joined where one ends with '\' */
		size_t n = 0;
		unsigned long first = lineno + 1;
		for (;;) {
			const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
			size_t l = nl ? (size_t)(nl - line) : len - pos;
			pos += l + (nl != NULL);
			lineno++;
			const char *hash = memchr(line, '#', l);
			bool more = !hash && l && line[l - 1] == '\\' && pos < len;
			size_t keep = hash ? (size_t)(hash - line) : l - more;
			memcpy(logical + n, line, keep);
			n += keep;
			if (!more)
				break;
			logical[n++] = ' ';
		}
		struct pam_rule rule;
		int got = rule_of(logical, n, first, name, &rule, d);
		if (got < 0) {
			r = got;
		} else if (got) {
			if (c.n >= PAM_CONFIG_RULES_MAX) {
				diag_set(d, "%s:%lu: more than %d rules", name, first,
					 PAM_CONFIG_RULES_MAX);
				r = ERR_TOO_LARGE;
				break;
			}
			struct pam_rule *more = realloc(c.rules, (c.n + 1) * sizeof(*more));
			if (!more) {
				r = -ENOMEM;
				break;
			}
			c.rules = more;
			c.rules[c.n++] = rule;
		}
	}
	free(logical);
	if (r < 0) {
		pam_config_clear(&c);
		return r;
	}
	*ret = c;
	return 0;
}

/* the module's name without its directory and ".so" */
static bool module_is(const char *module, const char *name)
{
	const char *base = strrchr(module, '/');
	base = base ? base + 1 : module;
	size_t n = strlen(name);
	return !strncmp(base, name, n) && (!base[n] || !strcmp(base + n, ".so"));
}

static bool has_arg(const char *args, const char *arg)
{
	size_t n = strlen(arg);
	for (const char *p = args; (p = strstr(p, arg)); p += n)
		if ((p == args || is_space(p[-1])) && (!p[n] || is_space(p[n])))
			return true;
	return false;
}

struct view_walk {
	int (*load)(const char *name, char **ret_text, size_t *ret_len, void *arg);
	void *arg;
	struct pam_auth_view *view;
	struct diag *d;
};

static int walk(struct view_walk *w, const struct pam_config *c, const char *name, unsigned depth)
{
	static const char *const password_modules[] = {"pam_unix", "pam_sss", "pam_ldap",
						       "pam_krb5", "pam_winbind"};
	int r = 0;
	for (size_t i = 0; i < c->n && r == 0; i++) {
		const struct pam_rule *rule = &c->rules[i];
		bool include = rule->kind == PAM_INCLUDE_LINE ||
			       !strcmp(rule->control, "include") ||
			       !strcmp(rule->control, "substack");
		if (rule->kind == PAM_RULE && strcmp(rule->type, "auth"))
			continue;
		if (include) {
			char *text = NULL;
			size_t len = 0;
			struct pam_config inner = {0};
			if (depth >= PAM_CONFIG_DEPTH_MAX) {
				diag_set(w->d, "%s:%lu: includes nested deeper than %d", name,
					 rule->line, PAM_CONFIG_DEPTH_MAX);
				return ERR_FORMAT;
			}
			/* a name, never a path: PAM reads it in /etc/pam.d */
			if (strchr(rule->module, '/')) {
				diag_set(w->d, "%s:%lu: an include that is a path", name,
					 rule->line);
				return ERR_FORMAT;
			}
			r = w->load(rule->module, &text, &len, w->arg);
			if (r == -ENOENT) {
				r = 0; /* PAM skips it */
				continue;
			}
			if (r == 0)
				r = pam_config_parse(text, len, rule->module, &inner, w->d);
			free(text);
			if (r == 0)
				r = walk(w, &inner, rule->module, depth + 1);
			pam_config_clear(&inner);
			continue;
		}
		for (size_t m = 0; m < sizeof(password_modules) / sizeof(password_modules[0]); m++)
			if (module_is(rule->module, password_modules[m]) &&
			    !w->view->asks_password) {
				w->view->asks_password = true;
				snprintf(w->view->password_at, sizeof(w->view->password_at),
					 "%s:%lu", name, rule->line);
			}
		if (module_is(rule->module, "pam_google_authenticator") && !w->view->asks_totp) {
			w->view->asks_totp = true;
			w->view->totp_nullok = has_arg(rule->args, "nullok");
			snprintf(w->view->totp_at, sizeof(w->view->totp_at), "%s:%lu", name,
				 rule->line);
		}
	}
	return r;
}

int pam_auth_view(const struct pam_config *c, const char *name,
		  int (*load)(const char *name, char **ret_text, size_t *ret_len, void *arg),
		  void *arg, struct pam_auth_view *ret, struct diag *d)
{
	struct pam_auth_view v = {0};
	struct view_walk w = {load, arg, &v, d};
	int r = walk(&w, c, name, 0);
	if (r == 0)
		*ret = v;
	return r;
}

/* The lines mfa adds after the password step it comments out. */
#define TOTP_HEADER                                                                        \
	"# sshkeyctl mfa: after the key, a TOTP code (pam_google_authenticator), not the " \
	"password"
#define TOTP_RULE_NULLOK "auth required pam_google_authenticator.so nullok"
#define TOTP_RULE        "auth required pam_google_authenticator.so"
#define TOTP_PERMIT      "auth required pam_permit.so"

/* Each line of text, with its length (newline excluded) and whether a newline ends it. */
struct text_line {
	const char *s;
	size_t len;
	bool nl;
};

static size_t count_lines(const char *text, size_t len)
{
	size_t n = 1;
	if (!len)
		return n; /* (text may be NULL: an empty buffer's) */
	for (const char *p = text; (p = memchr(p, '\n', len - (size_t)(p - text))); p++)
		n++;
	return n;
}

static size_t split_lines(const char *text, size_t len, struct text_line *lines, size_t max)
{
	size_t n = 0;
	for (size_t pos = 0; pos < len && n < max;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		lines[n++] = (struct text_line){text + pos, end - pos, nl != NULL};
		pos = end + (nl ? 1 : 0);
	}
	return n;
}

static bool line_is(const struct text_line *l, const char *s)
{
	return l->len == strlen(s) && memcmp(l->s, s, l->len) == 0;
}

static bool ours_added(const struct text_line *l)
{
	return line_is(l, TOTP_RULE_NULLOK) || line_is(l, TOTP_RULE) || line_is(l, TOTP_PERMIT);
}

static int put_line(struct dynbuf *out, const char *s, size_t len, bool nl)
{
	int r = dynbuf_append(out, s, len);
	return r == 0 && nl ? dynbuf_append(out, "\n", 1) : r;
}

int pam_config_totp_unedit(const char *text, size_t len, struct dynbuf *out, bool *ret_changed)
{
	size_t max = count_lines(text, len);
	struct text_line *lines = calloc(max, sizeof(*lines));
	if (!lines)
		return -ENOMEM;
	size_t n = split_lines(text, len, lines, max);
	size_t marker_len = strlen(PAM_CONFIG_MARKER);
	bool changed = false;
	int r = 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		const struct text_line *l = &lines[i];
		if (line_is(l, TOTP_HEADER)) {
			changed = true;
			while (i + 1 < n && ours_added(&lines[i + 1]))
				i++;
			continue;
		}
		/* the line we commented out is the one just before our header (any other line
		 * that starts with the marker is someone's, and stays as it is); the block
		 * after it ends as the line ended (a last line without a newline stays so) */
		if (l->len > marker_len && !memcmp(l->s, PAM_CONFIG_MARKER, marker_len) &&
		    i + 1 < n && line_is(&lines[i + 1], TOTP_HEADER)) {
			size_t j = i + 1;
			while (j + 1 < n && ours_added(&lines[j + 1]))
				j++;
			changed = true;
			r = put_line(out, l->s + marker_len, l->len - marker_len, lines[j].nl);
			i = j;
			continue;
		}
		r = put_line(out, l->s, l->len, l->nl);
	}
	free(lines);
	if (r == 0)
		*ret_changed = changed;
	return r;
}

/* The rule that asks the password in sshd's own file: Debian's "@include common-auth",
 * RHEL's "auth substack password-auth" (or include, or system-auth). */
static bool password_step(const struct pam_rule *rule)
{
	if (rule->kind == PAM_INCLUDE_LINE)
		return !strcmp(rule->module, "common-auth");
	return !strcmp(rule->type, "auth") &&
	       (!strcmp(rule->control, "substack") || !strcmp(rule->control, "include")) &&
	       (!strcmp(rule->module, "password-auth") || !strcmp(rule->module, "system-auth") ||
		!strcmp(rule->module, "common-auth"));
}

int pam_config_totp_edit(const char *text, size_t len, const char *name, bool enforce,
			 struct dynbuf *out, struct diag *d)
{
	struct dynbuf base;
	struct pam_config c = {0};
	struct text_line *lines = NULL;
	bool had = false;
	dynbuf_init(&base, PAM_CONFIG_FILE_MAX + 4096);
	/* from the file as it was before any edit of ours */
	int r = pam_config_totp_unedit(text, len, &base, &had);
	const char *t = base.len ? (const char *)base.data : "";
	if (r == 0)
		r = pam_config_parse(t, base.len, name, &c, d);
	size_t max = count_lines(t, base.len), n = 0;
	if (r == 0 && !(lines = calloc(max, sizeof(*lines))))
		r = -ENOMEM;
	if (r == 0)
		n = split_lines(t, base.len, lines, max);
	unsigned long at = 0;
	for (size_t i = 0; r == 0 && i < c.n && !at; i++)
		if (password_step(&c.rules[i]))
			at = c.rules[i].line;
	if (r == 0 && (!at || at > n ||
		       (lines[at - 1].len && lines[at - 1].s[lines[at - 1].len - 1] == '\\'))) {
		diag_set(d,
			 "%s: no \"@include common-auth\" or \"auth substack password-auth\" line "
			 "on a line of its own: sshkeyctl does not know where this stack asks the "
			 "password",
			 name);
		r = ERR_FORMAT;
	}
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (i + 1 != at) {
			r = put_line(out, lines[i].s, lines[i].len, lines[i].nl);
			continue;
		}
		r = dynbuf_printf(out, "%s%.*s\n%s\n%s", PAM_CONFIG_MARKER, (int)lines[i].len,
				  lines[i].s, TOTP_HEADER, enforce ? TOTP_RULE : TOTP_RULE_NULLOK);
		if (r == 0 && !enforce)
			r = dynbuf_printf(out, "\n%s", TOTP_PERMIT);
		if (r == 0 && lines[i].nl)
			r = dynbuf_append(out, "\n", 1);
	}
	free(lines);
	pam_config_clear(&c);
	dynbuf_free(&base);
	return r;
}
