#include "ops/log_alerts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define SLOTS (LOG_ALERTS_SOURCES_MAX * 2)

struct alert_source {
	char address[64]; /* "": a free slot */
	long long *times; /* a ring of the last maxretry failures */
	unsigned n, next;
	long long newest;
};

static const char *const kind_names[] = {"failures", "password-login", "unknown-key"};

const char *log_alert_kind_name(enum log_alert_kind kind)
{
	return (unsigned)kind < 3 ? kind_names[kind] : "?";
}

int log_alerts_init(struct log_alerts *a, unsigned maxretry, long long findtime)
{
	memset(a, 0, sizeof(*a));
	if (maxretry < 1 || maxretry > LOG_ALERTS_MAXRETRY_MAX || findtime < 1)
		return -EINVAL;
	a->maxretry = maxretry;
	a->findtime = findtime;
	a->n_slots = SLOTS;
	a->sources = calloc(SLOTS, sizeof(*a->sources));
	return a->sources ? 0 : -ENOMEM;
}

void log_alerts_clear(struct log_alerts *a)
{
	for (size_t i = 0; a->sources && i < a->n_slots; i++)
		free(a->sources[i].times);
	free(a->sources);
	memset(a, 0, sizeof(*a));
}

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* the sources quiet for findtime let go: the table rebuilt with the others */
static void sweep(struct log_alerts *a, long long now)
{
	struct alert_source *old = a->sources;
	struct alert_source *fresh = calloc(a->n_slots, sizeof(*fresh));
	if (!fresh)
		return;
	a->n_used = 0;
	for (size_t i = 0; i < a->n_slots; i++) {
		if (!old[i].address[0])
			continue;
		if (now - old[i].newest > a->findtime) {
			free(old[i].times);
			continue;
		}
		size_t j = hash(old[i].address) % a->n_slots;
		while (fresh[j].address[0])
			j = (j + 1) % a->n_slots;
		fresh[j] = old[i];
		a->n_used++;
	}
	free(old);
	a->sources = fresh;
}

static struct alert_source *source_of(struct log_alerts *a, const char *address, long long now)
{
	size_t j = hash(address) % a->n_slots;
	while (a->sources[j].address[0]) {
		if (!strcmp(a->sources[j].address, address))
			return &a->sources[j];
		j = (j + 1) % a->n_slots;
	}
	if (a->n_used >= LOG_ALERTS_SOURCES_MAX) {
		sweep(a, now);
		if (a->n_used >= LOG_ALERTS_SOURCES_MAX)
			return NULL;
		return source_of(a, address, now);
	}
	long long *times = calloc(a->maxretry, sizeof(*times));
	if (!times)
		return NULL;
	struct alert_source *s = &a->sources[j];
	snprintf(s->address, sizeof(s->address), "%s", address);
	s->times = times;
	s->n = s->next = 0;
	a->n_used++;
	return s;
}

static void alert_from(struct log_alert *al, enum log_alert_kind kind,
		       const struct sshd_log_event *e, long long t)
{
	memset(al, 0, sizeof(*al));
	al->kind = kind;
	al->time = t;
	al->port = e->port;
	memcpy(al->host, e->host, sizeof(al->host));
	memcpy(al->address, e->address, sizeof(al->address));
}

int log_alerts_event(const struct sshd_log_event *e, void *arg)
{
	struct log_alerts *a = arg;
	struct log_alert al;
	long long t = e->time ? e->time : (long long)time(NULL);
	bool failure = e->kind == SSHD_EVENT_FAILED || e->kind == SSHD_EVENT_INVALID_USER;
	if (failure && e->address[0]) {
		struct alert_source *s = source_of(a, e->address, t);
		if (!s) {
			a->unwatched++;
			return 0;
		}
		s->times[s->next] = t;
		s->next = (s->next + 1) % a->maxretry;
		if (s->n < a->maxretry)
			s->n++;
		if (t > s->newest)
			s->newest = t;
		/* the oldest of the last maxretry failures, within findtime of this one */
		long long oldest = s->times[s->n < a->maxretry ? 0 : s->next];
		if (s->n == a->maxretry && t - oldest <= a->findtime) {
			alert_from(&al, LOG_ALERT_FAILURES, e, t);
			al.failures = a->maxretry;
			al.first = oldest;
			s->n = s->next = 0; /* the next alert after maxretry more */
			a->alerts++;
			return a->alert(&al, a->arg);
		}
		return 0;
	}
	if (e->kind != SSHD_EVENT_ACCEPTED)
		return 0;
	/* "publickey,keyboard-interactive/pam": a key and a second factor, not a password */
	bool password =
		!strchr(e->method, ',') &&
		(!strcmp(e->method, "password") || !strncmp(e->method, "keyboard-interactive", 20));
	bool unknown = false;
	if (e->fingerprint[0] && a->n_known) {
		unknown = true;
		for (size_t i = 0; i < a->n_known && unknown; i++)
			unknown = strcmp(a->known[i], e->fingerprint) != 0;
	}
	if (!password && !unknown)
		return 0;
	alert_from(&al, password ? LOG_ALERT_PASSWORD_LOGIN : LOG_ALERT_UNKNOWN_KEY, e, t);
	memcpy(al.account, e->user, sizeof(al.account));
	memcpy(al.method, e->method, sizeof(al.method));
	memcpy(al.key_type, e->key_type, sizeof(al.key_type));
	memcpy(al.fingerprint, e->fingerprint, sizeof(al.fingerprint));
	a->alerts++;
	return a->alert(&al, a->arg);
}

/* an IPv4 or IPv6 address (an IPv6 zone, "%eth0", of letters, digits and ._-) */
static bool ip_address(const char *text)
{
	char addr[64];
	unsigned char buf[16];
	const char *zone = strchr(text, '%');
	size_t n = zone ? (size_t)(zone - text) : strlen(text);
	if (n == 0 || n >= sizeof(addr))
		return false;
	memcpy(addr, text, n);
	addr[n] = 0;
	if (zone &&
	    (!zone[1] || strspn(zone + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					  "0123456789._-") != strlen(zone + 1)))
		return false;
	return inet_pton(AF_INET, addr, buf) == 1 || (inet_pton(AF_INET6, addr, buf) == 1);
}

int log_alert_run_hook(const char *program, const struct log_alert *a, const char *json,
		       int *ret_status, struct diag *d)
{
	if (!ip_address(a->address)) {
		diag_set(d, "the address is not an IP address: the hook is not run");
		return -EINVAL;
	}
	const char *argv[5] = {program, log_alert_kind_name(a->kind), a->address,
			       a->account[0] ? a->account : NULL, NULL};
	/* the JSON in a memory file: a hook that does not read it blocks nothing, and no
	 * SIGPIPE can come of it */
	int in = memfd_create("sshkeyctl-alert", MFD_CLOEXEC);
	size_t len = strlen(json);
	if (in < 0 || write(in, json, len) != (ssize_t)len || lseek(in, 0, SEEK_SET) < 0) {
		int e = errno;
		if (in >= 0)
			close(in);
		diag_set(d, "%s: %s", program, strerror(e));
		return -e;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, STDIN_FILENO);
	pid_t pid;
	int r = -posix_spawn(&pid, program, &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in);
	if (r < 0) {
		diag_set(d, "%s: %s", program, strerror(-r));
		return r;
	}
	int status = 0;
	for (int waited = 0;; waited++) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			diag_set(d, "%s: %s", program, strerror(errno));
			return -errno;
		}
		if (waited == LOG_ALERT_HOOK_SECONDS * 20) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			diag_set(d, "%s ran longer than %d s: killed", program,
				 LOG_ALERT_HOOK_SECONDS);
			*ret_status = 128 + SIGKILL;
			return -ETIMEDOUT;
		}
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	*ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 0;
}
