#include "ops/doctor_checks.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "remote/openssh_client.h"

struct doctor_check *doctor_add(struct doctor *dr, const char *name, enum doctor_status status,
				const char *fmt, ...)
{
	/* out of memory: the check is lost, not the run */
	static _Thread_local struct doctor_check scratch;
	struct doctor_result *res = dr->res;
	struct doctor_check *g = realloc(res->checks, (res->n_checks + 1) * sizeof(*g));
	if (!g)
		return memset(&scratch, 0, sizeof(scratch));
	res->checks = g;
	struct doctor_check *c = &g[res->n_checks++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->status = status;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->evidence, sizeof(c->evidence), fmt, ap);
	va_end(ap);
	return c;
}

void doctor_set_cause(struct doctor_check *c, int weight, const char *fmt, ...)
{
	c->weight = weight;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->cause, sizeof(c->cause), fmt, ap);
	va_end(ap);
}

void doctor_set_fix(struct doctor_check *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->fix, sizeof(c->fix), fmt, ap);
	va_end(ap);
}

/* Does a PubkeyAcceptedAlgorithms list take keys of this type? RSA keys sign with
 * rsa-sha2-512 or rsa-sha2-256 (ssh-rsa, SHA-1, is off by default since OpenSSH 8.8). */
bool doctor_type_accepted(const char *list, const char *type)
{
	if (strcmp(type, "ssh-rsa") == 0)
		return openssh_algorithm_listed(list, "rsa-sha2-512") ||
		       openssh_algorithm_listed(list, "rsa-sha2-256") ||
		       openssh_algorithm_listed(list, "ssh-rsa");
	return openssh_algorithm_listed(list, type);
}

/* word, quoted for a POSIX shell where it needs to be */
static void append_word(struct dynbuf *b, const char *word)
{
	if (*word && strspn(word, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
				  "_@%+=:,./-[]") == strlen(word)) {
		dynbuf_printf(b, " %s", word);
		return;
	}
	dynbuf_append_str(b, " '");
	for (const char *p = word; *p; p++)
		*p == '\'' ? dynbuf_append_str(b, "'\\''") : dynbuf_append(b, p, 1);
	dynbuf_append_str(b, "'");
}

void doctor_command(const struct doctor *dr, const char *command, const char *extra, char *buf,
		    size_t len)
{
	const struct connect_options *o = dr->req->connect;
	struct dynbuf b;
	char port[16];
	dynbuf_init(&b, 64 * 1024);
	dynbuf_printf(&b, "sshkeyctl %s%s%s", command, *extra ? " " : "", extra);
	dynbuf_append_str(&b, " -i");
	append_word(&b, dr->req->key->path ? dr->req->key->path : "KEY");
	if (dr->req->for_user) {
		dynbuf_append_str(&b, " --for-user");
		append_word(&b, dr->req->for_user);
	}
	if (o && o->port) {
		snprintf(port, sizeof(port), "%u", o->port);
		dynbuf_printf(&b, " -p %s", port);
	}
	if (o && o->login_user) {
		dynbuf_append_str(&b, " -l");
		append_word(&b, o->login_user);
	}
	if (o && o->config_file) {
		dynbuf_append_str(&b, " -F");
		append_word(&b, o->config_file);
	}
	for (size_t i = 0; o && i < o->n_ssh_options; i++) {
		dynbuf_append_str(&b, " -o");
		append_word(&b, o->ssh_options[i]);
	}
	append_word(&b, dr->t->spec);
	if (dynbuf_append(&b, "", 1) < 0 || b.len >= len)
		snprintf(buf, len, "%.*s...", (int)(len > 4 ? len - 4 : 0),
			 b.len ? (const char *)b.data : "");
	else
		snprintf(buf, len, "%s", (const char *)b.data);
	dynbuf_free(&b);
}

void doctor_note_connection(struct doctor *dr, const struct remote_session *s)
{
	unsigned port = s ? remote_local_port(s) : 0;
	if (port && dr->n_ports < sizeof(dr->ports) / sizeof(*dr->ports))
		dr->ports[dr->n_ports++] = port;
}
