/* Arrays that grow one element at a time (parsers' results): the one place that does the
 * realloc, the bound and the zeroing. */
#ifndef SSHKEYCTL_BASE_ARRAY_H
#define SSHKEYCTL_BASE_ARRAY_H

#include <stddef.h>

/* *array_ptr (a T **, n elements of size bytes) gets one more element, zeroed; returns it,
 * or NULL when memory runs out or n already reached max (the array is then unchanged). */
void *array_append(void *array_ptr, size_t *n, size_t size, size_t max);

#endif
