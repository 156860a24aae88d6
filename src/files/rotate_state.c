#include "files/rotate_state.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/time_text.h"

static const char *const state_names[ROTATE_HOST_STATES] = {
	[ROTATE_HOST_PENDING] = "pending",
	[ROTATE_HOST_INSTALLED] = "installed",
	[ROTATE_HOST_DONE] = "done",
	[ROTATE_HOST_UNPROVEN] = "unproven",
};

const char *rotate_host_state_name(enum rotate_host_state s)
{
	return (unsigned)s < ROTATE_HOST_STATES ? state_names[s] : "?";
}

/* the longest string a field may hold: paths, targets, reasons */
#define FIELD_MAX 8192

void rotate_state_clear(struct rotate_state *st)
{
	free(st->key);
	free(st->new_key);
	free(st->old_fingerprint);
	free(st->new_fingerprint);
	free(st->started);
	free(st->finished);
	free(st->retired);
	for (size_t i = 0; i < st->n_hosts; i++) {
		free(st->hosts[i].target);
		free(st->hosts[i].updated);
		free(st->hosts[i].reason);
	}
	free(st->hosts);
	memset(st, 0, sizeof(*st));
}

/* field of o as a string copy into *ret: required (absent or null an error) unless
 * nullable, where null (or absence) leaves *ret NULL */
static int get_string(json_t *o, const char *field, bool nullable, char **ret, const char *name,
		      const char *where, struct diag *d)
{
	json_t *v = json_object_get(o, field);
	if ((!v || json_is_null(v)) && nullable)
		return 0;
	if (!v || !json_is_string(v)) {
		diag_set(d, "%s: %s\"%s\" must be a string%s", name, where, field,
			 nullable ? " or null" : "");
		return ERR_FORMAT;
	}
	size_t len = json_string_length(v);
	const char *text = json_string_value(v);
	if (len == 0 || len > FIELD_MAX || strlen(text) != len) {
		diag_set(d, "%s: %s\"%s\" is empty, too long or holds a NUL byte", name, where,
			 field);
		return ERR_FORMAT;
	}
	if (!(*ret = strdup(text)))
		return -ENOMEM;
	return 0;
}

/* every field of o one of allowed: a file edited by hand says what it did not expect */
static int only_fields(json_t *o, const char *const *allowed, const char *name, const char *where,
		       struct diag *d)
{
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		size_t i = 0;
		while (allowed[i] && strcmp(allowed[i], k) != 0)
			i++;
		if (!allowed[i]) {
			diag_set(d, "%s: %sunknown field \"%.64s\"", name, where, k);
			return ERR_FORMAT;
		}
	}
	return 0;
}

static int parse_host(json_t *h, size_t i, const char *name, struct rotate_state_host *ret,
		      struct diag *d)
{
	static const char *const fields[] = {"target", "state", "updated", "reason", NULL};
	char where[64];
	char *state = NULL;
	snprintf(where, sizeof(where), "hosts[%zu]: ", i);
	if (!json_is_object(h)) {
		diag_set(d, "%s: %snot an object", name, where);
		return ERR_FORMAT;
	}
	int r = only_fields(h, fields, name, where, d);
	if (r == 0)
		r = get_string(h, "target", false, &ret->target, name, where, d);
	if (r == 0)
		r = get_string(h, "state", false, &state, name, where, d);
	if (r == 0)
		r = get_string(h, "updated", true, &ret->updated, name, where, d);
	if (r == 0)
		r = get_string(h, "reason", true, &ret->reason, name, where, d);
	if (r == 0) {
		unsigned s = 0;
		while (s < ROTATE_HOST_STATES && strcmp(state_names[s], state) != 0)
			s++;
		if (s == ROTATE_HOST_STATES) {
			diag_set(d,
				 "%s: %s\"state\" is \"%.64s\", not pending, installed, done or "
				 "unproven",
				 name, where, state);
			r = ERR_FORMAT;
		}
		ret->state = (enum rotate_host_state)s;
	}
	free(state);
	return r;
}

int rotate_state_parse(const char *data, size_t len, const char *name, struct rotate_state *ret,
		       struct diag *d)
{
	static const char *const fields[] = {
		"format",          "key",     "new_key",  "old_fingerprint",
		"new_fingerprint", "started", "keep_old", "finished",
		"retired",         "hosts",   NULL};
	struct rotate_state st = {0};
	json_error_t err;
	json_t *root = NULL, *v;
	int r = ERR_FORMAT;
	if (len > ROTATE_STATE_FILE_MAX) {
		diag_set(d, "%s: larger than %u bytes", name, ROTATE_STATE_FILE_MAX);
		goto out;
	}
	if (!(root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err))) {
		diag_set(d, "%s:%d:%d: not sshkeyctl's rotation state: %s", name, err.line,
			 err.column, err.text);
		goto out;
	}
	if (!json_is_object(root)) {
		diag_set(d, "%s: not sshkeyctl's rotation state (not a JSON object)", name);
		goto out;
	}
	v = json_object_get(root, "format");
	if (!json_is_string(v) || strcmp(json_string_value(v), ROTATE_STATE_FORMAT) != 0) {
		diag_set(d, "%s: not sshkeyctl's rotation state (\"format\" is not \"%s\")", name,
			 ROTATE_STATE_FORMAT);
		goto out;
	}
	if ((r = only_fields(root, fields, name, "", d)) < 0 ||
	    (r = get_string(root, "key", false, &st.key, name, "", d)) < 0 ||
	    (r = get_string(root, "new_key", false, &st.new_key, name, "", d)) < 0 ||
	    (r = get_string(root, "old_fingerprint", false, &st.old_fingerprint, name, "", d)) <
		    0 ||
	    (r = get_string(root, "new_fingerprint", false, &st.new_fingerprint, name, "", d)) <
		    0 ||
	    (r = get_string(root, "started", false, &st.started, name, "", d)) < 0 ||
	    (r = get_string(root, "finished", true, &st.finished, name, "", d)) < 0 ||
	    (r = get_string(root, "retired", true, &st.retired, name, "", d)) < 0)
		goto out;
	r = ERR_FORMAT;
	v = json_object_get(root, "keep_old");
	if (!json_is_boolean(v)) {
		diag_set(d, "%s: \"keep_old\" must be true or false", name);
		goto out;
	}
	st.keep_old = json_is_true(v);
	v = json_object_get(root, "hosts");
	if (!json_is_array(v) || json_array_size(v) > ROTATE_STATE_HOSTS_MAX) {
		diag_set(d, "%s: \"hosts\" must be a list of at most %u hosts", name,
			 ROTATE_STATE_HOSTS_MAX);
		goto out;
	}
	r = 0;
	if (json_array_size(v) && !(st.hosts = calloc(json_array_size(v), sizeof(*st.hosts))))
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < json_array_size(v); i++) {
		r = parse_host(json_array_get(v, i), i, name, &st.hosts[i], d);
		st.n_hosts = i + 1;
		for (size_t j = 0; r == 0 && j < i; j++)
			if (!strcmp(st.hosts[j].target, st.hosts[i].target)) {
				diag_set(d, "%s: hosts[%zu]: \"%.256s\" is listed twice", name, i,
					 st.hosts[i].target);
				r = ERR_FORMAT;
			}
	}
out:
	json_decref(root);
	if (r < 0) {
		rotate_state_clear(&st);
		return r;
	}
	*ret = st;
	return 0;
}

static json_t *string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

int rotate_state_format(const struct rotate_state *st, struct dynbuf *out)
{
	json_t *hosts = json_array();
	int r = hosts ? 0 : -ENOMEM;
	for (size_t i = 0; r == 0 && i < st->n_hosts; i++) {
		const struct rotate_state_host *h = &st->hosts[i];
		json_t *o =
			json_pack("{s:s, s:s, s:o, s:o}", "target", h->target, "state",
				  rotate_host_state_name(h->state), "updated",
				  string_or_null(h->updated), "reason", string_or_null(h->reason));
		/* json_pack refuses text that is not UTF-8 (the caller checks paths first) */
		if (!o || json_array_append_new(hosts, o) < 0)
			r = -EILSEQ;
	}
	json_t *root =
		r == 0 ? json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:o}", "format",
				   ROTATE_STATE_FORMAT, "key", st->key, "new_key", st->new_key,
				   "old_fingerprint", st->old_fingerprint, "new_fingerprint",
				   st->new_fingerprint, "started", st->started, "keep_old",
				   st->keep_old, "finished", string_or_null(st->finished),
				   "retired", string_or_null(st->retired), "hosts", hosts)
		       : NULL;
	if (r == 0 && !root)
		r = -EILSEQ;
	hosts = NULL; /* root owns it now (or json_pack freed it) */
	char *text = root ? json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;
	if (r == 0 && !text)
		r = -ENOMEM;
	if (r == 0 && (r = dynbuf_append_str(out, text)) == 0)
		r = dynbuf_append_byte(out, '\n');
	free(text);
	json_decref(root);
	json_decref(hosts);
	return r;
}

struct rotate_state_host *rotate_state_host(struct rotate_state *st, const char *target, bool add)
{
	for (size_t i = 0; i < st->n_hosts; i++)
		if (!strcmp(st->hosts[i].target, target))
			return &st->hosts[i];
	if (!add || st->n_hosts >= ROTATE_STATE_HOSTS_MAX)
		return NULL;
	struct rotate_state_host *grown = realloc(st->hosts, (st->n_hosts + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	st->hosts = grown;
	struct rotate_state_host *h = &st->hosts[st->n_hosts];
	*h = (struct rotate_state_host){.state = ROTATE_HOST_PENDING};
	if (!(h->target = strdup(target)))
		return NULL;
	st->n_hosts++;
	return h;
}

int rotate_state_set(struct rotate_state_host *h, enum rotate_host_state state, const char *reason)
{
	char now[32];
	time_text_iso((long long)time(NULL), now);
	char *updated = strdup(now), *why = reason ? strdup(reason) : NULL;
	if (!updated || (reason && !why)) {
		free(updated);
		free(why);
		return -ENOMEM;
	}
	free(h->updated);
	free(h->reason);
	h->state = state;
	h->updated = updated;
	h->reason = why;
	return 0;
}
