/* Output shared by the fleet commands: JSON Lines and indented detail lines. */
#ifndef SSHKEYCTL_CLI_REPORT_H
#define SSHKEYCTL_CLI_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/dynbuf.h"

/* One JSON object on one line of stdout (ASCII only); o is released. When o is NULL or
 * cannot be encoded, the line is {"error":"this result could not be encoded"} and
 * report_json_failed() says so (the exit status must show it). */
void report_json_line(json_t *o);

/* What every fleet command's JSON object of a host carries (sshkeyctl(1), "JSON output"):
 * set by the run around a host's report, merged into the objects report_json_line writes
 * meanwhile (a key the command set itself is kept). NULL: none. */
struct report_host_fields {
	const char *host; /* as connected to (HostName) */
	unsigned port;
	const char *user;
	const char *status;          /* the command's machine name for the outcome */
	const char *error;           /* error_code_name: "ok" or a stable code */
	const char *key_sha256;      /* the key worked with, NULL when none */
	const char *host_key_sha256; /* the server's, NULL when never seen */
	long duration_ms;
};
void report_json_host_fields(const struct report_host_fields *f);
bool report_json_failed(void);

/* A JSON string for text that may not be UTF-8 (server answers, files, logs): valid text
 * as it is; a byte that is not part of a well-formed UTF-8 character is written as
 * \udc80..\udcff, the escape of Python's surrogateescape (PEP 383), so nothing is lost:
 * json.loads(line)[...].encode("utf-8", "surrogateescape") gives back the exact bytes.
 * Documented in sshkeyctl(1), "JSON output". NULL text: "". */
json_t *report_json_text(const char *text);
json_t *report_json_textn(const char *text, size_t len);
/* A time as ISO 8601 text in UTC ("2026-12-01T04:00:09Z"); 0 (none): null. */
json_t *report_json_time(long long t);
/* The lines of b as a JSON array of strings. */
json_t *report_lines_json(const struct dynbuf *b);
/* The lines of b on stdout, each after indent. */
void report_print_lines(const struct dynbuf *b, const char *indent);
/* A host's details under its line (text output): its changes, its diff (when any), and its
 * proof lines ("  proof: ..."), then stdout flushed. */
void report_print_details(const struct dynbuf *changes, const struct dynbuf *diff,
			  const struct dynbuf *proof);

/* Detail blocks (a plan, warnings, a diff) that the hosts of a fleet share: the first host
 * with a block shows it in full; a later host with the same block shows one line
 * ("TITLE: as for HOST"); after the run, each block shared by several hosts names them all.
 * Thirty hosts with the same 35 warnings print them once, not 1,050 times. Disabled (every
 * block in full) for one host and for JSON. */
struct report_shared {
	struct report_shared_block {
		char *title;
		uint8_t *text;
		size_t len;
		char **hosts;
		size_t n_hosts;
	} * blocks;
	size_t n;
	bool enabled;
};
void report_shared_init(struct report_shared *rs, bool enabled);
/* b's lines for host spec, each after indent (raw: b printed as it is, for a diff). */
void report_lines_shared(struct report_shared *rs, const char *spec, const char *title,
			 const struct dynbuf *b, const char *indent, bool raw);
/* The blocks several hosts share, with their hosts. */
void report_shared_summary(const struct report_shared *rs);
void report_shared_free(struct report_shared *rs);

#endif
