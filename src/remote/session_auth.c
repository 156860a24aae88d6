/* Authentication on a session: methods, key probes, keys, ssh-agent, passwords
 * (remote/session.h). */
#include "remote/session_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/base64.h"
#include "base/wire.h"
#include "base/error.h"
#include "base/random.h"
#include "base/file_io.h"
#include "base/text_lines.h"
#include "files/known_hosts.h"
#include "base/user_info.h"
#include "keys/openssh_key_v1.h"
#include "remote/agent.h"
#include "remote/frame.h"
#include "remote/openssh_client.h"
#include "remote/proxy.h"

enum auth_call_kind { CALL_NONE, CALL_PROBE, CALL_KEY, CALL_AGENT, CALL_PASSWORD, CALL_KBDINT };

static int auth_call_once(ssh_session ssh, enum auth_call_kind kind, const void *arg)
{
	switch (kind) {
	case CALL_NONE:
		return ssh_userauth_none(ssh, NULL);
	case CALL_PROBE:
		return ssh_userauth_try_publickey(ssh, NULL, (ssh_key)arg);
	case CALL_KEY:
		return ssh_userauth_publickey(ssh, NULL, (ssh_key)arg);
	case CALL_AGENT:
		return ssh_userauth_agent(ssh, NULL);
	case CALL_PASSWORD:
		return ssh_userauth_password(ssh, NULL, arg);
	case CALL_KBDINT:
		return ssh_userauth_kbdint(ssh, NULL, NULL);
	}
	return SSH_AUTH_ERROR;
}

static const char *const auth_call_names[] = {
	[CALL_NONE] = "none",         [CALL_PROBE] = "publickey (query)",
	[CALL_KEY] = "publickey",     [CALL_AGENT] = "publickey through ssh-agent",
	[CALL_PASSWORD] = "password", [CALL_KBDINT] = "keyboard-interactive",
};

static int auth_call_traced(struct remote_session *s, enum auth_call_kind kind, const void *arg);

static int auth_call(struct remote_session *s, enum auth_call_kind kind, const void *arg)
{
	int rc = auth_call_traced(s, kind, arg);
	remote_trace(s, "authentication %s: %s", auth_call_names[kind],
		     rc == SSH_AUTH_SUCCESS   ? "success"
		     : rc == SSH_AUTH_PARTIAL ? "partial success"
		     : rc == SSH_AUTH_DENIED  ? "refused"
		     : rc == SSH_AUTH_AGAIN   ? "no answer"
					      : "error");
	return rc;
}

static int auth_call_traced(struct remote_session *s, enum auth_call_kind kind, const void *arg)
{
	struct timespec deadline;
	struct diag ignored;
	if (session_step_begin(s, &deadline, &ignored) < 0)
		return SSH_AUTH_AGAIN; /* reported as "no answer from the server" */
	ssh_set_blocking(s->ssh, 0);
	int rc;
	while ((rc = auth_call_once(s->ssh, kind, arg)) == SSH_AUTH_AGAIN) {
		long ms = session_remaining_ms(&deadline);
		if (ms <= 0 || !ssh_is_connected(s->ssh) ||
		    (ssh_get_status(s->ssh) & (SSH_CLOSED | SSH_CLOSED_ERROR)))
			break;
		struct pollfd p = {.fd = ssh_get_fd(s->ssh), .events = POLLIN};
		poll(&p, 1, (int)(ms > 100 ? 100 : ms));
	}
	ssh_set_blocking(s->ssh, 1);
	return rc;
}

/* After an authentication call: a server that hung up (MaxAuthTries) leaves libssh
 * returning AGAIN; say what happened. */
static int auth_result(struct remote_session *s, int rc, const char *what, struct diag *d)
{
	if (rc == SSH_AUTH_SUCCESS) {
		s->authenticated = true;
		return 0;
	}
	if (!ssh_is_connected(s->ssh)) {
		diag_set(d, "the server closed the connection during %s: %s", what,
			 ssh_get_error(s->ssh));
		return ERR_CONNECT;
	}
	if (rc == SSH_AUTH_AGAIN) {
		diag_set(d, "%s: no answer from the server", what);
		return ERR_TIMEOUT;
	}
	if (rc == SSH_AUTH_ERROR) {
		diag_set(d, "%s: %s", what, ssh_get_error(s->ssh));
		return ERR_CONNECT;
	}
	if (rc == SSH_AUTH_PARTIAL) {
		unsigned m = remote_auth_methods_named(s);
		diag_set(d, "%s accepted, and the server then wants %s%s%s%s", what,
			 m & AUTH_METHOD_KBDINT ? "keyboard-interactive " : "",
			 m & AUTH_METHOD_PASSWORD ? "password " : "",
			 m & AUTH_METHOD_PUBLICKEY ? "publickey (another key) " : "",
			 m ? "too" : "another method too");
		return ERR_AUTH_PARTIAL;
	}
	diag_set(d, "%s refused", what);
	return ERR_AUTH_DENIED;
}

int remote_auth_methods(struct remote_session *s, unsigned *ret_methods, struct diag *d)
{
	int rc = auth_call(s, CALL_NONE, NULL);
	if (rc == SSH_AUTH_SUCCESS) {
		s->authenticated = true;
		*ret_methods = 0;
		return 0;
	}
	struct diag refused;
	int r = auth_result(s, rc, "the \"none\" authentication", &refused);
	if (r != ERR_AUTH_DENIED) {
		*d = refused;
		return r;
	}
	*ret_methods = remote_auth_methods_named(s);
	return 0;
}

unsigned remote_auth_methods_named(struct remote_session *s)
{
	int m = ssh_userauth_list(s->ssh, NULL);
	return ((m & SSH_AUTH_METHOD_PUBLICKEY) ? AUTH_METHOD_PUBLICKEY : 0) |
	       ((m & SSH_AUTH_METHOD_PASSWORD) ? AUTH_METHOD_PASSWORD : 0) |
	       ((m & SSH_AUTH_METHOD_INTERACTIVE) ? AUTH_METHOD_KBDINT : 0);
}

static int libssh_public_key(const struct pubkey *key, ssh_key *ret)
{
	struct dynbuf b64;
	dynbuf_init(&b64, 2 * PUBKEY_BLOB_MAX);
	int r = base64_encode(&b64, key->blob, key->blob_len, 0);
	if (r == 0 &&
	    ssh_pki_import_pubkey_base64((const char *)b64.data,
					 ssh_key_type_from_name(key->type->name), ret) != SSH_OK)
		r = ERR_KEY_TYPE_UNSUPPORTED;
	dynbuf_free(&b64);
	return r;
}

static int no_prompt(const char *prompt, char *buf, size_t len, int echo, int verify, void *data)
{
	return -1; /* never let libssh or OpenSSL prompt on the terminal */
}

/* Our key, decrypted by us, handed to libssh in memory as an unencrypted openssh-key-v1
 * (libssh 0.10 crashes on AEAD-encrypted key files). */
static int libssh_private_key(const struct privkey *key, ssh_key *ret)
{
	struct dynbuf text;
	dynbuf_init(&text, 1024 * 1024);
	int r = openssh_key_v1_write(key, NULL, 0, &text);
	if (r == 0 && ssh_pki_import_privkey_base64((const char *)text.data, NULL, no_prompt, NULL,
						    ret) != SSH_OK)
		r = ERR_KEY_TYPE_UNSUPPORTED;
	dynbuf_free(&text);
	return r;
}

int remote_auth_probe_key(struct remote_session *s, const struct pubkey *key, bool *ret_accepted,
			  struct diag *d)
{
	ssh_key k;
	int r = libssh_public_key(key, &k);
	if (r < 0) {
		diag_set(d, "%s keys cannot be used here", key->type->name);
		return r;
	}
	int rc = auth_call(s, CALL_PROBE, k);
	ssh_key_free(k);
	/* PK_OK comes back as SUCCESS without logging us in */
	if (rc == SSH_AUTH_SUCCESS) {
		*ret_accepted = true;
		return 0;
	}
	struct diag why;
	r = auth_result(s, rc, "the key probe", &why);
	if (r == ERR_AUTH_DENIED) {
		*ret_accepted = false;
		return 0;
	}
	*d = why;
	return r;
}

int remote_auth_key(struct remote_session *s, const struct privkey *key, struct diag *d)
{
	ssh_key k;
	int r = libssh_private_key(key, &k);
	if (r < 0) {
		diag_set(d, "%s keys cannot be used for logins here", key->pub->type->name);
		return r;
	}
	int rc = auth_call(s, CALL_KEY, k);
	ssh_key_free(k);
	return auth_result(s, rc, "public key authentication", d);
}

/* libssh 0.10 offers every agent key in turn, and each refusal counts toward the server's
 * MaxAuthTries. It is given instead a socket to this filter, which shows it one key (the
 * one the server already accepted) and passes only signature requests for that key on to
 * the real agent. */
struct agent_filter {
	int libssh_side; /* our end of the pair whose other end libssh holds */
	int agent_fd;
	const struct pubkey *key;
};

static bool sign_request_for(const struct dynbuf *msg, const struct pubkey *key)
{
	struct wire_reader r;
	uint8_t type;
	const uint8_t *blob;
	size_t len;
	wire_reader_init(&r, msg->data, msg->len);
	return wire_get_u8(&r, &type) == 0 && type == AGENT_SIGN_REQUEST &&
	       wire_get_string(&r, &blob, &len) == 0 && len == key->blob_len &&
	       memcmp(blob, key->blob, len) == 0;
}

static void *agent_filter_run(void *arg)
{
	struct agent_filter *f = arg;
	struct dynbuf msg, answer;
	dynbuf_init(&msg, AGENT_MAX_MESSAGE);
	dynbuf_init(&answer, AGENT_MAX_MESSAGE);
	while (agent_read_message(f->libssh_side, &msg) == 0) {
		int r;
		dynbuf_reset(&answer);
		if (msg.len == 1 && msg.data[0] == AGENT_REQUEST_IDENTITIES) {
			r = dynbuf_append_byte(&answer, AGENT_IDENTITIES_ANSWER);
			if (r == 0)
				r = wire_put_u32(&answer, 1);
			if (r == 0)
				r = wire_put_string(&answer, f->key->blob, f->key->blob_len);
			if (r == 0)
				r = wire_put_cstring(&answer, "");
		} else if (sign_request_for(&msg, f->key)) {
			r = agent_write_message(f->agent_fd, msg.data, msg.len);
			if (r == 0)
				r = agent_read_message(f->agent_fd, &answer);
		} else {
			r = dynbuf_append_byte(&answer, AGENT_FAILURE);
		}
		if (r < 0 || agent_write_message(f->libssh_side, answer.data, answer.len) < 0)
			break;
	}
	dynbuf_free(&msg);
	dynbuf_free(&answer);
	return NULL;
}

int remote_auth_agent_key(struct remote_session *s, const struct pubkey *key, struct diag *d)
{
	struct agent_filter f = {.key = key};
	int pair[2];
	pthread_t thread;
	int r = s->no_agent ? -ENOENT : agent_connect(s->identity_agent, &f.agent_fd);
	if (r < 0) {
		diag_set(d, "cannot reach ssh-agent: %s", error_to_string(r));
		return ERR_AUTH_DENIED;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
		r = -errno;
		close(f.agent_fd);
		return r;
	}
	f.libssh_side = pair[0];
	if ((r = -pthread_create(&thread, NULL, agent_filter_run, &f)) < 0) {
		close(pair[0]);
		close(pair[1]);
		close(f.agent_fd);
		return r;
	}
	/* libssh keeps (and at the end closes) the socket it is given; the one it held
	 * before is ours to close */
	ssh_set_agent_socket(s->ssh, pair[1]);
	if (s->agent_socket >= 0)
		close(s->agent_socket);
	s->agent_socket = pair[1];
	int rc = auth_call(s, CALL_AGENT, NULL);
	shutdown(pair[0], SHUT_RDWR);
	pthread_join(thread, NULL);
	close(pair[0]);
	close(f.agent_fd);
	return auth_result(s, rc, "agent authentication", d);
}

static int answer_password(const struct kbdint_prompt *p, char *buf, size_t len, void *data)
{
	(void)p;
	const char *password = data;
	if (strlen(password) >= len)
		return -E2BIG;
	memcpy(buf, password, strlen(password) + 1);
	return 0;
}

int remote_auth_password(struct remote_session *s, const char *password, struct diag *d)
{
	unsigned methods = AUTH_METHOD_PASSWORD | AUTH_METHOD_KBDINT;
	int m = ssh_userauth_list(s->ssh, NULL);
	if (m)
		methods = ((m & SSH_AUTH_METHOD_PASSWORD) ? AUTH_METHOD_PASSWORD : 0) |
			  ((m & SSH_AUTH_METHOD_INTERACTIVE) ? AUTH_METHOD_KBDINT : 0);
	int r = ERR_AUTH_DENIED;
	if (!methods) {
		diag_set(d, "the server offers no password login");
		return ERR_AUTH_DENIED;
	}
	if (methods & AUTH_METHOD_PASSWORD) {
		r = auth_result(s, auth_call(s, CALL_PASSWORD, password), "password authentication",
				d);
		if (r != ERR_AUTH_DENIED || !(methods & AUTH_METHOD_KBDINT))
			return r;
	}
	/* keyboard-interactive (PAM): every prompt gets the password */
	return remote_auth_kbdint(s, answer_password, (void *)password, d);
}

/* rounds of keyboard-interactive answered: a server that keeps asking more than a few is
 * not asking what the caller knows */
#define KBDINT_ROUNDS 4

int remote_auth_kbdint(struct remote_session *s, kbdint_answer_fn answer, void *data,
		       struct diag *d)
{
	int rc = auth_call(s, CALL_KBDINT, NULL);
	char buf[1024];
	for (int round = 0; rc == SSH_AUTH_INFO && round < KBDINT_ROUNDS; round++) {
		int n = ssh_userauth_kbdint_getnprompts(s->ssh);
		for (int i = 0; i < n; i++) {
			char echo = 0;
			struct kbdint_prompt p = {
				.name = ssh_userauth_kbdint_getname(s->ssh),
				.instruction = ssh_userauth_kbdint_getinstruction(s->ssh),
				.text = ssh_userauth_kbdint_getprompt(s->ssh, (unsigned)i, &echo),
			};
			p.echo = echo != 0;
			p.name = p.name ? p.name : "";
			p.instruction = p.instruction ? p.instruction : "";
			p.text = p.text ? p.text : "";
			int r = answer(&p, buf, sizeof(buf), data);
			if (r < 0) {
				explicit_bzero(buf, sizeof(buf));
				diag_set(d, "keyboard-interactive: no answer to the prompt \"%s\"",
					 p.text);
				return r;
			}
			ssh_userauth_kbdint_setanswer(s->ssh, (unsigned)i, buf);
			explicit_bzero(buf, sizeof(buf));
		}
		rc = auth_call(s, CALL_KBDINT, NULL);
	}
	return auth_result(s, rc, "keyboard-interactive authentication", d);
}

int remote_auth_kbdint_first(struct remote_session *s, enum kbdint_first *ret, char *ret_prompt,
			     size_t prompt_len, struct diag *d)
{
	int rc = auth_call(s, CALL_KBDINT, NULL);
	if (ret_prompt && prompt_len)
		ret_prompt[0] = 0;
	/* an INFO_REQUEST with no prompt (a notice) is answered with no answer */
	for (int round = 0; rc == SSH_AUTH_INFO && round < 3; round++) {
		if (ssh_userauth_kbdint_getnprompts(s->ssh) > 0) {
			char echo = 0;
			const char *text = ssh_userauth_kbdint_getprompt(s->ssh, 0, &echo);
			if (ret_prompt && prompt_len)
				snprintf(ret_prompt, prompt_len, "%s", text ? text : "");
			*ret = KBDINT_ASKS;
			return 0;
		}
		rc = auth_call(s, CALL_KBDINT, NULL);
	}
	if (rc == SSH_AUTH_DENIED || rc == SSH_AUTH_PARTIAL || rc == SSH_AUTH_INFO) {
		*ret = KBDINT_FAILS;
		return 0;
	}
	if (rc == SSH_AUTH_SUCCESS) {
		s->authenticated = true;
		*ret = KBDINT_LETS_IN;
		return 0;
	}
	diag_set(d, "keyboard-interactive: %s", ssh_get_error(s->ssh));
	return ERR_CONNECT;
}
