/* Public key files (id_ed25519.pub): the key on their first line and its comment. */
#ifndef SSHKEYCTL_FILES_PUBLIC_KEY_FILE_H
#define SSHKEYCTL_FILES_PUBLIC_KEY_FILE_H

#include <stddef.h>

#include "keys/pubkey.h"

/* The key and comment (NULL when none; malloc'ed) of the first line of path. Errors: the
 * file's (-ENOENT...), the line's parse error, ERR_NOT_A_KEY for a blank or comment line. */
int public_key_file_read(const char *path, struct pubkey **ret_key, char **ret_comment);
/* The same for a file's content in memory. */
int public_key_text_parse(const char *data, size_t len, struct pubkey **ret_key,
			  char **ret_comment);

#endif
