#include "remote/tcp_probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* An SSH server may send lines before its identification (RFC 4253 4.2); a few are read. */
#define BANNER_MAX 4096

static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

static int connect_with_timeout(const struct addrinfo *ai, long timeout_ms, bool *ret_timed_out)
{
	*ret_timed_out = false;
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			ai->ai_protocol);
	if (fd < 0)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		return -e;
	}
	struct pollfd p = {fd, POLLOUT, 0};
	int n = poll(&p, 1, (int)timeout_ms);
	int err = 0;
	socklen_t len = sizeof(err);
	if (n == 0) {
		*ret_timed_out = true;
		err = ETIMEDOUT;
	} else if (n < 0) {
		err = errno;
	} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
		err = errno;
	}
	if (err) {
		close(fd);
		return -err;
	}
	return fd;
}

static void printable(const char *in, size_t len, char *out, size_t out_len)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < out_len; i++) {
		unsigned char c = (unsigned char)in[i];
		out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[o] = 0;
}

bool tcp_probe_banner_parse(const char *buf, size_t len, struct tcp_probe_result *res)
{
	size_t line_start = 0;
	const char *nl;
	while (line_start < len && (nl = memchr(buf + line_start, '\n', len - line_start))) {
		size_t line_len = (size_t)(nl - (buf + line_start));
		if (line_len && buf[line_start + line_len - 1] == '\r')
			line_len--;
		if (line_len >= 4 && memcmp(buf + line_start, "SSH-", 4) == 0) {
			printable(buf + line_start, line_len, res->first_line,
				  sizeof(res->first_line));
			res->first_len = line_len;
			res->stage = TCP_PROBE_OK;
			return true;
		}
		line_start = (size_t)(nl - buf) + 1;
	}
	/* not (yet) SSH: what it said first, for the report */
	size_t shown = len;
	nl = memchr(buf, '\n', len);
	if (nl)
		shown = (size_t)(nl - buf);
	if (shown && buf[shown - 1] == '\r')
		shown--;
	printable(buf, shown, res->first_line, sizeof(res->first_line));
	res->first_len = len;
	return false;
}

/* The server's first lines, until one starts with "SSH-" or no more come in time. */
static void read_banner(int fd, long timeout_ms, struct tcp_probe_result *res)
{
	char buf[BANNER_MAX];
	size_t len = 0;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	res->stage = TCP_PROBE_BANNER;
	while (len < sizeof(buf)) {
		long left = timeout_ms - elapsed_ms(&start);
		struct pollfd p = {fd, POLLIN, 0};
		int n = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (n == 0) {
			res->timed_out = true;
			break;
		}
		if (n < 0) {
			res->error = errno;
			break;
		}
		ssize_t got = read(fd, buf + len, sizeof(buf) - len);
		if (got <= 0) {
			res->error = got < 0 ? errno : 0;
			break;
		}
		len += (size_t)got;
		if (tcp_probe_banner_parse(buf, len, res))
			return;
	}
	tcp_probe_banner_parse(buf, len, res);
	res->stage = TCP_PROBE_BANNER;
}

void tcp_probe(const char *host, unsigned port, long timeout_ms, struct tcp_probe_result *res)
{
	memset(res, 0, sizeof(*res));
	char service[16];
	snprintf(service, sizeof(service), "%u", port);
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *list = NULL;
	int r = getaddrinfo(host, service, &hints, &list);
	if (r != 0) {
		res->stage = TCP_PROBE_RESOLVE;
		res->error = r;
		return;
	}
	res->stage = TCP_PROBE_CONNECT;
	int fd = -1;
	for (const struct addrinfo *ai = list; ai && fd < 0; ai = ai->ai_next) {
		void *addr = ai->ai_family == AF_INET6
				     ? (void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
				     : (void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
		inet_ntop(ai->ai_family, addr, res->address, sizeof(res->address));
		fd = connect_with_timeout(ai, timeout_ms, &res->timed_out);
		if (fd < 0)
			res->error = -fd;
	}
	freeaddrinfo(list);
	if (fd < 0)
		return;
	res->error = 0;
	res->timed_out = false;
	read_banner(fd, timeout_ms, res);
	close(fd);
}
