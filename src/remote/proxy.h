/* A connection through a program, as ssh makes one for ProxyJump and ProxyCommand: the
 * program's stdin and stdout are one end of a socket pair, libssh gets the other end
 * (SSH_OPTIONS_FD). No shell is involved for ProxyJump (ssh -W through the jump host, with
 * -F passed down as ssh does); ProxyCommand runs in the user's shell as ssh runs it, with the
 * tokens %h %p %r %n %% expanded and host and user names refused when a shell would read
 * anything in them. The program's stderr is kept (bounded) for the error message. */
#ifndef SSHKEYCTL_REMOTE_PROXY_H
#define SSHKEYCTL_REMOTE_PROXY_H

#include <stddef.h>
#include <sys/types.h>

struct proxy {
	pid_t pid;
	int err_fd; /* the program's stderr, nonblocking; -1 when closed */
	char what[64];
};

/* ProxyJump "[user@]host[:port][,...]" to reach hostname:port; config_file is the -F file
 * (NULL: none). ret_fd: the socket for libssh. why: a reason for -EINVAL. */
int proxy_start_jump(const char *jump, const char *hostname, unsigned port, const char *config_file,
		     struct proxy *ret, int *ret_fd, char *why, size_t why_len);
/* ProxyCommand command, with its tokens for this connection. */
int proxy_start_command(const char *command, const char *hostname, const char *original_host,
			unsigned port, const char *user, struct proxy *ret, int *ret_fd, char *why,
			size_t why_len);
/* The first line the program wrote on stderr ("" when none), for an error message. */
void proxy_error_line(struct proxy *p, char *buf, size_t len);
/* End the program (it ends by itself at EOF; after a short wait it is killed) and reap it. */
void proxy_stop(struct proxy *p);

#endif
