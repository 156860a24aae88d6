/* A bounded pool of worker threads over a list of hosts: run(i) for every i in [0, n), at
 * most jobs at a time, and report(i) in input order as soon as item i and all before it are
 * done, so output streams in the order the user gave the hosts. report runs on the calling
 * thread, one at a time. */
#ifndef SSHKEYCTL_FLEET_POOL_H
#define SSHKEYCTL_FLEET_POOL_H

#include <stddef.h>

struct pool_callbacks {
	void (*run)(size_t i, void *data);
	void (*report)(size_t i, void *data);
	/* called on the calling thread whenever an item finishes (progress); may be NULL */
	void (*progress)(size_t done, size_t total, void *data);
	void *data;
};

int pool_run(size_t n, unsigned jobs, const struct pool_callbacks *cb);

#endif
