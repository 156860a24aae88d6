/* Output shared by the fleet commands: JSON Lines and indented detail lines. */
#ifndef SSHKEYCTL_CLI_REPORT_H
#define SSHKEYCTL_CLI_REPORT_H

#include <jansson.h>
#include <stdbool.h>

#include "base/dynbuf.h"

/* One JSON object on one line of stdout (ASCII only); o is released. When o is NULL or
 * cannot be encoded, the line is {"error":"this result could not be encoded"} and
 * report_json_failed() says so (the exit status must show it). */
void report_json_line(json_t *o);
bool report_json_failed(void);

/* A JSON string for text that may not be UTF-8 (server answers, files, logs): valid text
 * as it is; a byte that is not part of a well-formed UTF-8 character is written as
 * \udc80..\udcff, the escape of Python's surrogateescape (PEP 383), so nothing is lost:
 * json.loads(line)[...].encode("utf-8", "surrogateescape") gives back the exact bytes.
 * Documented in sshkeyctl(1), "JSON output". NULL text: "". */
json_t *report_json_text(const char *text);
json_t *report_json_textn(const char *text, size_t len);
/* The lines of b as a JSON array of strings. */
json_t *report_lines_json(const struct dynbuf *b);
/* The lines of b on stdout, each after indent. */
void report_print_lines(const struct dynbuf *b, const char *indent);

#endif
