#include "cli/passphrase.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "base/dynbuf.h"
#include "base/error.h"
#include "base/file_io.h"
#include "cli/terminal_safe.h"

#define PASSPHRASE_MAX 1024

bool terminal_available(void)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* Read one line from fd into a wiped buffer, without the newline. */
static int read_line_fd(int fd, char **ret)
{
	struct dynbuf b;
	dynbuf_init(&b, PASSPHRASE_MAX);
	for (;;) {
		char c;
		ssize_t n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = -errno;
			dynbuf_free(&b);
			return e;
		}
		if (n == 0 || c == '\n')
			break;
		int r = dynbuf_append_byte(&b, (uint8_t)c);
		secure_wipe(&c, 1);
		if (r < 0) {
			dynbuf_free(&b);
			return r;
		}
	}
	if (b.len && b.data[b.len - 1] == '\r')
		dynbuf_truncate(&b, b.len - 1);
	if (!b.data && dynbuf_append(&b, "", 0) < 0)
		return -ENOMEM;
	*ret = (char *)dynbuf_steal(&b, NULL);
	return 0;
}

/* The terminal state to put back if a signal ends us while echo is off. */
static struct termios saved_termios;
static volatile sig_atomic_t saved_termios_fd = -1;

static void restore_terminal_and_die(int sig)
{
	if (saved_termios_fd >= 0)
		tcsetattr(saved_termios_fd, TCSAFLUSH, &saved_termios);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* One writer on the terminal at a time (recursive: a list question holds it across the
 * questions that follow) */
static pthread_mutex_t terminal_mutex = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static bool status_line_shown;

void terminal_lock(void)
{
	pthread_mutex_lock(&terminal_mutex);
}

void terminal_unlock(void)
{
	pthread_mutex_unlock(&terminal_mutex);
}

void terminal_status_line_shown(bool shown)
{
	status_line_shown = shown;
}

bool terminal_status_line_is_shown(void)
{
	return status_line_shown;
}

static int terminal_read_locked(const char *prompt, bool echo, char **ret);

static int terminal_read(const char *prompt, bool echo, char **ret)
{
	terminal_lock();
	/* a status line on screen goes first: the prompt starts a clean line, and nothing
	 * draws over it while it waits */
	if (status_line_shown) {
		terminal_control("\r\033[K");
		status_line_shown = false;
	}
	int r = terminal_read_locked(prompt, echo, ret);
	terminal_unlock();
	return r;
}

static int terminal_read_locked(const char *prompt, bool echo, char **ret)
{
	static const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};
	struct sigaction old_actions[5];
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -ENXIO;
	struct termios saved, quiet;
	bool restore = false;
	if (!echo && tcgetattr(fd, &saved) == 0) {
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		saved_termios = saved;
		saved_termios_fd = fd;
		struct sigaction sa = {.sa_handler = restore_terminal_and_die};
		sigemptyset(&sa.sa_mask);
		for (int i = 0; i < 5; i++)
			sigaction(signals[i], &sa, &old_actions[i]);
		restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	if (write(fd, prompt, strlen(prompt)) < 0) {
		/* the prompt is a courtesy; reading still works */
	}
	int r = read_line_fd(fd, ret);
	if (restore) {
		tcsetattr(fd, TCSAFLUSH, &saved);
		if (write(fd, "\n", 1) < 0) {
			/* cosmetic newline after the hidden input */
		}
	}
	if (saved_termios_fd == fd) {
		saved_termios_fd = -1;
		for (int i = 0; i < 5; i++)
			sigaction(signals[i], &old_actions[i], NULL);
	}
	close(fd);
	return r;
}

int terminal_read_secret(const char *prompt, char **ret)
{
	return terminal_read(prompt, false, ret);
}

int terminal_read_answer(const char *prompt, char **ret)
{
	return terminal_read(prompt, true, ret);
}

int terminal_confirm(const char *prompt, bool *ret_yes)
{
	char *answer;
	int r = terminal_read(prompt, true, &answer);
	if (r < 0)
		return r;
	*ret_yes = answer[0] == 'y' || answer[0] == 'Y';
	free(answer);
	return 0;
}

int passphrase_from_file(const char *path, char **ret)
{
	if (strcmp(path, "-") == 0)
		return read_line_fd(STDIN_FILENO, ret);
	struct dynbuf b;
	dynbuf_init(&b, PASSPHRASE_MAX * 4);
	int r = read_file(path, 0, &b);
	if (r < 0) {
		dynbuf_free(&b);
		return r;
	}
	size_t len = 0;
	while (len < b.len && b.data[len] != '\n')
		len++;
	if (len && b.data && b.data[len - 1] == '\r')
		len--;
	char *s = strndup(b.data ? (const char *)b.data : "", len);
	dynbuf_free(&b);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

static int passphrase_from_source(const struct passphrase_source *src, char **ret, bool *ret_found)
{
	*ret_found = true;
	if (src->none) {
		*ret = strdup("");
		return *ret ? 0 : -ENOMEM;
	}
	if (src->file)
		return passphrase_from_file(src->file, ret);
	if (src->option) {
		*ret = strdup(src->option);
		return *ret ? 0 : -ENOMEM;
	}
	*ret_found = false;
	return 0;
}

int passphrase_for_new_key(const struct passphrase_source *src, const char *prompt, char **ret)
{
	bool found;
	int r = passphrase_from_source(src, ret, &found);
	if (r < 0 || found)
		return r;
	for (int attempt = 0; attempt < 3; attempt++) {
		char *first, *second;
		if ((r = terminal_read_secret(prompt, &first)) < 0)
			return r;
		if ((r = terminal_read_secret("Enter same passphrase again: ", &second)) < 0) {
			secret_string_free(first);
			return r;
		}
		bool same = strcmp(first, second) == 0;
		secret_string_free(second);
		if (same) {
			*ret = first;
			return 0;
		}
		secret_string_free(first);
		fputs("Passphrases do not match.  Try again.\n", stderr);
	}
	return ERR_PASSPHRASE_NEEDED;
}

int passphrase_for_existing_key(const struct passphrase_source *src, const char *prompt, char **ret)
{
	bool found;
	int r = passphrase_from_source(src, ret, &found);
	if (r < 0 || found)
		return r;
	return terminal_read_secret(prompt, ret);
}
