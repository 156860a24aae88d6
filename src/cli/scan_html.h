/* scan --html FILE: one self-contained page (no external resource: its Content-Security-
 * Policy forbids any) with the keys x hosts/accounts access matrix, findings highlighted,
 * search and filters by finding, type, host and account, and each key's detail. The data
 * travels as JSON inside the page and is only ever put in the page as text (never as
 * markup), so a key comment cannot inject anything. */
#ifndef SSHKEYCTL_CLI_SCAN_HTML_H
#define SSHKEYCTL_CLI_SCAN_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "ops/scan.h"

/* Write the page for n targets (specs[i], results[i]; counted[i] false: not run) to path,
 * atomically, mode 0600. A negative errno on failure. */
int scan_html_write(const char *path, const char *const *specs, const struct scan_result *results,
		    const bool *counted, size_t n, long long generated);

#endif
