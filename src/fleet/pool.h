/* A bounded pool of worker threads over a list of hosts: run(i) for every i in [0, n), at
 * most jobs at a time, and report(i) in input order as soon as item i and all before it are
 * done, so output streams in the order the user gave the hosts (or, with
 * completion_order, as items finish). report runs on the calling thread, one at a time.
 *
 * An interrupt stops the run: once stop() says so, no new item starts; the items running
 * finish (their work bounds itself), are reported, and every item never started is handed
 * to not_run in its place. */
#ifndef SSHKEYCTL_FLEET_POOL_H
#define SSHKEYCTL_FLEET_POOL_H

#include <stdbool.h>
#include <stddef.h>

struct pool_callbacks {
	void (*run)(size_t i, void *data);
	void (*report)(size_t i, void *data);
	/* called on the calling thread whenever an item finishes, and about every second
	 * while items run (a status line's clock); may be NULL */
	void (*progress)(size_t done, size_t total, void *data);
	void *data;
	/* asked before each item starts, on any thread (so it must only read a flag): true,
	 * start no more items; may be NULL */
	bool (*stop)(void *data);
	/* an item that never started because of stop; may be NULL */
	void (*not_run)(size_t i, void *data);
	bool completion_order;
};

int pool_run(size_t n, unsigned jobs, const struct pool_callbacks *cb);

#endif
