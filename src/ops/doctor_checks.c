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
