/* Fuzz target: the root helper's answer about harden's latest backup (read from a server
 * whose files anyone with root there may have shaped). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "remote/server_admin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *dir = NULL;
	struct server_admin_backup_entry *e = NULL;
	size_t n = 0;
	if (server_admin_backup_parse((const char *)data, size, &dir, &e, &n) == 0) {
		free(dir);
		server_admin_backup_entries_free(e, n);
	}
	return 0;
}
