/* Fuzz target: a PAM service file, then its auth view with every include naming the same
 * text again (the depth limit must end it). */
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
	return 0;
}
