/* Targets as users write them: [user@]host[:port], ssh://[user@]host[:port], [v6addr]:port,
 * or a Host alias of ~/.ssh/config; and target lists from files (-H FILE: one a line, '#'
 * comments, blank lines ignored). */
#ifndef SSHKEYCTL_FLEET_TARGET_H
#define SSHKEYCTL_FLEET_TARGET_H

#include <stddef.h>

struct target {
	char *spec;    /* as the user wrote it: the label of every report line */
	char *user;    /* NULL when not given */
	char *host;    /* name, alias or address, without brackets */
	unsigned port; /* 0 when not given */
};

/* Errors: -EINVAL with a reason in ret_reason (static string). */
int target_parse(const char *spec, struct target *ret, const char **ret_reason);
void target_clear(struct target *t);

struct target_list {
	struct target *items;
	size_t n;
};

/* Add a target unless one with the same user, host and port is already there. */
int target_list_add(struct target_list *list, const char *spec, const char **ret_reason);
/* Add every target of a -H file's content; *ret_line is the line of an error. */
int target_list_add_file(struct target_list *list, const char *data, size_t len,
			 unsigned long *ret_line, const char **ret_reason);
void target_list_free(struct target_list *list);

#endif
