/* Fuzz target: an sshd_config file (a server's file, read as root), and the queries made of
 * the model; mfa's block at the end of the file: added twice is added once, and removed it
 * leaves the file as removing it from the original does. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "files/sshd_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const block_keys[] = {"KbdInteractiveAuthentication", "AuthenticationMethods"};
static const char block[] =
	"Match User fuzz\n\tAuthenticationMethods publickey,keyboard-interactive\n";

static void same_or_abort(const struct dynbuf *a, const void *b, size_t len)
{
	if (a->len != len || (len && memcmp(a->data, b, len)))
		abort();
}

/* file 0 of cfg with our block added (or removed: block NULL); 0 and ret set, or < 0 */
static int plan(const struct sshd_config *cfg, const char *text, struct sshd_config_plan *ret)
{
	unsigned long line;
	int r = sshd_config_plan_block(cfg, "x.conf", "fuzz block", text, block_keys, 2, ret,
				       &line);
	if (r == 0 && (ret->dropin || ret->n_edits > 1)) {
		sshd_config_plan_clear(ret);
		return -1;
	}
	return r;
}

static void block_round_trip(const struct sshd_config *cfg, const uint8_t *data, size_t size)
{
	struct sshd_config_plan added, removed, again, plain;
	struct sshd_config *with = NULL;
	char err[256];
	if (plan(cfg, block, &added) < 0)
		return;
	if (plan(cfg, NULL, &plain) < 0) {
		sshd_config_plan_clear(&added);
		return;
	}
	const struct dynbuf *a = &added.edits[0].content;
	if (sshd_config_parse("fuzz", a->data, a->len, &with, err, sizeof(err)) == 0) {
		if (plan(with, NULL, &removed) < 0 || plan(with, block, &again) < 0)
			abort();
		if (plain.n_edits)
			same_or_abort(&removed.edits[0].content, plain.edits[0].content.data,
				      plain.edits[0].content.len);
		else
			same_or_abort(&removed.edits[0].content, data, size);
		same_or_abort(&again.edits[0].content, a->data, a->len);
		sshd_config_plan_clear(&removed);
		sshd_config_plan_clear(&again);
		sshd_config_free(with);
	}
	sshd_config_plan_clear(&added);
	sshd_config_plan_clear(&plain);
}

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
		block_round_trip(cfg, data, size);
		sshd_config_free(cfg);
	}
	return 0;
}
