/* SSH sessions to one target, over libssh, with OpenSSH's conventions: ~/.ssh/config (or
 * -F FILE) and -o KEY=VALUE honoured, host keys checked against known_hosts (unknown keys
 * refused unless accepted, changed keys always refused), a connect timeout and an
 * operation timeout on every blocking call so a dead or hostile server cannot stall us.
 *
 * Failures come back as ERR_* codes with a one-line explanation in struct diag. Nothing
 * here prints or reads the terminal: questions go through callbacks the caller supplies.
 * A session belongs to one thread at a time.
 */
#ifndef SSHKEYCTL_REMOTE_SESSION_H
#define SSHKEYCTL_REMOTE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/dynbuf.h"
#include "base/error.h"
#include "fleet/target.h"
#include "keys/privkey.h"

/* A host key not in known_hosts, as the question about it shows it. */
struct host_key_seen {
	const char *label;       /* user@host[:port] */
	const char *name;        /* as known_hosts names it: host, or [host]:port */
	const char *type;        /* "ssh-ed25519" */
	const char *fingerprint; /* "SHA256:..." */
	const struct pubkey *key;
};
/* Unknown host key: return true to trust it (it is then added to known_hosts). */
typedef bool (*host_key_question_fn)(const struct host_key_seen *seen, void *data);

struct connect_options {
	const char *config_file;  /* -F; NULL: ~/.ssh/config */
	char *const *ssh_options; /* -o KEY=VALUE, as given */
	size_t n_ssh_options;
	const char *login_user;  /* -l */
	unsigned port;           /* -p; 0: target's or config's */
	long connect_timeout;    /* seconds; 0: ssh_config's ConnectTimeout, else 10 */
	long timeout;            /* seconds for every later blocking call */
	long host_timeout;       /* seconds for all the work on one host; 0: none */
	bool accept_new;         /* --accept-new: trust and record unknown host keys */
	const char *known_hosts; /* NULL: ~/.ssh/known_hosts */
	host_key_question_fn ask_host_key;
	void *ask_data;
};

struct remote_session;

/* -v: fn gets each step of every connection (connecting, the host key, each authentication
 * request and its answer, each command, the end), one line of text (control characters
 * replaced), with the session's label. From any thread; NULL: off. */
void remote_set_trace(void (*fn)(const char *label, const char *text, void *data), void *data);
void remote_trace(const struct remote_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* fn gets the SHA256 fingerprint of every host key a connection accepts (known, or new and
 * accepted), on the connecting thread; NULL: off. */
void remote_set_host_key_observer(void (*fn)(const char *fingerprint, void *data), void *data);

int remote_connect(const struct target *t, const struct connect_options *o,
		   struct remote_session **ret, struct diag *d);
void remote_session_free(struct remote_session *s);
/* No blocking step of s may end later than deadline (CLOCK_MONOTONIC): the whole work on
 * one host is bounded, whatever the server does. */
void remote_set_host_deadline(struct remote_session *s, const struct timespec *deadline);
/* Every session's blocking steps, in every thread, end within grace_seconds from now (an
 * interrupt: what is in progress finishes or gives up, and rolls back); no new connection
 * is made after that. Async-signal-unsafe: call from a thread, not a signal handler. */
void remote_interrupt(long grace_seconds);
/* The deadline for a host whose work starts now: o->host_timeout from now (none: far off). */
struct timespec remote_host_deadline(const struct connect_options *o);
/* The user we log in as and a label "user@host:port" for messages. */
const char *remote_user(const struct remote_session *s);
const char *remote_label(const struct remote_session *s);

/* The ssh-agent ssh would use for this host (IdentityAgent): *ret_path NULL for
 * $SSH_AUTH_SOCK; -ENOENT for IdentityAgent none. */
int remote_identity_agent(const struct remote_session *s, const char **ret_path);
/* What ssh -G resolved for the target (HostName, identities...); NULL when OpenSSH's ssh is
 * not installed. */
struct openssh_client_config;
const struct openssh_client_config *remote_client_config(const struct remote_session *s);

/* Where a password comes from, and where its fate goes. A source may hold the password back
 * from every other host until the first one that tried it says whether it was right (the
 * cli's canary: a wrong password reaches one server, not a fleet). get's error
 * ERR_PASSWORD_WITHHELD: refused elsewhere, not sent here. Every get that succeeds is
 * followed by one verdict. */
enum password_verdict { PASSWORD_ACCEPTED, PASSWORD_REFUSED, PASSWORD_UNTRIED };
enum password_purpose { PASSWORD_FOR_LOGIN, PASSWORD_FOR_SUDO };
struct password_source {
	int (*get)(const char *user, const char *label, enum password_purpose purpose, char **ret,
		   void *data);
	void (*verdict)(const char *user, const char *label, enum password_verdict v, void *data);
	void *data;
};

/* Authentication methods the server offers (after a "none" request). */
enum {
	AUTH_METHOD_PUBLICKEY = 1 << 0,
	AUTH_METHOD_PASSWORD = 1 << 1,
	AUTH_METHOD_KBDINT = 1 << 2,
};
int remote_auth_methods(struct remote_session *s, unsigned *ret_methods, struct diag *d);
/* The methods the server named when it last refused a request (no request sent). */
unsigned remote_auth_methods_named(struct remote_session *s);
/* Would the server accept this public key for the user (no signature made)? */
int remote_auth_probe_key(struct remote_session *s, const struct pubkey *key, bool *ret_accepted,
			  struct diag *d);
int remote_auth_key(struct remote_session *s, const struct privkey *key, struct diag *d);
/* Log in with one key held by ssh-agent (libssh is shown only that key, so no other agent
 * key is offered and counted toward MaxAuthTries). */
int remote_auth_agent_key(struct remote_session *s, const struct pubkey *key, struct diag *d);
/* What keyboard-interactive does when started: asks something (a prompt, such as PAM's
 * "Password:" or "Verification code:", whose text goes to ret_prompt (may be NULL), as the
 * server sent it: not for a terminal before it is made safe), fails at once (a server
 * without PAM or another device offers the method and fails it), or lets us in without a
 * question (then s is logged in). Never answered: after ASKS or FAILS, s is unusable for
 * further authentication (free it). */
enum kbdint_first { KBDINT_ASKS, KBDINT_FAILS, KBDINT_LETS_IN };
int remote_auth_kbdint_first(struct remote_session *s, enum kbdint_first *ret, char *ret_prompt,
			     size_t prompt_len, struct diag *d);
/* password, then keyboard-interactive answering every prompt with the password */
int remote_auth_password(struct remote_session *s, const char *password, struct diag *d);

/* Every authentication call above returns ERR_AUTH_PARTIAL when the server accepted it
 * and wants another method too (AuthenticationMethods publickey,keyboard-interactive): d
 * names the methods still wanted (remote_auth_methods_named gives them). */

/* keyboard-interactive with each prompt answered by answer (a second factor: a TOTP code
 * computed here, say). The texts are the server's, unfiltered; answer writes a
 * NUL-terminated answer into buf (wiped after use) and returns 0, or a negative error to
 * give up (returned). At most a few rounds are answered. */
struct kbdint_prompt {
	const char *name;
	const char *instruction;
	const char *text;
	bool echo;
};
typedef int (*kbdint_answer_fn)(const struct kbdint_prompt *p, char *buf, size_t len, void *data);
int remote_auth_kbdint(struct remote_session *s, kbdint_answer_fn answer, void *data,
		       struct diag *d);

/* A command in a conversation: input sent in parts, output read as it comes (for a helper
 * that answers, then waits for what to do). Output is appended to out and err, which the
 * caller owns and which must outlive the process. Every wait is bounded by the timeouts. */
struct remote_process;
int remote_process_start(struct remote_session *s, const char *command, struct dynbuf *out,
			 struct dynbuf *err, struct remote_process **ret, struct diag *d);
/* sh running script, whatever the login shell: the script travels first on stdin, and
 * what is written after it is the script's own stdin, so no data is ever in a command
 * line. */
int remote_process_start_script(struct remote_session *s, const char *script, struct dynbuf *out,
				struct dynbuf *err, struct remote_process **ret, struct diag *d);
/* The same, run by runner (a command prefix such as "sudo -n ", "" for none; fixed text, never
 * data), with preamble written before the script: what the runner itself reads from stdin,
 * such as sudo -S's password line. When the runner may leave the preamble unread (sudo
 * asks no password for some commands), pass a random marker (hex): sh must read it first,
 * and ends with status REMOTE_SCRIPT_MARKER_MISSING, having run nothing, when it reads
 * anything else; no preamble line is ever evaluated. */
#define REMOTE_SCRIPT_MARKER_MISSING 70
int remote_process_start_script_as(struct remote_session *s, const char *runner,
				   const void *preamble, size_t preamble_len, const char *marker,
				   const char *script, struct dynbuf *out, struct dynbuf *err,
				   struct remote_process **ret, struct diag *d);
/* What the login shell printed before a script's frame (NUL-terminated, "" when nothing):
 * for an error message when the script never ran (a nologin shell's notice). */
const char *remote_process_preface(struct remote_process *p);
/* Input; a command that has stopped reading takes no more (not an error: it ended, and
 * remote_process_finish gives its status). */
int remote_process_write(struct remote_process *p, const void *data, size_t len, struct diag *d);
/* Read until complete(out) says the answer is whole, or the command ends. */
int remote_process_read_until(struct remote_process *p,
			      bool (*complete)(const struct dynbuf *out, void *arg), void *arg,
			      struct diag *d);
/* End of input, then the output handed to consume as it comes (the bytes given are
 * consume's to keep or drop: out is emptied after each call), until the command ends; a
 * negative return of consume stops the read. Each wait is bounded by the timeout from the
 * last output, not from the start. Then remote_process_finish gives the status. */
int remote_process_stream(struct remote_process *p,
			  int (*consume)(const uint8_t *data, size_t len, void *arg), void *arg,
			  struct diag *d);
/* End of input; all the output; the exit status. */
int remote_process_finish(struct remote_process *p, int *ret_status, struct diag *d);
void remote_process_free(struct remote_process *p);

/* 32 random hex digits (buf: at least 33 bytes): the end marker a helper's answers carry,
 * which no file content can forge. */
int remote_random_token(char *buf, size_t len);
/* Run a fixed command (no data: stdin is closed at once); its output is discarded. */
int remote_exec_status(struct remote_session *s, const char *command, int *ret_status,
		       struct diag *d);
/* The local TCP port of the connection (0 when unknown): sshd's log names it ("from ADDR
 * port P"), so lines about this connection can be told from others from the same address. */
unsigned remote_local_port(const struct remote_session *s);
/* The server's identification string ("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"). */
const char *remote_server_banner(const struct remote_session *s);
/* The host key was not in known_hosts and was accepted (and recorded) by this connection. */
bool remote_host_key_was_new(const struct remote_session *s);

/* A channel to a subsystem (sftp) carrying raw bytes both ways; each call gives up after the
 * session's timeout, so a server that stops answering cannot stall us. */
struct remote_channel;
int remote_open_subsystem(struct remote_session *s, const char *name, struct remote_channel **ret,
			  struct diag *d);
int remote_channel_write(struct remote_channel *c, const void *data, size_t len, struct diag *d);
/* Exactly len bytes: ERR_TIMEOUT when they do not come in time, ERR_CONNECT at EOF. */
int remote_channel_read(struct remote_channel *c, void *buf, size_t len, struct diag *d);
void remote_channel_free(struct remote_channel *c);

#endif
