#include "remote/negotiation.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "remote/openssh_client.h"

/* libssh's kex.c names the eight negotiations so (ssh_kex_descriptions) */
static const struct {
	const char *libssh_name;
	enum negotiation_kind kind;
} negotiation_names[] = {
	{"kex algos", NEGOTIATION_KEX},
	{"server host key algo", NEGOTIATION_HOST_KEY},
	{"encryption client->server", NEGOTIATION_CIPHER},
	{"encryption server->client", NEGOTIATION_CIPHER},
	{"mac algo client->server", NEGOTIATION_MAC},
	{"mac algo server->client", NEGOTIATION_MAC},
};

static bool is_signal_only(const char *name, size_t len)
{
	return (len >= 9 && memcmp(name, "ext-info-", 9) == 0) ||
	       (len >= 11 && memcmp(name, "kex-strict-", 11) == 0);
}

int negotiation_failure_parse(const char *text, size_t len, struct negotiation_failure *ret)
{
	static const char marker[] = "no match for method ";
	const char *p = memmem(text, len, marker, sizeof(marker) - 1);
	if (!p)
		return -ENOENT;
	p += sizeof(marker) - 1;
	const char *end = text + len;
	const char *colon = memchr(p, ':', (size_t)(end - p));
	if (!colon)
		return -ENOENT;
	struct negotiation_failure f = {.kind = NEGOTIATION_OTHER};
	size_t name_len = (size_t)(colon - p);
	for (size_t i = 0; i < sizeof(negotiation_names) / sizeof(negotiation_names[0]); i++)
		if (strlen(negotiation_names[i].libssh_name) == name_len &&
		    memcmp(p, negotiation_names[i].libssh_name, name_len) == 0)
			f.kind = negotiation_names[i].kind;
	const char *list = memmem(colon, (size_t)(end - colon), "server [", 8);
	if (!list)
		return -ENOENT;
	list += 8;
	const char *close = memchr(list, ']', (size_t)(end - list));
	if (!close)
		return -ENOENT;
	size_t used = 0;
	for (const char *a = list; a < close;) {
		const char *comma = memchr(a, ',', (size_t)(close - a));
		size_t alen = (size_t)((comma ? comma : close) - a);
		if (alen && !is_signal_only(a, alen) && used + alen + 2 < sizeof(f.server)) {
			if (used)
				f.server[used++] = ',';
			memcpy(f.server + used, a, alen);
			used += alen;
		}
		a += alen + 1;
	}
	f.server[used] = '\0';
	*ret = f;
	return 0;
}

static const struct {
	const char *prose, *keyword, *query;
} kind_names[] = {
	[NEGOTIATION_KEX] = {"key exchange method", "KexAlgorithms", "kex"},
	[NEGOTIATION_HOST_KEY] = {"host key algorithm", "HostKeyAlgorithms", "key"},
	[NEGOTIATION_CIPHER] = {"cipher", "Ciphers", "cipher"},
	[NEGOTIATION_MAC] = {"MAC", "MACs", "mac"},
	[NEGOTIATION_OTHER] = {"compression method", "Compression", "compression"},
};

const char *negotiation_kind_prose(enum negotiation_kind kind)
{
	return kind_names[kind].prose;
}

const char *negotiation_kind_keyword(enum negotiation_kind kind)
{
	return kind_names[kind].keyword;
}

const char *negotiation_kind_query(enum negotiation_kind kind)
{
	return kind_names[kind].query;
}

bool negotiation_common(const char *server, const char *client, char *ret, size_t len)
{
	char name[256];
	for (const char *p = server; *p;) {
		size_t n = strcspn(p, ",");
		if (n < sizeof(name)) {
			memcpy(name, p, n);
			name[n] = '\0';
			if (n && openssh_algorithm_listed(client, name)) {
				snprintf(ret, len, "%s", name);
				return true;
			}
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}
