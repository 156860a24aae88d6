#include "base/array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *array_append(void *array_ptr, size_t *n, size_t size, size_t max)
{
	void **array = array_ptr;
	if (*n >= max || size == 0 || *n + 1 > SIZE_MAX / size)
		return NULL;
	void *bigger = realloc(*array, (*n + 1) * size);
	if (!bigger)
		return NULL;
	*array = bigger;
	void *added = (char *)bigger + *n * size;
	memset(added, 0, size);
	(*n)++;
	return added;
}
