/* How many CPUs this process may run on (its affinity mask), for work split across threads. */
#ifndef SSHKEYCTL_BASE_CPUS_H
#define SSHKEYCTL_BASE_CPUS_H

/* At least 1. */
unsigned usable_cpus(void);

#endif
