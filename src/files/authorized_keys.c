#include "files/authorized_keys.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/text_lines.h"
#include "files/key_text.h"

int authorized_keys_option_next(const char *s, size_t len, size_t *pos,
				struct authorized_keys_option *ret)
{
	size_t i = *pos;
	struct authorized_keys_option o = {{i, 0}, {0, 0}, false};
	if (i >= len)
		return 0;
	while (i < len && s[i] != '=' && s[i] != ',' && s[i] != '"')
		i++;
	if (i == o.name.off)
		return ERR_OPTIONS;
	if (i < len && s[i] == '"')
		return ERR_OPTIONS; /* quote inside a name */
	o.name.len = i - o.name.off;
	if (i < len && s[i] == '=') {
		i++;
		if (i >= len || s[i] != '"')
			return ERR_OPTIONS; /* sshd: missing start quote */
		i++;
		o.has_value = true;
		o.value.off = i;
		while (i < len && s[i] != '"') {
			if (s[i] == '\\' && i + 1 < len && s[i + 1] == '"')
				i++;
			i++;
		}
		if (i >= len)
			return ERR_OPTIONS; /* missing end quote */
		o.value.len = i - o.value.off;
		i++;
	}
	if (i < len) {
		if (s[i] != ',')
			return ERR_OPTIONS;
		i++;
		if (i == len)
			return ERR_OPTIONS; /* trailing comma */
	}
	*pos = i;
	*ret = o;
	return 1;
}

int authorized_keys_options_check(const char *s, size_t len)
{
	struct authorized_keys_option o;
	size_t pos = 0;
	int r;
	while ((r = authorized_keys_option_next(s, len, &pos, &o)) > 0)
		;
	return r;
}

int authorized_keys_parse_line(const char *line, size_t len, struct authorized_keys_entry *e)
{
	struct key_text_line t;
	memset(e, 0, sizeof(*e));
	e->raw = line;
	e->raw_len = len;
	int r = key_text_line_start(line, len, AUTHORIZED_KEYS_LINE_MAX, &t);
	e->crlf = t.crlf;
	if (r < 0) {
		e->kind = KEY_LINE_INVALID;
		e->error = r;
		return 0;
	}
	if (t.kind != KEY_LINE_KEY) {
		e->kind = t.kind;
		return 0;
	}
	/* a bare key first; when the first word is no key type, it is the options */
	r = key_text_parse_key(&t, t.pos, &e->key, &e->comment);
	if (r == ERR_KEY_TYPE_UNKNOWN || r == ERR_SSH1_KEY) {
		size_t end = key_text_skip_quoted_word(&t, t.pos);
		e->options.off = t.pos;
		e->options.len = end - t.pos;
		r = authorized_keys_options_check(line + t.pos, end - t.pos);
		if (r == 0)
			r = key_text_parse_key(&t, key_text_skip_blanks(&t, end), &e->key,
					       &e->comment);
	}
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		e->kind = KEY_LINE_INVALID;
		e->error = r;
		e->options.len = 0;
		return 0;
	}
	e->kind = KEY_LINE_KEY;
	return 0;
}

void authorized_keys_entry_clear(struct authorized_keys_entry *e)
{
	pubkey_free(e->key);
	e->key = NULL;
}

static int parse_entry(const char *line, size_t len, unsigned long lineno, bool has_newline,
		       void *entry)
{
	struct authorized_keys_entry *e = entry;
	int r = authorized_keys_parse_line(line, len, e);
	e->lineno = lineno;
	e->has_newline = has_newline;
	return r;
}

static void clear_entry(void *entry)
{
	authorized_keys_entry_clear(entry);
}

int authorized_keys_parse(const char *data, size_t len, struct authorized_keys **ret)
{
	if (len > AUTHORIZED_KEYS_FILE_MAX)
		return ERR_TOO_LARGE;
	struct authorized_keys *ak = calloc(1, sizeof(*ak));
	if (!ak)
		return -ENOMEM;
	int r = key_text_parse_lines(data, len, sizeof(struct authorized_keys_entry), parse_entry,
				     clear_entry, (void **)&ak->entries, &ak->n_entries);
	if (r < 0) {
		free(ak);
		return r;
	}
	*ret = ak;
	return 0;
}

void authorized_keys_free(struct authorized_keys *ak)
{
	if (!ak)
		return;
	for (size_t i = 0; i < ak->n_entries; i++)
		authorized_keys_entry_clear(&ak->entries[i]);
	free(ak->entries);
	free(ak);
}
