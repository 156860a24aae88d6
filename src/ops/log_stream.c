#include "ops/log_stream.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INFLATE_CHUNK (256 * 1024)

int log_stream_begin(struct log_stream *s, struct log_report *r, const char *name)
{
	memset(s, 0, sizeof(*s));
	s->r = r;
	s->name = name;
	s->limit = UINT64_MAX;
	r->prev_time = 0; /* the order of a stream's own lines */
	s->line = malloc(SSHD_LOG_LINE_MAX + 1);
	return s->line ? 0 : -ENOMEM;
}

void log_stream_clear(struct log_stream *s)
{
	if (s->z_open)
		inflateEnd(&s->z);
	free(s->line);
	free(s->inflated);
	memset(s, 0, sizeof(*s));
}

int log_stream_fail(struct log_stream *s, const char *why)
{
	char what[300];
	if (s->full)
		return 0;
	s->full = true;
	snprintf(what, sizeof(what), "not read to its end: %s (the %lu lines before are counted)",
		 why, s->lineno);
	return log_report_note(s->r, s->name, 0, what);
}

static int too_long(struct log_stream *s)
{
	s->lineno++;
	s->r->lines++;
	s->r->too_long++;
	return log_report_note(s->r, s->name, s->lineno, "a line longer than sshd writes: skipped");
}

/* Plain bytes: whole lines parsed where they are, a line cut at the piece's end kept. */
static int plain(struct log_stream *s, const char *data, size_t len)
{
	const char *p = data, *end = data + len;
	int rc = 0;
	while (p < end && !s->full && rc == 0) {
		if (!s->skipping && s->have == 0 && s->offset >= s->limit) {
			s->full = true; /* the next range's lines */
			break;
		}
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (s->skipping) {
			s->skipping = !nl;
		} else if (s->have == 0 && nl) {
			rc = log_report_add_line(s->r, p, n, s->name, ++s->lineno);
		} else if (s->have + n <= SSHD_LOG_LINE_MAX) {
			memcpy(s->line + s->have, p, n);
			s->have += n;
			if (nl) {
				rc = log_report_add_line(s->r, s->line, s->have, s->name,
							 ++s->lineno);
				s->have = 0;
			}
		} else {
			rc = too_long(s);
			s->have = 0;
			s->skipping = !nl;
		}
		n += nl != NULL;
		s->offset += n;
		p += n;
	}
	return rc;
}

static int inflate_piece(struct log_stream *s, const unsigned char *data, size_t len)
{
	int rc = 0;
	s->z.next_in = (unsigned char *)data;
	s->z.avail_in = (unsigned)len;
	while (rc == 0 && !s->full) {
		if (s->z_end) {
			if (!s->z.avail_in)
				break;
			/* another member after the one that ended */
			inflateReset(&s->z);
			s->z_end = false;
		}
		s->z.next_out = (unsigned char *)s->inflated;
		s->z.avail_out = INFLATE_CHUNK;
		int zr = inflate(&s->z, Z_NO_FLUSH);
		/* what came out before an error is counted, however the bytes were cut */
		rc = plain(s, s->inflated, INFLATE_CHUNK - s->z.avail_out);
		if (rc == 0 && zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
			return log_stream_fail(s, s->z.msg ? s->z.msg : "not gzip data");
		if (zr == Z_STREAM_END)
			s->z_end = true;
		else if (s->z.avail_out && !s->z.avail_in)
			break; /* all of the piece taken, all of its output given */
	}
	return rc;
}

static int feed(struct log_stream *s, const void *data, size_t len)
{
	return s->format == LOG_STREAM_GZIP ? inflate_piece(s, data, len) : plain(s, data, len);
}

int log_stream_push(struct log_stream *s, const void *data, size_t len)
{
	const unsigned char *p = data;
	if (s->format == LOG_STREAM_UNKNOWN) {
		while (s->n_magic < 2 && len) {
			s->magic[s->n_magic++] = *p++;
			len--;
		}
		if (s->n_magic < 2)
			return 0;
		s->format = s->magic[0] == 0x1f && s->magic[1] == 0x8b ? LOG_STREAM_GZIP
								       : LOG_STREAM_PLAIN;
		if (s->format == LOG_STREAM_GZIP) {
			s->inflated = malloc(INFLATE_CHUNK);
			if (!s->inflated || inflateInit2(&s->z, 15 + 16) != Z_OK)
				return -ENOMEM;
			s->z_open = true;
		}
		int rc = feed(s, s->magic, 2);
		if (rc < 0)
			return rc;
	}
	return feed(s, p, len);
}

int log_stream_end(struct log_stream *s)
{
	int rc = 0;
	if (s->format == LOG_STREAM_UNKNOWN && s->n_magic)
		rc = plain(s, (const char *)s->magic, s->n_magic);
	if (rc == 0 && s->format == LOG_STREAM_GZIP && !s->z_end)
		rc = log_stream_fail(s, "unexpected end of file");
	if (rc == 0 && s->have && !s->skipping && !s->full)
		rc = log_report_add_line(s->r, s->line, s->have, s->name, ++s->lineno);
	s->have = 0;
	return rc;
}
