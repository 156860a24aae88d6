/* Fuzz target: ssh_config text (the user's own files and what they include, and -o
 * options), as the scan that decides whether one ssh -G serves every host reads it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/percent_expand.h"
#include "files/ssh_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ssh_config_scan s;
	if (ssh_config_scan((const char *)data, size, &s) == 0)
		ssh_config_scan_clear(&s);
	/* and setup --config-alias's edit of the same text */
	static const struct ssh_config_setting settings[] = {{"HostName", "h"}, {"Port", "22"}};
	struct dynbuf out;
	dynbuf_init(&out, SSH_CONFIG_FILE_MAX + 4096);
	ssh_config_add_host((const char *)data, size, "alias", settings, 2, &out);
	dynbuf_free(&out);
	/* and its values' %-tokens (IdentityFile, ProxyCommand), as one string */
	char *text = malloc(size + 1);
	if (text) {
		memcpy(text, data, size);
		text[size] = 0;
		static const struct percent_token tokens[] = {
			{'h', "host"}, {'p', "22"}, {'%', "x"}};
		char bad;
		dynbuf_init(&out, 4 * size + 64);
		percent_expand(text, tokens, 3, NULL, &out, &bad);
		dynbuf_free(&out);
		free(text);
	}
	return 0;
}
