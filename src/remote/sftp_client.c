#include "remote/sftp_client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/wire.h"

enum {
	FXP_INIT = 1,
	FXP_VERSION = 2,
	FXP_OPEN = 3,
	FXP_CLOSE = 4,
	FXP_READ = 5,
	FXP_WRITE = 6,
	FXP_LSTAT = 7,
	FXP_SETSTAT = 9,
	FXP_REMOVE = 13,
	FXP_MKDIR = 14,
	FXP_RMDIR = 15,
	FXP_REALPATH = 16,
	FXP_STATUS = 101,
	FXP_HANDLE = 102,
	FXP_DATA = 103,
	FXP_NAME = 104,
	FXP_ATTRS = 105,
	FXP_EXTENDED = 200,
	FXP_EXTENDED_REPLY = 201,
};

enum {
	FX_OK = 0,
	FX_EOF = 1,
	FX_NO_SUCH_FILE = 2,
	FX_PERMISSION_DENIED = 3,
	FX_FILE_ALREADY_EXISTS = 11, /* a later draft's code, which OpenSSH's server sends too */
};

enum {
	ATTR_SIZE = 0x1,
	ATTR_UIDGID = 0x2,
	ATTR_PERMISSIONS = 0x4,
	ATTR_ACMODTIME = 0x8,
	ATTR_EXTENDED = 0x80000000u,
};

enum { OPEN_READ = 0x1, OPEN_WRITE = 0x2, OPEN_CREAT = 0x8, OPEN_EXCL = 0x20 };

#define HANDLE_MAX         256 /* the protocol's limit */
#define READ_CHUNK         32768
#define MAX_EXTENDED_ATTRS 1024

static int parse_attrs(struct wire_reader *r, struct sftp_attrs *a)
{
	uint32_t flags, u32;
	int e = wire_get_u32(r, &flags);
	memset(a, 0, sizeof(*a));
	if (e == 0 && (flags & ATTR_SIZE)) {
		a->has_size = true;
		e = wire_get_u64(r, &a->size);
	}
	if (e == 0 && (flags & ATTR_UIDGID)) {
		a->has_ids = true;
		if ((e = wire_get_u32(r, &a->uid)) == 0)
			e = wire_get_u32(r, &a->gid);
	}
	if (e == 0 && (flags & ATTR_PERMISSIONS)) {
		a->has_perms = true;
		e = wire_get_u32(r, &a->perms);
	}
	if (e == 0 && (flags & ATTR_ACMODTIME) && (e = wire_get_u32(r, &u32)) == 0) {
		a->has_times = true;
		e = wire_get_u32(r, &a->mtime);
	}
	if (e == 0 && (flags & ATTR_EXTENDED)) {
		uint32_t count;
		if ((e = wire_get_u32(r, &count)) == 0 && count > MAX_EXTENDED_ATTRS)
			e = ERR_FORMAT;
		for (uint32_t i = 0; e == 0 && i < 2 * count; i++) {
			const uint8_t *s;
			size_t n;
			e = wire_get_string(r, &s, &n);
		}
	}
	return e;
}

int sftp_reply_parse(const uint8_t *msg, size_t len, struct sftp_reply *ret)
{
	struct wire_reader r;
	struct sftp_reply rep;
	const uint8_t *s;
	size_t n;
	uint32_t count;
	int e;

	memset(&rep, 0, sizeof(rep));
	wire_reader_init(&r, msg, len);
	if ((e = wire_get_u8(&r, &rep.type)) < 0)
		return e;
	if (rep.type == FXP_VERSION) {
		if ((e = wire_get_u32(&r, &rep.version)) < 0)
			return e;
		rep.extensions = msg + r.off;
		rep.extensions_len = wire_remaining(&r);
		/* the pairs must be well formed even though they are read later */
		while (!wire_at_end(&r))
			if ((e = wire_get_string(&r, &s, &n)) < 0 ||
			    (e = wire_get_string(&r, &s, &n)) < 0)
				return e;
		*ret = rep;
		return 0;
	}
	if ((e = wire_get_u32(&r, &rep.id)) < 0)
		return e;
	switch (rep.type) {
	case FXP_STATUS:
		if ((e = wire_get_u32(&r, &rep.status)) < 0)
			return e;
		/* message and language tag; some old servers send neither */
		if (!wire_at_end(&r)) {
			if ((e = wire_get_cstring(&r, &rep.message, &rep.message_len)) < 0 ||
			    (e = wire_get_string(&r, &s, &n)) < 0)
				return e;
		}
		break;
	case FXP_HANDLE:
		if ((e = wire_get_string(&r, &rep.data, &rep.data_len)) < 0)
			return e;
		if (rep.data_len > HANDLE_MAX)
			return ERR_FORMAT;
		break;
	case FXP_DATA:
		if ((e = wire_get_string(&r, &rep.data, &rep.data_len)) < 0)
			return e;
		break;
	case FXP_NAME:
		if ((e = wire_get_u32(&r, &count)) < 0)
			return e;
		if (count == 0 || count > len)
			return ERR_FORMAT;
		for (uint32_t i = 0; i < count; i++) {
			struct sftp_attrs a;
			const char *name;
			size_t name_len;
			if ((e = wire_get_cstring(&r, &name, &name_len)) < 0 ||
			    (e = wire_get_string(&r, &s, &n)) < 0 || (e = parse_attrs(&r, &a)) < 0)
				return e;
			if (i == 0) {
				rep.message = name;
				rep.message_len = name_len;
				rep.attrs = a;
			}
		}
		break;
	case FXP_ATTRS:
		if ((e = parse_attrs(&r, &rep.attrs)) < 0)
			return e;
		break;
	case FXP_EXTENDED_REPLY:
		rep.data = msg + r.off;
		rep.data_len = wire_remaining(&r);
		r.off = r.len;
		break;
	default:
		return ERR_FORMAT;
	}
	if (!wire_at_end(&r))
		return ERR_TRAILING;
	*ret = rep;
	return 0;
}

struct remote_sftp {
	struct remote_channel *channel;
	uint32_t next_id;
	uint8_t *extensions;
	size_t extensions_len;
	struct dynbuf request;
	struct dynbuf answer;
	struct sftp_reply reply; /* points into answer */
};

/* Start a request: length placeholder, type, id. */
static int request_begin(struct remote_sftp *sf, uint8_t type)
{
	dynbuf_reset(&sf->request);
	int e = wire_put_u32(&sf->request, 0);
	if (e == 0)
		e = dynbuf_append_byte(&sf->request, type);
	if (e == 0 && type != FXP_INIT)
		e = wire_put_u32(&sf->request, ++sf->next_id);
	return e;
}

/* sshd runs the sftp-server of "Subsystem sftp PATH" through the account's login shell: a
 * shell whose rc file prints, or nologin's notice, comes before the first SFTP packet. When
 * the first four bytes of the answer are text, read the rest of that line and say so. */
static bool text_before_sftp(struct remote_sftp *sf, const uint8_t head[4], struct diag *d)
{
	char text[160];
	size_t len = 0;
	for (size_t i = 0; i < 4; i++) {
		if (head[i] < 0x20 || head[i] > 0x7e)
			return false;
		text[len++] = (char)head[i];
	}
	struct diag ignored = {0};
	uint8_t c;
	while (len + 1 < sizeof(text) && remote_channel_read(sf->channel, &c, 1, &ignored) == 0 &&
	       c != '\n' && c != '\r')
		text[len++] = (char)c;
	text[len] = '\0';
	if (strstr(text, "not available"))
		diag_set(
			d,
			"SFTP cannot start: the account's shell is nologin (it said \"%s\") and "
			"sshd runs sftp-server through it: use Subsystem sftp internal-sftp on the "
			"server, or install as root (--for-user)",
			text);
	else
		diag_set(d,
			 "SFTP cannot start: the login shell printed text before SFTP started "
			 "(\"%s\"): make its rc file print nothing when not interactive, or use "
			 "Subsystem sftp internal-sftp",
			 text);
	return true;
}

/* Send the request and read its answer into sf->reply. */
static int request_send(struct remote_sftp *sf, struct diag *d)
{
	size_t len = sf->request.len - 4;
	uint8_t *p = sf->request.data;
	p[0] = (uint8_t)(len >> 24);
	p[1] = (uint8_t)(len >> 16);
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	int e = remote_channel_write(sf->channel, sf->request.data, sf->request.len, d);
	uint8_t head[4];
	if (e == 0)
		e = remote_channel_read(sf->channel, head, sizeof(head), d);
	if (e < 0)
		return e;
	uint32_t n = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 |
		     head[3];
	uint8_t *body;
	dynbuf_reset(&sf->answer);
	if (sf->request.data[4] == FXP_INIT && text_before_sftp(sf, head, d))
		return ERR_FORMAT;
	if (n == 0 || n > SFTP_MAX_PACKET) {
		diag_set(d, "the server's SFTP answer is malformed (length %u)", n);
		return ERR_FORMAT;
	}
	if ((e = dynbuf_reserve_tail(&sf->answer, n, &body)) < 0 ||
	    (e = remote_channel_read(sf->channel, body, n, d)) < 0)
		return e;
	if ((e = sftp_reply_parse(body, n, &sf->reply)) < 0) {
		diag_set(d, "the server's SFTP answer is malformed");
		return e;
	}
	uint8_t sent_type = sf->request.data[4];
	if (sent_type == FXP_INIT ? sf->reply.type != FXP_VERSION
				  : sf->reply.type == FXP_VERSION || sf->reply.id != sf->next_id) {
		diag_set(d, "the server's SFTP answer does not match our request");
		return ERR_FORMAT;
	}
	return 0;
}

/* A STATUS reply as 0 or an error; other reply types are a protocol error here. */
static int status_result(struct remote_sftp *sf, const char *what, const char *path, struct diag *d)
{
	const struct sftp_reply *rep = &sf->reply;
	if (rep->type != FXP_STATUS) {
		diag_set(d, "%s %s: unexpected SFTP answer type %u", what, path, rep->type);
		return ERR_FORMAT;
	}
	switch (rep->status) {
	case FX_OK:
		return 0;
	case FX_EOF:
		return -ENODATA;
	case FX_NO_SUCH_FILE:
		diag_set(d, "%s %s: no such file", what, path);
		return -ENOENT;
	case FX_PERMISSION_DENIED:
		diag_set(d, "%s %s: permission denied", what, path);
		return -EACCES;
	case FX_FILE_ALREADY_EXISTS:
		diag_set(d, "%s %s: it exists", what, path);
		return -EEXIST;
	default:
		diag_set(d, "%s %s: %.*s (SFTP status %u)", what, path,
			 (int)(rep->message_len > 200 ? 200 : rep->message_len),
			 rep->message ? rep->message : "", rep->status);
		return ERR_REMOTE;
	}
}

/* The reply to a request that wants data back was a STATUS (or something else). */
static int not_the_answer(struct remote_sftp *sf, const char *what, const char *path,
			  struct diag *d)
{
	int e = status_result(sf, what, path, d);
	return e < 0 ? e : ERR_FORMAT;
}

/* A request whose only arguments are strings, answered by a STATUS. */
static int simple_request(struct remote_sftp *sf, uint8_t type, const char *what, const char *a,
			  const char *b, struct diag *d)
{
	int e = request_begin(sf, type);
	if (e == 0)
		e = wire_put_cstring(&sf->request, a);
	if (e == 0 && b)
		e = wire_put_cstring(&sf->request, b);
	if (e == 0)
		e = request_send(sf, d);
	return e < 0 ? e : status_result(sf, what, a, d);
}

static int put_perms(struct dynbuf *b, uint32_t mode)
{
	int e = wire_put_u32(b, ATTR_PERMISSIONS);
	return e < 0 ? e : wire_put_u32(b, mode);
}

void remote_sftp_free(struct remote_sftp *sf)
{
	if (!sf)
		return;
	remote_channel_free(sf->channel);
	free(sf->extensions);
	dynbuf_free(&sf->request);
	dynbuf_free(&sf->answer);
	free(sf);
}

int remote_sftp_start(struct remote_session *s, struct remote_sftp **ret, struct diag *d)
{
	struct remote_sftp *sf = calloc(1, sizeof(*sf));
	int e;
	if (!sf)
		return -ENOMEM;
	dynbuf_init(&sf->request, SFTP_MAX_PACKET);
	dynbuf_init(&sf->answer, SFTP_MAX_PACKET);
	if ((e = remote_open_subsystem(s, "sftp", &sf->channel, d)) < 0)
		goto fail;
	if ((e = request_begin(sf, FXP_INIT)) < 0 || (e = wire_put_u32(&sf->request, 3)) < 0 ||
	    (e = request_send(sf, d)) < 0)
		goto fail;
	if (sf->reply.version < 3) {
		diag_set(d, "the server speaks SFTP version %u; we need 3", sf->reply.version);
		e = ERR_REMOTE;
		goto fail;
	}
	if (sf->reply.extensions_len) {
		if (!(sf->extensions = malloc(sf->reply.extensions_len))) {
			e = -ENOMEM;
			goto fail;
		}
		memcpy(sf->extensions, sf->reply.extensions, sf->reply.extensions_len);
		sf->extensions_len = sf->reply.extensions_len;
	}
	*ret = sf;
	return 0;
fail:
	remote_sftp_free(sf);
	return e;
}

bool remote_sftp_has_extension(const struct remote_sftp *sf, const char *name)
{
	struct wire_reader r;
	const uint8_t *s, *v;
	size_t n, vn;
	wire_reader_init(&r, sf->extensions, sf->extensions_len);
	while (wire_get_string(&r, &s, &n) == 0 && wire_get_string(&r, &v, &vn) == 0)
		if (n == strlen(name) && memcmp(s, name, n) == 0)
			return true;
	return false;
}

int remote_sftp_lstat(struct remote_sftp *sf, const char *path, struct sftp_attrs *ret,
		      struct diag *d)
{
	int e = request_begin(sf, FXP_LSTAT);
	if (e == 0)
		e = wire_put_cstring(&sf->request, path);
	if (e == 0)
		e = request_send(sf, d);
	if (e < 0)
		return e;
	if (sf->reply.type != FXP_ATTRS)
		return not_the_answer(sf, "lstat", path, d);
	if (!sf->reply.attrs.has_perms || !sf->reply.attrs.has_ids) {
		diag_set(d, "lstat %s: the server did not give the owner and mode", path);
		return ERR_REMOTE;
	}
	*ret = sf->reply.attrs;
	return 0;
}

int remote_sftp_realpath(struct remote_sftp *sf, const char *path, char **ret, struct diag *d)
{
	int e = request_begin(sf, FXP_REALPATH);
	if (e == 0)
		e = wire_put_cstring(&sf->request, path);
	if (e == 0)
		e = request_send(sf, d);
	if (e < 0)
		return e;
	if (sf->reply.type != FXP_NAME)
		return not_the_answer(sf, "realpath", path, d);
	char *copy = strndup(sf->reply.message, sf->reply.message_len);
	if (!copy)
		return -ENOMEM;
	*ret = copy;
	return 0;
}

/* OPEN: the handle, copied out of the reply. */
static int open_file(struct remote_sftp *sf, const char *path, uint32_t flags, uint32_t mode,
		     uint8_t *handle, size_t *handle_len, struct diag *d)
{
	int e = request_begin(sf, FXP_OPEN);
	if (e == 0)
		e = wire_put_cstring(&sf->request, path);
	if (e == 0)
		e = wire_put_u32(&sf->request, flags);
	if (e == 0)
		e = put_perms(&sf->request, mode);
	if (e == 0)
		e = request_send(sf, d);
	if (e < 0)
		return e;
	if (sf->reply.type != FXP_HANDLE)
		return not_the_answer(sf, "open", path, d);
	memcpy(handle, sf->reply.data, sf->reply.data_len);
	*handle_len = sf->reply.data_len;
	return 0;
}

/* A request on a handle (CLOSE, or an extended one such as fsync) answered by a STATUS. */
static int handle_request(struct remote_sftp *sf, uint8_t type, const char *extension,
			  const uint8_t *handle, size_t handle_len, const char *what,
			  const char *path, struct diag *d)
{
	int e = request_begin(sf, type);
	if (e == 0 && extension)
		e = wire_put_cstring(&sf->request, extension);
	if (e == 0)
		e = wire_put_string(&sf->request, handle, handle_len);
	if (e == 0)
		e = request_send(sf, d);
	return e < 0 ? e : status_result(sf, what, path, d);
}

static void close_quietly(struct remote_sftp *sf, const uint8_t *handle, size_t len)
{
	struct diag ignored;
	handle_request(sf, FXP_CLOSE, NULL, handle, len, "close", "", &ignored);
}

int remote_sftp_read_file(struct remote_sftp *sf, const char *path, struct dynbuf *out,
			  struct diag *d)
{
	uint8_t handle[HANDLE_MAX];
	size_t handle_len;
	uint64_t offset = 0;
	int e = open_file(sf, path, OPEN_READ, 0, handle, &handle_len, d);
	if (e < 0)
		return e;
	for (;;) {
		if ((e = request_begin(sf, FXP_READ)) < 0 ||
		    (e = wire_put_string(&sf->request, handle, handle_len)) < 0 ||
		    (e = wire_put_u32(&sf->request, (uint32_t)(offset >> 32))) < 0 ||
		    (e = wire_put_u32(&sf->request, (uint32_t)offset)) < 0 ||
		    (e = wire_put_u32(&sf->request, READ_CHUNK)) < 0 ||
		    (e = request_send(sf, d)) < 0)
			break;
		if (sf->reply.type != FXP_DATA) {
			e = status_result(sf, "read", path, d);
			if (e == -ENODATA)
				e = 0; /* end of file */
			else if (e == 0)
				e = ERR_FORMAT;
			break;
		}
		if (sf->reply.data_len > READ_CHUNK) {
			diag_set(d, "read %s: the server sent more than asked", path);
			e = ERR_FORMAT;
			break;
		}
		if ((e = dynbuf_append(out, sf->reply.data, sf->reply.data_len)) < 0) {
			if (e == ERR_TOO_LARGE)
				diag_set(d, "%s is too large", path);
			break;
		}
		offset += sf->reply.data_len;
	}
	if (e < 0) {
		close_quietly(sf, handle, handle_len);
		return e;
	}
	return handle_request(sf, FXP_CLOSE, NULL, handle, handle_len, "close", path, d);
}

/* MKDIR or SETSTAT: a path and a mode, answered by a STATUS. */
static int path_mode_request(struct remote_sftp *sf, uint8_t type, const char *what,
			     const char *path, uint32_t mode, struct diag *d)
{
	int e = request_begin(sf, type);
	if (e == 0)
		e = wire_put_cstring(&sf->request, path);
	if (e == 0)
		e = put_perms(&sf->request, mode);
	if (e == 0)
		e = request_send(sf, d);
	return e < 0 ? e : status_result(sf, what, path, d);
}

int remote_sftp_mkdir(struct remote_sftp *sf, const char *path, uint32_t mode, struct diag *d)
{
	return path_mode_request(sf, FXP_MKDIR, "mkdir", path, mode, d);
}

int remote_sftp_rmdir(struct remote_sftp *sf, const char *path, struct diag *d)
{
	return simple_request(sf, FXP_RMDIR, "rmdir", path, NULL, d);
}

int remote_sftp_remove(struct remote_sftp *sf, const char *path, struct diag *d)
{
	return simple_request(sf, FXP_REMOVE, "remove", path, NULL, d);
}

int remote_sftp_chmod(struct remote_sftp *sf, const char *path, uint32_t mode, struct diag *d)
{
	return path_mode_request(sf, FXP_SETSTAT, "chmod", path, mode, d);
}

int remote_sftp_create(struct remote_sftp *sf, const char *path, uint32_t mode, const void *data,
		       size_t len, struct diag *d)
{
	uint8_t handle[HANDLE_MAX];
	size_t handle_len;
	const uint8_t *p = data;
	uint64_t offset = 0;
	int e = open_file(sf, path, OPEN_WRITE | OPEN_CREAT | OPEN_EXCL, mode, handle, &handle_len,
			  d);
	if (e < 0)
		return e;
	while (offset < len) {
		size_t chunk = len - offset > READ_CHUNK ? READ_CHUNK : (size_t)(len - offset);
		if ((e = request_begin(sf, FXP_WRITE)) < 0 ||
		    (e = wire_put_string(&sf->request, handle, handle_len)) < 0 ||
		    (e = wire_put_u32(&sf->request, (uint32_t)(offset >> 32))) < 0 ||
		    (e = wire_put_u32(&sf->request, (uint32_t)offset)) < 0 ||
		    (e = wire_put_string(&sf->request, p + offset, chunk)) < 0 ||
		    (e = request_send(sf, d)) < 0 || (e = status_result(sf, "write", path, d)) < 0)
			break;
		offset += chunk;
	}
	if (e == 0 && remote_sftp_has_extension(sf, "fsync@openssh.com"))
		e = handle_request(sf, FXP_EXTENDED, "fsync@openssh.com", handle, handle_len,
				   "fsync", path, d);
	if (e < 0) {
		close_quietly(sf, handle, handle_len);
		return e;
	}
	if ((e = handle_request(sf, FXP_CLOSE, NULL, handle, handle_len, "close", path, d)) < 0)
		return e;
	return remote_sftp_chmod(sf, path, mode, d);
}

int remote_sftp_rename_replace(struct remote_sftp *sf, const char *from, const char *to,
			       struct diag *d)
{
	if (!remote_sftp_has_extension(sf, "posix-rename@openssh.com")) {
		diag_set(d, "the server's SFTP cannot replace a file atomically "
			    "(no posix-rename@openssh.com)");
		return -ENOTSUP;
	}
	int e = request_begin(sf, FXP_EXTENDED);
	if (e == 0)
		e = wire_put_cstring(&sf->request, "posix-rename@openssh.com");
	if (e == 0)
		e = wire_put_cstring(&sf->request, from);
	if (e == 0)
		e = wire_put_cstring(&sf->request, to);
	if (e == 0)
		e = request_send(sf, d);
	return e < 0 ? e : status_result(sf, "rename", to, d);
}
