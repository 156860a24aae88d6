/* A unified diff (diff -u, three lines of context) between two texts, for --dry-run: what a
 * change would do to a file, in the form every administrator reads. Lines are compared
 * byte for byte ('\r' included); the longest common subsequence decides what is kept. */
#ifndef SSHKEYCTL_BASE_LINE_DIFF_H
#define SSHKEYCTL_BASE_LINE_DIFF_H

#include <stddef.h>

#include "base/dynbuf.h"

/* Largest texts compared line by line (lines of old times lines of new); beyond it the diff
 * shows every old line removed and every new line added. */
#define LINE_DIFF_MAX_CELLS (4u * 1024 * 1024)

/* Appends "--- old_label\n+++ new_label\n" and the hunks to out; nothing when the texts are
 * equal. A missing final newline is marked as diff marks it. */
int line_diff_unified(const char *old_text, size_t old_len, const char *new_text, size_t new_len,
		      const char *old_label, const char *new_label, struct dynbuf *out);

#endif
