#include "files/public_key_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/file_io.h"
#include "files/authorized_keys.h"
#include "keys/key_file.h"

int public_key_text_parse(const char *data, size_t len, struct pubkey **ret_key, char **ret_comment)
{
	struct authorized_keys_entry e = {0};
	char *comment = NULL;
	const char *nl = len ? memchr(data, '\n', len) : NULL;
	size_t first = nl ? (size_t)(nl - data) : len;
	int r = authorized_keys_parse_line(len ? data : "", first, &e);
	if (r == 0 && e.kind != KEY_LINE_KEY)
		r = e.kind == KEY_LINE_INVALID ? e.error : ERR_NOT_A_KEY;
	if (r == 0 && e.comment.len && !(comment = strndup(e.raw + e.comment.off, e.comment.len)))
		r = -ENOMEM;
	if (r == 0) {
		*ret_comment = comment;
		*ret_key = e.key;
		e.key = NULL;
	}
	authorized_keys_entry_clear(&e);
	return r;
}

int public_key_file_read(const char *path, struct pubkey **ret_key, char **ret_comment)
{
	struct dynbuf b;
	dynbuf_init(&b, KEY_FILE_MAX);
	int r = read_file(path, 0, &b);
	if (r == 0)
		r = public_key_text_parse(b.len ? (const char *)b.data : "", b.len, ret_key,
					  ret_comment);
	dynbuf_free(&b);
	return r;
}
