/* logs --html FILE: one self-contained page (no external resource) with the report's
 * tables, each server's line, and a chart of logins and failures over time (SVG drawn by
 * the page's program). The records are the ones --json prints; they are only ever put in
 * the page as text, so a forged user name stays a name. */
#ifndef SSHKEYCTL_CLI_LOGS_HTML_H
#define SSHKEYCTL_CLI_LOGS_HTML_H

#include <jansson.h>

/* records: the array of --json's objects. A negative errno on failure. */
int logs_html_write(const char *path, const json_t *records, long long generated);

#endif
