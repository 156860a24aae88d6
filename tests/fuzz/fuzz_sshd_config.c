/* Fuzz target: an sshd_config file (a server's file, read as root), and the queries made of
 * the model. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "files/sshd_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sshd_config *cfg;
	char err[256];
	if (sshd_config_parse("fuzz", data, size, &cfg, err, sizeof(err)) == 0) {
		size_t *list, n;
		static const struct sshd_setting settings[] = {{"PasswordAuthentication", "no"},
							       {"PermitRootLogin", "no"}};
		struct sshd_config_plan plan;
		sshd_config_global(cfg, "PasswordAuthentication");
		if (sshd_config_plan_settings(cfg, settings, 2, "fuzz", NULL, 0, &plan) == 0)
			sshd_config_plan_clear(&plan);
		if (sshd_config_match_overrides(cfg, "ChallengeResponseAuthentication", &list,
						&n) == 0)
			free(list);
		sshd_config_free(cfg);
	}
	return 0;
}
