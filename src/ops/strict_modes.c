#include "ops/strict_modes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool strict_modes_debian_sshd(const char *banner)
{
	return banner && (strstr(banner, "Debian") || strstr(banner, "Ubuntu"));
}

/* The nodes sshd walks: from the file up to the home directory, or to / when the file lies
 * outside it. Returns how many of st->nodes that is. */
static size_t nodes_walked(const struct authorized_keys_state *st)
{
	const char *home = st->real_home ? st->real_home : st->home;
	const char *path = st->real_path ? st->real_path : st->path;
	size_t home_len = home ? strlen(home) : 0;
	bool under_home = home && strcmp(home, "/") != 0 && strncmp(path, home, home_len) == 0 &&
			  path[home_len] == '/';
	for (size_t i = 0; i < st->n_nodes; i++)
		if (under_home && strcmp(st->nodes[i].path, home) == 0)
			return i + 1;
	return st->n_nodes;
}

/* Debian's rule: the group has exactly one member, and it is the owner (primary group
 * members must all be the account; a supplementary member must be the node's owner). */
static bool private_group(const struct authorized_keys_state *st, const struct remote_node *node)
{
	for (size_t i = 0; i < st->n_groups; i++) {
		const struct group_members *g = &st->groups[i];
		if (g->gid != node->gid || !g->known)
			continue;
		size_t members = 0;
		for (size_t j = 0; j < g->n_primary; j++) {
			if (g->primary[j] != st->uid)
				return false;
			members++;
		}
		if (g->n_members) {
			if (g->n_members > 1 || g->members[0] != node->uid)
				return false;
			members++;
		}
		return members > 0;
	}
	return false; /* not known: assume the worse, as a missing group makes sshd refuse */
}

int strict_modes_groups_needed(const struct authorized_keys_state *st, gid_t **ret, size_t *ret_n)
{
	size_t walked = st->n_nodes, n = 0; /* above home too, for rules.above_home */
	gid_t *gids = calloc(walked ? walked : 1, sizeof(*gids));
	if (!gids)
		return -ENOMEM;
	for (size_t i = 0; i < walked; i++) {
		const struct remote_node *node = &st->nodes[i];
		if (!node->exists || !(node->mode & 020))
			continue;
		bool seen = false;
		for (size_t j = 0; j < n; j++)
			seen = seen || gids[j] == node->gid;
		if (!seen)
			gids[n++] = node->gid;
	}
	*ret = gids;
	*ret_n = n;
	return 0;
}

int strict_modes_check(const struct authorized_keys_state *st,
		       const struct strict_modes_rules *rules, struct strict_modes_finding **ret,
		       size_t *ret_n)
{
	size_t walked = nodes_walked(st), n = 0;
	size_t walk = rules && rules->above_home ? st->n_nodes : walked;
	struct strict_modes_finding *f = calloc(walk ? walk : 1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < walk; i++) {
		const struct remote_node *node = &st->nodes[i];
		if (!node->exists)
			continue;
		struct strict_modes_finding x = {
			.node = node, .fixed_mode = node->mode, .above_home = i >= walked};
		/* above home only a writer who can replace the home directory matters, and the
		 * sticky bit (/tmp) stops others from renaming what they do not own */
		if (x.above_home && (node->mode & 01000))
			continue;
		x.not_regular = i == 0 && node->type != '-';
		x.bad_owner = node->uid != st->uid && node->uid != 0;
		x.other_writable = node->mode & 002;
		x.group_writable = (node->mode & 020) &&
				   !(rules && rules->debian_groups && private_group(st, node));
		if (x.other_writable)
			x.fixed_mode &= ~(mode_t)002;
		if (x.group_writable)
			x.fixed_mode &= ~(mode_t)020;
		/* a fix only takes bits away, setuid, setgid and sticky with them */
		if (x.fixed_mode != node->mode)
			x.fixed_mode &= ~(mode_t)07000;
		if (x.not_regular || x.bad_owner || x.other_writable || x.group_writable)
			f[n++] = x;
	}
	*ret = f;
	*ret_n = n;
	return 0;
}
