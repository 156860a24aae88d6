#include "ops/strict_modes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int strict_modes_check(const struct authorized_keys_state *st, struct strict_modes_finding **ret,
		       size_t *ret_n)
{
	struct strict_modes_finding *f = calloc(st->n_nodes ? st->n_nodes : 1, sizeof(*f));
	size_t n = 0;
	if (!f)
		return -ENOMEM;
	/* the nodes run from the file up to /; the walk stops after the home directory */
	const char *home = st->home && strcmp(st->home, "/") ? st->home : "";
	bool under_home = home[0] && strncmp(st->path, home, strlen(home)) == 0 &&
			  st->path[strlen(home)] == '/';
	for (size_t i = 0; i < st->n_nodes; i++) {
		const struct remote_node *node = &st->nodes[i];
		if (node->exists) {
			bool owner_ok = node->uid == st->uid || node->uid == 0;
			bool mode_ok = !(node->mode & 022);
			if (!owner_ok || !mode_ok) {
				f[n].node = node;
				f[n].bad_owner = !owner_ok;
				f[n].fixed_mode = node->mode & ~(mode_t)022;
				n++;
			}
		}
		if (under_home && strcmp(node->path, home) == 0)
			break;
	}
	*ret = f;
	*ret_n = n;
	return 0;
}
