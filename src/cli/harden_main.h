/* harden's report and exit status, shared with setup --harden. */
#ifndef SSHKEYCTL_CLI_HARDEN_MAIN_H
#define SSHKEYCTL_CLI_HARDEN_MAIN_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "cli/fleet_options.h"
#include "ops/harden.h"

struct report_shared;
/* shared: blocks many hosts share, shown once (cli/report.h); NULL: in full */
void harden_report(const char *spec, const struct harden_result *res, bool json,
		   struct report_shared *shared);
/* harden on o's targets (only those where only[i], when only is not NULL), each reported,
 * then the summary; the exit status. keys: each target's (NULL: req's for all). */
struct target_keys;
int harden_fleet(struct fleet_options *o, const struct harden_request *req, const bool *only,
		 const struct target_keys *keys);
/* The same with another report per host (mfa's words). */
typedef void (*harden_report_fn)(const char *spec, const struct harden_result *res, bool json,
				 struct report_shared *shared);
int harden_fleet_reported(struct fleet_options *o, const struct harden_request *req,
			  const bool *only, const struct target_keys *keys,
			  harden_report_fn report);
/* The options of every command that changes sshd's configuration through harden's
 * transaction (harden, mfa): --confirm-timeout SECONDS, --sudo-password-file FILE. */
enum { HARDEN_OPT_CONFIRM_TIMEOUT = 400, HARDEN_OPT_SUDO_PASSWORD_FILE };
#define HARDEN_TRANSACTION_OPTIONS                                                           \
	{"confirm-timeout", required_argument, NULL, HARDEN_OPT_CONFIRM_TIMEOUT},            \
	{                                                                                    \
		"sudo-password-file", required_argument, NULL, HARDEN_OPT_SUDO_PASSWORD_FILE \
	}
/* One of them (EXIT_OK, or the usage error's status); FLEET_OPTION_UNKNOWN for others. */
int harden_transaction_option(const struct command *cmd, int c, char *arg,
			      struct fleet_options *fleet, unsigned *confirm_timeout);

/* The parts of a host's report: its JSON object (to extend), or its text under a
 * headline of the caller's words. */
json_t *harden_report_json(const char *spec, const struct harden_result *res);
void harden_report_text(const char *spec, const char *headline, const struct harden_result *res,
			struct report_shared *shared);

#endif
