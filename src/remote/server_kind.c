#include "remote/server_kind.h"

#include <stdio.h>
#include <string.h>

#include "remote/session.h"

/* A decimal number at text (at most 5 digits, none: false); *text moves past it. */
static bool number(const char **text, const char *end, unsigned *ret)
{
	unsigned v = 0;
	int digits = 0;
	while (*text < end && **text >= '0' && **text <= '9' && digits < 5) {
		v = v * 10 + (unsigned)(**text - '0');
		(*text)++;
		digits++;
	}
	*ret = v;
	return digits > 0;
}

static bool contains(const char *text, size_t len, const char *word)
{
	size_t n = strlen(word);
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(text + i, word, n) == 0)
			return true;
	return false;
}

static bool starts_with(const char *text, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(text, prefix, n) == 0;
}

void server_kind_from_banner(const char *banner, size_t len, struct server_kind *ret)
{
	struct server_kind k = {.software = SERVER_OTHER};
	if (!banner) {
		banner = "";
		len = 0;
	}
	const char *end = banner + len;
	if (starts_with(banner, len, "SSH-2.0-") || starts_with(banner, len, "SSH-1.99-")) {
		const char *sw = banner + (banner[4] == '2' ? 8 : 9);
		size_t sw_len = 0;
		while (sw + sw_len < end && !memchr(" \r\n", sw[sw_len], 3) && sw[sw_len])
			sw_len++;
		const char *rest = sw + sw_len;
		size_t rest_len = (size_t)(end - rest);
		k.debian = contains(rest, rest_len, "Debian") || contains(rest, rest_len, "Ubuntu");
		const char *v = NULL;
		const char *label = NULL;
		if (starts_with(sw, sw_len, "OpenSSH_")) {
			k.software = SERVER_OPENSSH, v = sw + 8, label = "OpenSSH";
		} else if (starts_with(sw, sw_len, "dropbear_") ||
			   starts_with(sw, sw_len, "dropbear-")) {
			k.software = SERVER_DROPBEAR, v = sw + 9, label = "Dropbear";
		} else if (starts_with(sw, sw_len, "tinyssh_")) {
			k.software = SERVER_TINYSSH, v = sw + 8, label = "tinysshd";
		}
		if (v) {
			const char *p = v;
			if (number(&p, sw + sw_len, &k.major) && p < sw + sw_len && *p == '.')
				p++, number(&p, sw + sw_len, &k.minor);
			snprintf(k.name, sizeof(k.name), "%s %.*s", label, (int)(sw + sw_len - v),
				 v);
		} else {
			snprintf(k.name, sizeof(k.name), "\"%.*s\"",
				 (int)(sw_len > 60 ? 60 : sw_len), sw);
		}
	} else {
		snprintf(k.name, sizeof(k.name), "an unknown server");
	}
	*ret = k;
}

bool server_openssh_at_least(const struct server_kind *k, unsigned major, unsigned minor)
{
	return k->software == SERVER_OPENSSH &&
	       (k->major > major || (k->major == major && k->minor >= minor));
}

bool server_has_include(const struct server_kind *k)
{
	return server_openssh_at_least(k, 8, 2);
}

bool server_has_penalties(const struct server_kind *k)
{
	return server_openssh_at_least(k, 9, 8);
}

const char *server_kbdinteractive_setting(const struct server_kind *k)
{
	return k->software == SERVER_OPENSSH && !server_openssh_at_least(k, 8, 7)
		       ? "ChallengeResponseAuthentication"
		       : "KbdInteractiveAuthentication";
}

const char *server_kbdinteractive_keyword(const struct server_kind *k)
{
	/* the same rule as server_kbdinteractive_setting, in sshd -T's case */
	return strcmp(server_kbdinteractive_setting(k), "ChallengeResponseAuthentication") == 0
		       ? "challengeresponseauthentication"
		       : "kbdinteractiveauthentication";
}

void server_kind_of(const struct remote_session *s, struct server_kind *ret)
{
	const char *banner = remote_server_banner(s);
	server_kind_from_banner(banner, strlen(banner), ret);
}
