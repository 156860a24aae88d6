/* Following sshd's log files as they grow (logs --follow), as tail -F does: from their end
 * (what is there already is not read), each new line given to the report (whose on_event
 * raises the alerts); a file renamed away and made anew (logrotate's create) is read to its
 * end and the new one from its start; a file cut to a smaller size (copytruncate) is read
 * from its start again. inotify wakes the loop at once (on the files' directories); without
 * it the files are looked at every second. */
#ifndef SSHKEYCTL_OPS_LOG_FOLLOW_H
#define SSHKEYCTL_OPS_LOG_FOLLOW_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "ops/log_report.h"

struct log_follow_request {
	const char *const *paths; /* plain files (a gzip file cannot grow: refused) */
	size_t n_paths;
	struct log_report *report;
	volatile sig_atomic_t *stop; /* set by a signal handler: the follow ends */
	/* what happened to a file ("rotated: read from the new file's start"); may be NULL */
	void (*notice)(const char *path, const char *what, void *arg);
	void *arg;
};

/* Until *stop, or a report's failure (an on_event that returned negative). An error
 * opening a file at the start: nothing is followed, d says which. */
int log_follow(const struct log_follow_request *req, struct diag *d);

#endif
