#include "remote/agent.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/error.h"
#include "base/wire.h"

int agent_connect(const char *path, int *ret_fd)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (!path)
		path = getenv("SSH_AUTH_SOCK");
	if (!path || !*path)
		return -ENOENT;
	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	*ret_fd = fd;
	return 0;
}

/* Exactly len bytes within the timeout; -EPIPE at end of stream. */
static int read_exact(int fd, uint8_t *buf, size_t len)
{
	while (len > 0) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int n = poll(&p, 1, AGENT_TIMEOUT_MS);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return ERR_TIMEOUT;
		ssize_t got = read(fd, buf, len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			return -EPIPE;
		buf += got;
		len -= (size_t)got;
	}
	return 0;
}

static int write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int agent_read_message(int fd, struct dynbuf *out)
{
	uint8_t head[4];
	uint8_t *body;
	dynbuf_reset(out);
	int r = read_exact(fd, head, sizeof(head));
	if (r < 0)
		return r;
	uint32_t len = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 |
		       head[3];
	if (len == 0 || len > AGENT_MAX_MESSAGE)
		return ERR_FORMAT;
	if ((r = dynbuf_reserve_tail(out, len, &body)) < 0)
		return r;
	return read_exact(fd, body, len);
}

int agent_write_message(int fd, const void *msg, size_t len)
{
	if (len > AGENT_MAX_MESSAGE)
		return ERR_TOO_LARGE;
	uint8_t head[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
			   (uint8_t)len};
	int r = write_all(fd, head, sizeof(head));
	return r < 0 ? r : write_all(fd, msg, len);
}

void agent_identities_clear(struct agent_identities *ids)
{
	for (size_t i = 0; i < ids->n; i++) {
		pubkey_free(ids->items[i].key);
		free(ids->items[i].comment);
	}
	free(ids->items);
	ids->items = NULL;
	ids->n = 0;
}

int agent_identities_parse(const uint8_t *msg, size_t len, struct agent_identities *ret)
{
	struct agent_identities ids = {0};
	struct wire_reader r;
	uint8_t type;
	uint32_t n;
	int e;
	wire_reader_init(&r, msg, len);
	if ((e = wire_get_u8(&r, &type)) < 0 || (e = wire_get_u32(&r, &n)) < 0)
		return e;
	if (type != AGENT_IDENTITIES_ANSWER || n > AGENT_MAX_KEYS)
		return ERR_FORMAT;
	if (n && !(ids.items = calloc(n, sizeof(*ids.items))))
		return -ENOMEM;
	for (; ids.n < n; ids.n++) {
		const uint8_t *blob;
		const char *comment;
		size_t blob_len, comment_len;
		struct agent_identity *id = &ids.items[ids.n];
		if ((e = wire_get_string(&r, &blob, &blob_len)) < 0 ||
		    (e = wire_get_cstring(&r, &comment, &comment_len)) < 0)
			goto fail;
		/* a key type we cannot read is kept as a blank: the agent still offers it */
		if (pubkey_from_blob(blob, blob_len, &id->key) < 0)
			id->key = NULL;
		if (!(id->comment = strndup(comment, comment_len))) {
			e = -ENOMEM;
			goto fail;
		}
	}
	if (!wire_at_end(&r)) {
		e = ERR_TRAILING;
		goto fail;
	}
	*ret = ids;
	return 0;
fail:
	if (ids.n < n)
		ids.n++; /* the entry being filled: each field set or still NULL */
	agent_identities_clear(&ids);
	return e;
}

int agent_list_identities(const char *path, struct agent_identities *ret)
{
	int fd;
	struct dynbuf answer;
	uint8_t request = AGENT_REQUEST_IDENTITIES;
	int r = agent_connect(path, &fd);
	if (r < 0)
		return r;
	dynbuf_init(&answer, AGENT_MAX_MESSAGE);
	if ((r = agent_write_message(fd, &request, 1)) == 0 &&
	    (r = agent_read_message(fd, &answer)) == 0)
		r = agent_identities_parse(answer.data, answer.len, ret);
	dynbuf_free(&answer);
	close(fd);
	return r;
}

/* One request, its one-byte verdict: SUCCESS, or ERR_AGENT_REFUSED. */
static int agent_request(const char *path, const struct dynbuf *msg)
{
	int fd;
	struct dynbuf answer;
	int r = agent_connect(path, &fd);
	if (r < 0)
		return r;
	dynbuf_init(&answer, AGENT_MAX_MESSAGE);
	if ((r = agent_write_message(fd, msg->data, msg->len)) == 0 &&
	    (r = agent_read_message(fd, &answer)) == 0)
		r = answer.len == 1 && answer.data[0] == AGENT_SUCCESS   ? 0
		    : answer.len == 1 && answer.data[0] == AGENT_FAILURE ? ERR_AGENT_REFUSED
									 : ERR_FORMAT;
	dynbuf_free(&answer);
	close(fd);
	return r;
}

int agent_remove_identity(const char *path, const struct pubkey *key)
{
	struct dynbuf msg;
	dynbuf_init(&msg, AGENT_MAX_MESSAGE);
	int r = dynbuf_append_byte(&msg, AGENT_REMOVE_IDENTITY);
	if (r == 0)
		r = wire_put_string(&msg, key->blob, key->blob_len);
	if (r == 0)
		r = agent_request(path, &msg);
	dynbuf_free(&msg);
	return r;
}

int agent_remove_all(const char *path)
{
	struct dynbuf msg;
	dynbuf_init(&msg, 16);
	int r = dynbuf_append_byte(&msg, AGENT_REMOVE_ALL_IDENTITIES);
	if (r == 0)
		r = agent_request(path, &msg);
	dynbuf_free(&msg);
	return r;
}

int agent_add_identity(const char *path, const uint8_t *fields, size_t fields_len,
		       const char *comment, uint32_t lifetime, bool confirm)
{
	struct dynbuf msg;
	dynbuf_init(&msg, AGENT_MAX_MESSAGE);
	/* the body is the key's private fields as openssh-key-v1 holds them (PROTOCOL.agent
	 * takes the same serialization), then the comment, then the constraints */
	int r = dynbuf_append_byte(&msg, lifetime || confirm ? AGENT_ADD_ID_CONSTRAINED
							     : AGENT_ADD_IDENTITY);
	if (r == 0)
		r = dynbuf_append(&msg, fields, fields_len);
	if (r == 0)
		r = wire_put_cstring(&msg, comment);
	if (r == 0 && lifetime && (r = dynbuf_append_byte(&msg, AGENT_CONSTRAIN_LIFETIME)) == 0)
		r = wire_put_u32(&msg, lifetime);
	if (r == 0 && confirm)
		r = dynbuf_append_byte(&msg, AGENT_CONSTRAIN_CONFIRM);
	if (r == 0)
		r = agent_request(path, &msg);
	dynbuf_free(&msg);
	return r;
}

int agent_lock(const char *path, const char *password, bool lock)
{
	struct dynbuf msg;
	dynbuf_init(&msg, AGENT_MAX_MESSAGE);
	int r = dynbuf_append_byte(&msg, lock ? AGENT_LOCK : AGENT_UNLOCK);
	if (r == 0)
		r = wire_put_cstring(&msg, password);
	if (r == 0)
		r = agent_request(path, &msg);
	dynbuf_free(&msg); /* wiped */
	return r;
}
