/* Random bytes straight from the kernel's CSPRNG (getrandom(2), blocking only until the pool
 * is first seeded). Key seeds, salts and check words come from here rather than OpenSSL's
 * DRBG: the same source the DRBG seeds itself from, without the DRBG's instantiation, which
 * costs a short command such as keygen a fifth of its CPU time. */
#ifndef SSHKEYCTL_BASE_RANDOM_H
#define SSHKEYCTL_BASE_RANDOM_H

#include <stddef.h>

/* Fill buf[len]; 0, or -errno (buf then undefined). */
int random_bytes(void *buf, size_t len);

#endif
