/* The network under an SSH login, looked at step by step for diagnosis: does the name
 * resolve, does the TCP port accept a connection (refused, or no answer), and does what
 * answers speak SSH (its identification line, RFC 4253 4.2). Nothing is sent: an SSH server
 * speaks first. */
#ifndef SSHKEYCTL_REMOTE_TCP_PROBE_H
#define SSHKEYCTL_REMOTE_TCP_PROBE_H

#include <stdbool.h>
#include <stddef.h>

enum tcp_probe_stage {
	TCP_PROBE_RESOLVE, /* the name does not resolve */
	TCP_PROBE_CONNECT, /* no TCP connection: refused, unreachable, or timed out */
	TCP_PROBE_BANNER,  /* connected; no SSH identification line */
	TCP_PROBE_OK,      /* an SSH server answered */
};

struct tcp_probe_result {
	enum tcp_probe_stage stage;
	int error;            /* getaddrinfo's code (RESOLVE), errno (CONNECT, BANNER) */
	bool timed_out;       /* CONNECT or BANNER: no answer in time */
	char address[64];     /* the address connected to (or tried last) */
	char first_line[256]; /* what the server sent first, control characters shown as '?' */
	size_t first_len;     /* bytes received before giving up, up to the first line */
};

/* Look for the identification line in what a server sent so far (buf[len]): true when a
 * line starting "SSH-" is complete (res->stage TCP_PROBE_OK, first_line set); otherwise
 * first_line shows the start of what came. Bounded: for tests and fuzzing. */
bool tcp_probe_banner_parse(const char *buf, size_t len, struct tcp_probe_result *res);
/* Never fails as a function: the outcome is in res. timeout_ms bounds each step. */
void tcp_probe(const char *host, unsigned port, long timeout_ms, struct tcp_probe_result *res);

#endif
