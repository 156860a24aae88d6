/* Output shared by the fleet commands: JSON Lines and indented detail lines. */
#ifndef SSHKEYCTL_CLI_REPORT_H
#define SSHKEYCTL_CLI_REPORT_H

#include <jansson.h>

#include "base/dynbuf.h"

/* One JSON object on one line of stdout (ASCII only); o is released. NULL is ignored. */
void report_json_line(json_t *o);
/* The lines of b as a JSON array of strings. */
json_t *report_lines_json(const struct dynbuf *b);
/* The lines of b on stdout, each after indent. */
void report_print_lines(const struct dynbuf *b, const char *indent);

#endif
