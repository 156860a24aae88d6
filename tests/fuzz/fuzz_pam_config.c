/* Fuzz target: a PAM service file, then its auth view with every include naming the same
 * text again (the depth limit must end it); then mfa's edit: undone, it gives back the file
 * without our edit (byte for byte), made twice, the same as once, and undone twice, the same
 * as once. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "files/pam_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const uint8_t *data;
	size_t size;
};

static int load(const char *name, char **ret_text, size_t *ret_len, void *arg)
{
	const struct input *in = arg;
	if (!strcmp(name, "missing"))
		return -ENOENT;
	*ret_text = malloc(in->size + 1);
	if (!*ret_text)
		return -ENOMEM;
	memcpy(*ret_text, in->data, in->size);
	*ret_len = in->size;
	return 0;
}

static void same_or_abort(const struct dynbuf *a, const struct dynbuf *b)
{
	if (a->len != b->len || (a->len && memcmp(a->data, b->data, a->len)))
		abort();
}

static void edit_round_trip(const char *text, size_t size)
{
	struct dynbuf plain, twice, edited, again, back;
	struct diag d = {{0}};
	bool changed;
	dynbuf_init(&plain, 1 << 20);
	dynbuf_init(&twice, 1 << 20);
	dynbuf_init(&edited, 1 << 20);
	dynbuf_init(&again, 1 << 20);
	dynbuf_init(&back, 1 << 20);
	if (pam_config_totp_unedit(text, size, &plain, &changed) < 0)
		goto out;
	/* undone twice: the same as once */
	if (pam_config_totp_unedit((const char *)plain.data, plain.len, &twice, &changed) < 0 ||
	    changed)
		abort();
	same_or_abort(&twice, &plain);
	if (pam_config_totp_edit(text, size, "fuzz", size % 2, &edited, &d) == 0) {
		if (pam_config_totp_unedit((const char *)edited.data, edited.len, &back, &changed) <
			    0 ||
		    !changed)
			abort();
		same_or_abort(&back, &plain);
		if (pam_config_totp_edit((const char *)edited.data, edited.len, "fuzz", size % 2,
					 &again, &d) < 0)
			abort();
		same_or_abort(&again, &edited);
	}
out:
	dynbuf_free(&plain);
	dynbuf_free(&twice);
	dynbuf_free(&edited);
	dynbuf_free(&again);
	dynbuf_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pam_config c;
	struct pam_auth_view v;
	struct diag d = {{0}};
	struct input in = {data, size};
	if (pam_config_parse((const char *)data, size, "fuzz", &c, &d) < 0)
		return 0;
	for (size_t i = 0; i < c.n; i++)
		if (!c.rules[i].module[0])
			abort();
	pam_auth_view(&c, "fuzz", load, &in, &v, &d);
	pam_config_clear(&c);
	edit_round_trip((const char *)data, size);
	return 0;
}
