/* stdout and stderr, filtered (SECURITY.md, "What reaches your terminal"): whatever any
 * printf writes, text from servers, files and logs included, reaches the terminal (or the
 * pipe) escaped by base/terminal_text. sshkeyctl's own control sequences (the progress
 * line) are the only writes around it, through terminal_control(). */
#ifndef SSHKEYCTL_CLI_TERMINAL_SAFE_H
#define SSHKEYCTL_CLI_TERMINAL_SAFE_H

#include <stdbool.h>

/* Replace stdout and stderr with filtered streams over descriptors 1 and 2 (stdout
 * line-buffered on a terminal, else fully buffered; stderr unbuffered). Call first. */
void terminal_safe_install(void);

/* Flush both, with any cut character at their ends escaped; -1 when a write failed. Call
 * last. */
int terminal_safe_finish(void);

/* sequence (fixed text of ours, never data) on stderr, unfiltered, after what stderr
 * holds. */
void terminal_control(const char *sequence);

/* While muted, what goes to stdout is dropped (-q: the hosts that ended OK). */
void terminal_safe_mute_stdout(bool mute);

#endif
