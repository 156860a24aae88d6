/* The start of a helper's answer in what a command prints: the runner (remote/session.c)
 * prints "\n" FRAME "\n" just before the script runs, FRAME being random, so whatever the
 * login shell printed before (rc files that echo, nologin's notice) comes before it and is
 * kept apart, never parsed as the answer. Output arrives in pieces of any size; the frame
 * line may be cut anywhere. */
#ifndef SSHKEYCTL_REMOTE_FRAME_H
#define SSHKEYCTL_REMOTE_FRAME_H

#include <stdbool.h>
#include <stddef.h>

#include "base/dynbuf.h"

#define FRAME_PREFACE_MAX (1024 * 1024) /* what a login shell may print first */

struct frame_reader {
	char frame[40]; /* "" : no frame, everything is the answer */
	bool framed;    /* the frame line has come */
	struct dynbuf preface;
};

/* frame: the token (hex, at most 39 characters), or NULL for none. */
void frame_reader_init(struct frame_reader *fr, const char *frame);
void frame_reader_clear(struct frame_reader *fr);
/* One piece of output: the answer's bytes appended to out, the rest to the preface.
 * ERR_TOO_LARGE when the preface passes FRAME_PREFACE_MAX. */
int frame_reader_feed(struct frame_reader *fr, const char *data, size_t len, struct dynbuf *out);
/* The preface so far, NUL-terminated ("" when none). */
const char *frame_reader_preface(struct frame_reader *fr);

#endif
