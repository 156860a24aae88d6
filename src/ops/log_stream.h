/* Bytes in, lines out: sshd's log pushed in pieces of any size (from a file, a pipe, or a
 * server's answer) and split into lines for a report. Plain or gzip, told by the first two
 * bytes (several gzip members one after the other, as cat of .gz files makes, are read
 * through); a line longer than SSHD_LOG_LINE_MAX is skipped with a note; lines whole inside
 * a piece are parsed where they are, only a line cut between pieces is copied. */
#ifndef SSHKEYCTL_OPS_LOG_STREAM_H
#define SSHKEYCTL_OPS_LOG_STREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <zlib.h>

#include "ops/log_report.h"

enum { LOG_STREAM_UNKNOWN, LOG_STREAM_PLAIN, LOG_STREAM_GZIP };

struct log_stream {
	struct log_report *r;
	const char *name; /* in notes; NULL: a range's, numbered at the merge */
	uint64_t limit;   /* a line that starts at or after this offset is the next range's */
	bool skip_first;  /* the first line is the range before's */
	uint64_t offset;  /* of the next plain byte */
	unsigned long lineno;
	bool skipping; /* in a line not ours or too long, up to its newline */
	bool full;     /* the limit is reached, or the stream failed: the rest is ignored */
	int format;    /* LOG_STREAM_UNKNOWN, _PLAIN, _GZIP */
	unsigned char magic[2];
	size_t n_magic;
	z_stream z;
	bool z_open, z_end; /* an inflate stream, and it has ended (a member's end) */
	char *line;         /* a line cut between pieces: SSHD_LOG_LINE_MAX + 1 bytes */
	size_t have;
	char *inflated; /* the inflate buffer */
};

int log_stream_begin(struct log_stream *s, struct log_report *r, const char *name);
/* The next piece. A corrupt gzip stream is noted in the report ("not read to its end: why",
 * what came before counted) and the rest ignored; negative only for the report's own
 * failures (memory). */
int log_stream_push(struct log_stream *s, const void *data, size_t len);
/* The source failed (a read error): noted as a corrupt stream is, the rest ignored. */
int log_stream_fail(struct log_stream *s, const char *why);
/* The end: the last line (without a newline) counted; a gzip stream cut short is noted in
 * the report ("not read to its end", what came before counted). */
int log_stream_end(struct log_stream *s);
void log_stream_clear(struct log_stream *s);

#endif
