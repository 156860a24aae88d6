/* The desired state scan --expect compares against: which keys each account of each group of
 * hosts should have. The format (sshkeyctl(1), "EXPECTED KEYS"):
 *
 *   # a comment
 *   [web* db1]                     a host group: shell patterns, matched against the
 *                                  target as given and its host name; [*] is every host
 *   root: from="10.0.0.0/8" ssh-ed25519 AAAA... admin@laptop
 *   deploy: ssh-ed25519 AAAA... ci   ACCOUNT: an authorized_keys line (options kept)
 *
 * A host's expected keys are those of every group that matches it. Keys are compared by
 * blob. Parsed from a memory buffer, bounded; an error names its line.
 */
#ifndef SSHKEYCTL_FILES_EXPECT_KEYS_H
#define SSHKEYCTL_FILES_EXPECT_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "keys/pubkey.h"

#define EXPECT_KEYS_FILE_MAX (16 * 1024 * 1024)

struct expect_key {
	size_t group; /* index into groups */
	char *account;
	struct pubkey *key;
	char *comment; /* NULL: none */
	unsigned long line;
};

struct expect_group {
	char **patterns;
	size_t n_patterns;
};

struct expect_keys {
	struct expect_group *groups;
	size_t n_groups;
	struct expect_key *keys;
	size_t n_keys;
};

/* Parse text[len] (named name in errors: "FILE:LINE: why"). ERR_FORMAT with d set. */
int expect_keys_parse(const char *text, size_t len, const char *name, struct expect_keys **ret,
		      struct diag *d);
void expect_keys_free(struct expect_keys *e);
/* Does group g apply to the host (target as given, host name)? */
bool expect_group_matches(const struct expect_group *g, const char *target, const char *host);

#endif
