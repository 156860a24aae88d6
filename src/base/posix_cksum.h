/* The checksum of POSIX cksum(1) (CRC-32, polynomial 0x04C11DB7, length appended), which
 * every Unix has: the remote edit helpers compare a file's cksum with the one of the
 * content we read, so a file changed in between is never overwritten (compare-and-swap). */
#ifndef SSHKEYCTL_BASE_POSIX_CKSUM_H
#define SSHKEYCTL_BASE_POSIX_CKSUM_H

#include <stddef.h>
#include <stdint.h>

uint32_t posix_cksum(const void *data, size_t len);

#endif
