#include "remote/frame.h"

#include <stdio.h>
#include <string.h>

void frame_reader_init(struct frame_reader *fr, const char *frame)
{
	memset(fr, 0, sizeof(*fr));
	if (frame)
		snprintf(fr->frame, sizeof(fr->frame), "%s", frame);
	dynbuf_init(&fr->preface, FRAME_PREFACE_MAX);
}

void frame_reader_clear(struct frame_reader *fr)
{
	dynbuf_free(&fr->preface);
}

int frame_reader_feed(struct frame_reader *fr, const char *data, size_t len, struct dynbuf *out)
{
	if (fr->framed || !fr->frame[0])
		return dynbuf_append(out, data, len);
	/* only the part that could hold the frame line is searched again */
	char line[sizeof(fr->frame) + 2];
	int n = snprintf(line, sizeof(line), "\n%s\n", fr->frame);
	size_t from = fr->preface.len > (size_t)n ? fr->preface.len - (size_t)n : 0;
	int r = dynbuf_append(&fr->preface, data, len);
	if (r < 0)
		return r;
	const char *base = (const char *)fr->preface.data;
	const char *at = memmem(base + from, fr->preface.len - from, line, (size_t)n);
	if (!at)
		return 0;
	fr->framed = true;
	size_t before = (size_t)(at - base), after = before + (size_t)n;
	r = dynbuf_append(out, base + after, fr->preface.len - after);
	dynbuf_truncate(&fr->preface, before);
	return r;
}

const char *frame_reader_preface(struct frame_reader *fr)
{
	/* a dynbuf keeps a NUL after its bytes */
	return fr->preface.data ? (const char *)fr->preface.data : "";
}
