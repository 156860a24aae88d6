#include "remote/openssh_client.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/file_io.h"
#include "base/percent_expand.h"
#include "files/ssh_config.h"

extern char **environ;

#define OUTPUT_MAX (1024 * 1024)

static void free_list(char **items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

void openssh_client_config_clear(struct openssh_client_config *c)
{
	free_list(c->identity_files, c->n_identity_files);
	free_list(c->certificate_files, c->n_certificate_files);
	free_list(c->user_known_hosts_files, c->n_user_known_hosts_files);
	free_list(c->global_known_hosts_files, c->n_global_known_hosts_files);
	memset(c, 0, sizeof(*c));
}

/* at most this many entries in one list (ssh's own limit for identity files is 100) */
#define LIST_MAX 100

static int list_append(char ***items, size_t *n, const char *v, size_t vlen)
{
	if (*n >= LIST_MAX)
		return 0;
	char **grown = realloc(*items, (*n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	*items = grown;
	if (!(grown[*n] = strndup(v, vlen)))
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* "a b c": each word appended */
static int list_append_words(char ***items, size_t *n, const char *v, size_t vlen)
{
	int r = 0;
	for (size_t i = 0; i < vlen && r == 0;) {
		while (i < vlen && v[i] == ' ')
			i++;
		size_t start = i;
		while (i < vlen && v[i] != ' ')
			i++;
		if (i > start)
			r = list_append(items, n, v + start, i - start);
	}
	return r;
}

static bool value_is(const char *v, size_t vlen, const char *word)
{
	return vlen == strlen(word) && strncasecmp(v, word, vlen) == 0;
}

/* ssh adds its default identity files only when none is configured: a list made only of
 * those names (in ~/.ssh) is the default one */
static bool default_identity_list(char *const *files, size_t n)
{
	static const char *const names[] = {"id_rsa",     "id_ecdsa",      "id_ecdsa_sk",
					    "id_ed25519", "id_ed25519_sk", "id_xmss",
					    "id_dsa"};
	if (n < 3)
		return false;
	for (size_t i = 0; i < n; i++) {
		const char *slash = strrchr(files[i], '/');
		const char *base = slash ? slash + 1 : files[i];
		bool known = false;
		for (size_t j = 0; j < sizeof(names) / sizeof(*names); j++)
			known = known || strcmp(base, names[j]) == 0;
		size_t dir_len = slash ? (size_t)(slash - files[i]) : 0;
		if (!known || dir_len < 5 || strncmp(slash - 5, "/.ssh", 5) != 0)
			return false;
	}
	return true;
}

static void copy_value(char *dst, size_t len, const char *v, size_t vlen)
{
	snprintf(dst, len, "%.*s", (int)(vlen < len ? vlen : len - 1), v);
}

int openssh_client_config_parse(const char *text, size_t len, struct openssh_client_config *ret)
{
	struct openssh_client_config c = {.pubkey_authentication = true, .port = 22};
	int r = 0;
	for (size_t off = 0; off < len && r == 0;) {
		const char *line = text + off;
		const char *nl = memchr(line, '\n', len - off);
		size_t llen = nl ? (size_t)(nl - line) : len - off;
		off += llen + 1;
		const char *sp = memchr(line, ' ', llen);
		if (!sp)
			continue;
		size_t klen = (size_t)(sp - line);
		const char *v = sp + 1;
		size_t vlen = llen - klen - 1;
/* ssh -G prints keywords in mixed case since OpenSSH 10.4 */
#define KEY(k) (klen == sizeof(k) - 1 && strncasecmp(line, k, klen) == 0)
		if (KEY("user")) {
			copy_value(c.user, sizeof(c.user), v, vlen);
		} else if (KEY("hostname")) {
			copy_value(c.hostname, sizeof(c.hostname), v, vlen);
		} else if (KEY("port")) {
			char num[16];
			copy_value(num, sizeof(num), v, vlen);
			long p = strtol(num, NULL, 10);
			c.port = p > 0 && p < 65536 ? (unsigned)p : 22;
		} else if (KEY("identitiesonly")) {
			c.identities_only = vlen == 3 && memcmp(v, "yes", 3) == 0;
		} else if (KEY("pubkeyauthentication")) {
			c.pubkey_authentication = !(vlen == 2 && memcmp(v, "no", 2) == 0);
		} else if (KEY("pubkeyacceptedalgorithms") || KEY("pubkeyacceptedkeytypes")) {
			copy_value(c.pubkey_accepted_algorithms,
				   sizeof(c.pubkey_accepted_algorithms), v, vlen);
		} else if (KEY("proxyjump")) {
			copy_value(c.proxy_jump, sizeof(c.proxy_jump), v, vlen);
		} else if (KEY("proxycommand")) {
			copy_value(c.proxy_command, sizeof(c.proxy_command), v, vlen);
		} else if (KEY("identityagent")) {
			copy_value(c.identity_agent, sizeof(c.identity_agent), v, vlen);
		} else if (KEY("kexalgorithms")) {
			copy_value(c.kex_algorithms, sizeof(c.kex_algorithms), v, vlen);
		} else if (KEY("hostkeyalgorithms")) {
			copy_value(c.host_key_algorithms, sizeof(c.host_key_algorithms), v, vlen);
		} else if (KEY("ciphers")) {
			copy_value(c.ciphers, sizeof(c.ciphers), v, vlen);
		} else if (KEY("macs")) {
			copy_value(c.macs, sizeof(c.macs), v, vlen);
		} else if (KEY("identityfile")) {
			r = list_append(&c.identity_files, &c.n_identity_files, v, vlen);
		} else if (KEY("certificatefile")) {
			r = list_append(&c.certificate_files, &c.n_certificate_files, v, vlen);
		} else if (KEY("userknownhostsfile")) {
			r = list_append_words(&c.user_known_hosts_files,
					      &c.n_user_known_hosts_files, v, vlen);
		} else if (KEY("globalknownhostsfile")) {
			r = list_append_words(&c.global_known_hosts_files,
					      &c.n_global_known_hosts_files, v, vlen);
		} else if (KEY("stricthostkeychecking")) {
			c.strict_host_key_checking =
				value_is(v, vlen, "yes") || value_is(v, vlen, "true")
					? STRICT_HOST_KEY_YES
				: value_is(v, vlen, "no") || value_is(v, vlen, "false")
					? STRICT_HOST_KEY_NO
				: value_is(v, vlen, "accept-new") ? STRICT_HOST_KEY_ACCEPT_NEW
								  : STRICT_HOST_KEY_ASK;
		} else if (KEY("hashknownhosts")) {
			c.hash_known_hosts = value_is(v, vlen, "yes");
		} else if (KEY("batchmode")) {
			c.batch_mode = value_is(v, vlen, "yes");
		} else if (KEY("connecttimeout")) {
			char num[16];
			copy_value(num, sizeof(num), v, vlen);
			char *end;
			long t = strtol(num, &end, 10);
			c.connect_timeout = end != num && !*end && t > 0 && t < 86400 ? t : 0;
		}
#undef KEY
		if (!nl)
			break;
	}
	if (r < 0) {
		openssh_client_config_clear(&c);
		return r;
	}
	c.identity_files_default = default_identity_list(c.identity_files, c.n_identity_files);
	*ret = c;
	return 0;
}

bool openssh_algorithm_listed(const char *list, const char *algorithm)
{
	size_t n = strlen(algorithm);
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && memcmp(p, algorithm, n) == 0)
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

/* ssh's command line: ssh FIRST... [-F config] [-o OPT]... [-p port] [-l user] -- host
 * [LAST...]; argv holds at most 16 + 2 * 64 + 8 entries. */
static void ssh_argv(const char **argv, const char *const *first, const char *host, unsigned port,
		     char *port_text, const char *user, const char *config_file,
		     char *const *options, size_t n_options, const char *const *last)
{
	size_t n = 0;
	argv[n++] = "ssh";
	for (size_t i = 0; first && i < 8 && first[i]; i++)
		argv[n++] = first[i];
	if (config_file) {
		argv[n++] = "-F";
		argv[n++] = config_file;
	}
	for (size_t i = 0; i < n_options && i < 64; i++) {
		argv[n++] = "-o";
		argv[n++] = options[i];
	}
	if (port) {
		snprintf(port_text, 16, "%u", port);
		argv[n++] = "-p";
		argv[n++] = port_text;
	}
	if (user) {
		argv[n++] = "-l";
		argv[n++] = user;
	}
	argv[n++] = "--";
	argv[n++] = host;
	for (size_t i = 0; last && i < 4 && last[i]; i++)
		argv[n++] = last[i];
	argv[n] = NULL;
}

/* Run ssh with argv, stdin from /dev/null; what it prints on stdout into out and on stderr
 * into err (either NULL: discarded); its exit status. At most 10 s of silence. */
static int run_ssh(const char **argv, struct dynbuf *out, struct dynbuf *err, int *ret_status)
{
	int pipes[2][2] = {{-1, -1}, {-1, -1}};
	struct dynbuf *sinks[2] = {out, err};
	int r = 0;
	for (int i = 0; i < 2 && r == 0; i++)
		if (sinks[i] && pipe2(pipes[i], O_CLOEXEC) < 0)
			r = -errno;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	for (int i = 0; i < 2; i++) {
		int fd = i == 0 ? STDOUT_FILENO : STDERR_FILENO;
		if (sinks[i])
			posix_spawn_file_actions_adddup2(&fa, pipes[i][1], fd);
		else
			posix_spawn_file_actions_addopen(&fa, fd, "/dev/null", O_WRONLY, 0);
	}
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	pid_t pid = 0;
	if (r == 0)
		r = -posix_spawnp(&pid, "ssh", &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	for (int i = 0; i < 2; i++)
		if (pipes[i][1] >= 0)
			close(pipes[i][1]);
	char buf[8192];
	while (r == 0 && (pipes[0][0] >= 0 || pipes[1][0] >= 0)) {
		struct pollfd p[2] = {{pipes[0][0], POLLIN, 0}, {pipes[1][0], POLLIN, 0}};
		if (poll(p, 2, 10000) <= 0) {
			kill(pid, SIGKILL);
			r = -ETIMEDOUT;
			break;
		}
		for (int i = 0; i < 2 && r == 0; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			ssize_t got = read(p[i].fd, buf, sizeof(buf));
			if (got <= 0) {
				close(pipes[i][0]);
				pipes[i][0] = -1;
			} else if ((r = dynbuf_append(sinks[i], buf, (size_t)got)) < 0) {
				kill(pid, SIGKILL);
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (pipes[i][0] >= 0)
			close(pipes[i][0]);
	if (pid <= 0)
		return r;
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	*ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : 255;
	return r;
}

/* ssh -G for these inputs; why (may be NULL) gets ssh's first line of complaint. */
static int config_query(const char *host, unsigned port, const char *user, const char *config_file,
			char *const *options, size_t n_options, struct openssh_client_config *ret,
			char *why, size_t why_len)
{
	char port_text[16];
	const char *argv[16 + 2 * 64 + 8];
	static const char *const first[] = {"-G", NULL};
	ssh_argv(argv, first, host, port, port_text, user, config_file, options, n_options, NULL);
	struct dynbuf text, err;
	dynbuf_init(&text, OUTPUT_MAX);
	dynbuf_init(&err, 64 * 1024);
	int status = 0;
	int r = run_ssh(argv, &text, &err, &status);
	if (r == 0 && status != 0) {
		r = status == 127 ? -ENOENT : -EINVAL;
		if (why && why_len) {
			const char *e = err.len ? (const char *)err.data : "";
			size_t n = strcspn(e, "\r\n");
			snprintf(why, why_len, "%.*s", (int)(n < err.len ? n : err.len), e);
		}
	}
	if (r == 0)
		r = openssh_client_config_parse(text.len ? (const char *)text.data : "", text.len,
						ret);
	dynbuf_free(&text);
	dynbuf_free(&err);
	return r;
}

/* The resolved configurations of this process, by their inputs: a fleet asks once per
 * distinct target, and every later connection to it (proofs, reconnections) reuses it. */
struct cache_entry {
	struct cache_entry *next;
	char *key;
	bool ready; /* resolved; until then, other threads asking wait for it */
	int result; /* 0, or the error every later call gets too */
	char why[512];
	struct openssh_client_config config;
};
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cache_resolved = PTHREAD_COND_INITIALIZER;
static struct cache_entry *cache;

/* The inputs as one string; the fields are separated by a byte no argument holds */
static char *cache_key(const char *host, unsigned port, const char *user, const char *config_file,
		       char *const *options, size_t n_options)
{
	struct dynbuf b;
	dynbuf_init(&b, 1024 * 1024);
	int r = dynbuf_printf(&b, "%s\n%u\n%s\n%s", host, port, user ? user : "\n",
			      config_file ? config_file : "\n");
	for (size_t i = 0; i < n_options && r == 0; i++)
		r = dynbuf_printf(&b, "\n%s", options[i]);
	if (r == 0)
		r = dynbuf_append(&b, "", 1);
	char *key = r == 0 ? (char *)dynbuf_steal(&b, NULL) : NULL;
	dynbuf_free(&b);
	return key;
}

static struct cache_entry *cache_find(const char *key)
{
	for (struct cache_entry *e = cache; e; e = e->next)
		if (!strcmp(e->key, key))
			return e;
	return NULL;
}

/* --- one ssh -G for every host, when the configuration cannot tell hosts apart --- */

#define INCLUDE_DEPTH_MAX 16
#define SCANNED_FILES_MAX 256

static const char *home_dir(char *scratch, size_t len)
{
	struct passwd pw, *me = NULL;
	if (getpwuid_r(getuid(), &pw, scratch, len, &me) != 0 || !me)
		return NULL;
	return me->pw_dir;
}

/* path and what it includes (relative names under base_dir, as ssh resolves them): sets
 * *dependent when anything there can tell hosts apart. */
struct config_traits {
	bool dependent;  /* can tell hosts apart */
	bool algorithms; /* sets an algorithm list */
};

static void scan_config_file(const char *path, const char *base_dir, int depth, size_t *files,
			     struct config_traits *traits)
{
	bool *dependent = &traits->dependent;
	if (*dependent)
		return;
	if (depth > INCLUDE_DEPTH_MAX || ++*files > SCANNED_FILES_MAX) {
		*dependent = true; /* more than we follow: ask ssh per host */
		return;
	}
	struct dynbuf b;
	struct ssh_config_scan scan;
	dynbuf_init(&b, SSH_CONFIG_FILE_MAX);
	int r = read_file(path, READ_FILE_REGULAR, &b);
	if (r == -ENOENT) {
		dynbuf_free(&b);
		return;
	}
	if (r < 0 || ssh_config_scan(b.len ? (const char *)b.data : "", b.len, &scan) < 0) {
		*dependent = true;
		dynbuf_free(&b);
		return;
	}
	dynbuf_free(&b);
	*dependent = *dependent || scan.host_dependent;
	traits->algorithms = traits->algorithms || scan.sets_algorithms;
	char scratch[4096], pattern[PATH_MAX];
	const char *home = home_dir(scratch, sizeof(scratch));
	for (size_t i = 0; i < scan.n_includes && !*dependent; i++) {
		const char *inc = scan.includes[i];
		if (inc[0] == '~' && inc[1] == '/' && home)
			snprintf(pattern, sizeof(pattern), "%s/%s", home, inc + 2);
		else if (inc[0] == '/')
			snprintf(pattern, sizeof(pattern), "%s", inc);
		else
			snprintf(pattern, sizeof(pattern), "%s/%s", base_dir, inc);
		glob_t g = {0};
		if (glob(pattern, 0, NULL, &g) == 0)
			for (size_t j = 0; j < g.gl_pathc; j++)
				scan_config_file(g.gl_pathv[j], base_dir, depth + 1, files, traits);
		globfree(&g);
	}
	ssh_config_scan_clear(&scan);
}

/* Can the configuration ssh reads (-F, or ~/.ssh/config and /etc/ssh/ssh_config, with what
 * they include, and the -o options) differ from one host to another, and does it set an
 * algorithm list? When it cannot be read through, the answers are "yes". */
static struct config_traits config_traits_of(const char *config_file, char *const *options,
					     size_t n_options)
{
	struct config_traits traits = {0};
	size_t files = 0;
	for (size_t i = 0; i < n_options; i++) {
		struct ssh_config_scan scan;
		if (ssh_config_scan(options[i], strlen(options[i]), &scan) < 0) {
			traits.dependent = traits.algorithms = true;
			continue;
		}
		traits.dependent = traits.dependent || scan.host_dependent || scan.n_includes;
		traits.algorithms = traits.algorithms || scan.sets_algorithms;
		ssh_config_scan_clear(&scan);
	}
	char scratch[4096], user_dir[PATH_MAX], user_config[PATH_MAX];
	const char *home = home_dir(scratch, sizeof(scratch));
	if (!home)
		return (struct config_traits){true, true};
	snprintf(user_dir, sizeof(user_dir), "%s/.ssh", home);
	snprintf(user_config, sizeof(user_config), "%s/.ssh/config", home);
	if (config_file) {
		scan_config_file(config_file, user_dir, 0, &files, &traits);
	} else {
		scan_config_file(user_config, user_dir, 0, &files, &traits);
		scan_config_file("/etc/ssh/ssh_config", "/etc/ssh", 0, &files, &traits);
	}
	if (traits.dependent)
		traits.algorithms = true; /* the scan stopped early: assume they are set */
	return traits;
}

/* config_host_dependent, decided once for the process's one -F and -o set (the last
 * inputs asked about; a different set is decided again) */
static pthread_mutex_t dependent_lock = PTHREAD_MUTEX_INITIALIZER;
static char *dependent_key;
static struct config_traits dependent_answer;

static struct config_traits traits_cached(const char *config_file, char *const *options,
					  size_t n_options)
{
	char *key = cache_key("", 0, NULL, config_file, options, n_options);
	pthread_mutex_lock(&dependent_lock);
	if (!key || !dependent_key || strcmp(key, dependent_key) != 0) {
		dependent_answer = config_traits_of(config_file, options, n_options);
		free(dependent_key);
		dependent_key = key;
		key = NULL;
	}
	struct config_traits answer = dependent_answer;
	pthread_mutex_unlock(&dependent_lock);
	free(key);
	return answer;
}

/* the name the shared query asks about: no Host pattern can match it, since none is there */
#define ANY_HOST "sshkeyctl-any-host.invalid"

static int list_copy(char *const *from, size_t n, char ***ret)
{
	*ret = NULL;
	if (!n)
		return 0;
	char **items = calloc(n, sizeof(*items));
	if (!items)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!(items[i] = strdup(from[i]))) {
			free_list(items, i);
			return -ENOMEM;
		}
	*ret = items;
	return 0;
}

/* The shared answer, for host: the same, but its HostName is the host's own, and the
 * command line's port and user (the target's, -p, -l) win over the configuration's, as on
 * ssh's command line. */
static int config_for_host(const struct openssh_client_config *shared, const char *host,
			   unsigned port, const char *user, bool algorithms,
			   struct openssh_client_config *ret)
{
	struct openssh_client_config c = *shared;
	c.algorithms_configured = algorithms;
	c.identity_files = c.certificate_files = c.user_known_hosts_files =
		c.global_known_hosts_files = NULL;
	if (list_copy(shared->identity_files, shared->n_identity_files, &c.identity_files) < 0 ||
	    list_copy(shared->certificate_files, shared->n_certificate_files,
		      &c.certificate_files) < 0 ||
	    list_copy(shared->user_known_hosts_files, shared->n_user_known_hosts_files,
		      &c.user_known_hosts_files) < 0 ||
	    list_copy(shared->global_known_hosts_files, shared->n_global_known_hosts_files,
		      &c.global_known_hosts_files) < 0) {
		openssh_client_config_clear(&c);
		return -ENOMEM;
	}
	if (!strcmp(shared->hostname, ANY_HOST))
		snprintf(c.hostname, sizeof(c.hostname), "%s", host);
	if (port)
		c.port = port;
	if (user)
		snprintf(c.user, sizeof(c.user), "%s", user);
	*ret = c;
	return 0;
}

static int cached_config(const char *host, unsigned port, const char *user, const char *config_file,
			 char *const *options, size_t n_options,
			 const struct openssh_client_config **ret, char *why, size_t why_len);

int openssh_client_config_get(const char *host, unsigned port, const char *user,
			      const char *config_file, char *const *options, size_t n_options,
			      const struct openssh_client_config **ret, char *why, size_t why_len)
{
	struct config_traits traits = traits_cached(config_file, options, n_options);
	if (traits.dependent) {
		int r = cached_config(host, port, user, config_file, options, n_options, ret, why,
				      why_len);
		return r;
	}
	/* one ssh -G for every host */
	const struct openssh_client_config *shared;
	int r = cached_config(ANY_HOST, 0, NULL, config_file, options, n_options, &shared, why,
			      why_len);
	if (r < 0)
		return r;
	char *key = cache_key(host, port, user, config_file, options, n_options);
	if (!key)
		return -ENOMEM;
	pthread_mutex_lock(&cache_lock);
	struct cache_entry *e = cache_find(key);
	if (!e && (e = calloc(1, sizeof(*e)))) {
		if (config_for_host(shared, host, port, user, traits.algorithms, &e->config) < 0) {
			free(e);
			e = NULL;
		} else {
			e->ready = true;
			e->key = key;
			key = NULL;
			e->next = cache;
			cache = e;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	free(key);
	if (!e)
		return -ENOMEM;
	*ret = &e->config;
	return 0;
}

static int cached_config(const char *host, unsigned port, const char *user, const char *config_file,
			 char *const *options, size_t n_options,
			 const struct openssh_client_config **ret, char *why, size_t why_len)
{
	char *key = cache_key(host, port, user, config_file, options, n_options);
	if (!key)
		return -ENOMEM;
	pthread_mutex_lock(&cache_lock);
	struct cache_entry *e = cache_find(key);
	if (!e) {
		/* the first thread to ask resolves it, outside the lock (ssh -G takes
		 * milliseconds); the others asking the same wait for its answer */
		if (!(e = calloc(1, sizeof(*e)))) {
			pthread_mutex_unlock(&cache_lock);
			free(key);
			return -ENOMEM;
		}
		e->key = key;
		key = NULL;
		e->next = cache;
		cache = e;
		pthread_mutex_unlock(&cache_lock);
		struct openssh_client_config c = {0};
		char reason[sizeof(e->why)] = "";
		int result = config_query(host, port, user, config_file, options, n_options, &c,
					  reason, sizeof(reason));
		c.algorithms_configured = true; /* unless the caller knows better */
		pthread_mutex_lock(&cache_lock);
		e->config = c;
		e->result = result;
		snprintf(e->why, sizeof(e->why), "%s", reason);
		e->ready = true;
		pthread_cond_broadcast(&cache_resolved);
	}
	while (!e->ready)
		pthread_cond_wait(&cache_resolved, &cache_lock);
	pthread_mutex_unlock(&cache_lock);
	free(key);
	if (e->result < 0) {
		if (why && why_len)
			snprintf(why, why_len, "%s", e->why);
		return e->result;
	}
	*ret = &e->config;
	return 0;
}

const struct openssh_client_config *openssh_client_defaults(void)
{
	/* no configuration file, no option: ssh's compiled-in lists; asked once, while the
	 * other threads wait (a fleet's first connections all want it at the same moment) */
	static pthread_mutex_t once = PTHREAD_MUTEX_INITIALIZER;
	const struct openssh_client_config *c = NULL;
	pthread_mutex_lock(&once);
	int r = cached_config("sshkeyctl.invalid", 0, NULL, "/dev/null", NULL, 0, &c, NULL, 0);
	pthread_mutex_unlock(&once);
	return r < 0 ? NULL : c;
}

int openssh_client_expand_path(const struct openssh_client_config *c, const char *original_host,
			       const char *raw, char **ret)
{
	char scratch[4096], local_host[256] = "", short_host[256], uid_text[24], port_text[16];
	struct passwd pw, *me = NULL;
	if (getpwuid_r(getuid(), &pw, scratch, sizeof(scratch), &me) != 0 || !me)
		return -ENOENT;
	gethostname(local_host, sizeof(local_host) - 1);
	snprintf(short_host, sizeof(short_host), "%.*s", (int)strcspn(local_host, "."), local_host);
	snprintf(uid_text, sizeof(uid_text), "%lu", (unsigned long)getuid());
	snprintf(port_text, sizeof(port_text), "%u", c->port);
	const struct percent_token tokens[] = {
		{'d', me->pw_dir},    {'u', me->pw_name},
		{'i', uid_text},      {'l', local_host},
		{'L', short_host},    {'h', c->hostname[0] ? c->hostname : original_host},
		{'n', original_host}, {'r', c->user},
		{'p', port_text},
	};
	struct dynbuf b;
	dynbuf_init(&b, 8192);
	int r = 0;
	/* ~ and ~/...: the home directory from the password database, as ssh */
	if (raw[0] == '~' && (raw[1] == '/' || !raw[1])) {
		r = dynbuf_append_str(&b, me->pw_dir);
		raw++;
	}
	if (r == 0)
		r = percent_expand(raw, tokens, sizeof(tokens) / sizeof(*tokens), NULL, &b, NULL);
	if (r == 0)
		r = dynbuf_append(&b, "", 1);
	if (r == 0)
		*ret = (char *)dynbuf_steal(&b, NULL);
	dynbuf_free(&b);
	return r;
}

int openssh_client_identity(const struct openssh_client_config *c, const char *original_host,
			    char **ret)
{
	if (c->identity_files_default)
		return -ENOENT;
	for (size_t i = 0; i < c->n_identity_files; i++) {
		char *path = NULL, pub[4200];
		if (openssh_client_expand_path(c, original_host, c->identity_files[i], &path) < 0)
			continue;
		snprintf(pub, sizeof(pub), "%s.pub", path);
		if (access(path, F_OK) == 0 || access(pub, F_OK) == 0) {
			*ret = path;
			return 0;
		}
		free(path);
	}
	return -ENOENT;
}

int openssh_client_try_login(const char *host, unsigned port, const char *user,
			     const char *config_file, char *const *options, size_t n_options,
			     const char *identity, enum openssh_login_outcome *ret)
{
	char port_text[16];
	const char *argv[16 + 2 * 64 + 8];
	/* publickey only, never a prompt, never a new host key: a check, not a login */
	const char *first[] = {"-o",
			       "BatchMode=yes",
			       "-o",
			       "PreferredAuthentications=publickey",
			       "-o",
			       "StrictHostKeyChecking=yes",
			       identity ? "-i" : NULL,
			       identity};
	static const char *const last[] = {"true", NULL};
	ssh_argv(argv, first, host, port, port_text, user, config_file, options, n_options, last);
	struct dynbuf text;
	dynbuf_init(&text, OUTPUT_MAX);
	int status = 0;
	int r = run_ssh(argv, NULL, &text, &status);
	if (r == 0) {
		const char *t = text.len ? (const char *)text.data : "";
		*ret = status == 0                                     ? OPENSSH_LOGIN_OK
		       : strstr(t, "Too many authentication failures") ? OPENSSH_LOGIN_TOO_MANY
		       : strstr(t, "Permission denied")                ? OPENSSH_LOGIN_DENIED
								       : OPENSSH_LOGIN_UNKNOWN;
	}
	dynbuf_free(&text);
	return r;
}
