/* Passphrases from the terminal (no echo), from a file, or from a compatibility option.
 * Every string returned is freed by the caller with secret_string_free(), which wipes it. */
#ifndef SSHKEYCTL_CLI_PASSPHRASE_H
#define SSHKEYCTL_CLI_PASSPHRASE_H

#include <stdbool.h>

/* Where a passphrase may come from, as a command's options gave it. */
struct passphrase_source {
	const char *option; /* -N / -P value (kept for ssh-keygen compatibility) */
	const char *file;   /* --passphrase-file: its first line */
	bool none;          /* --no-passphrase */
};

/* True when /dev/tty can be opened, i.e. someone can be asked. */
bool terminal_available(void);
/* Print prompt on the terminal and read a line without echo. -ENXIO without a terminal. */
int terminal_read_secret(const char *prompt, char **ret);
/* A line typed on the terminal, with echo (for a question that is not yes/no). */
int terminal_read_answer(const char *prompt, char **ret);
/* The terminal is shared by prompts, report lines and a fleet run's status line: whoever
 * writes there holds this lock (recursive), so a prompt is never drawn over, and the status
 * line pauses while a prompt waits. */
void terminal_lock(void);
void terminal_unlock(void);
/* A status line (the progress of a fleet run) is on screen, or not: a prompt erases it
 * first. */
void terminal_status_line_shown(bool shown);
bool terminal_status_line_is_shown(void);
/* Ask a yes/no question on the terminal; only an answer starting with y or Y is yes. */
int terminal_confirm(const char *prompt, bool *ret_yes);
/* First line of path (without its newline); "-" reads standard input. */
int passphrase_from_file(const char *path, char **ret);

/* A passphrase for a key being written: from src, else asked twice on the terminal until
 * both agree ("" means none). -ENXIO when no source and no terminal. */
int passphrase_for_new_key(const struct passphrase_source *src, const char *prompt, char **ret);
/* A passphrase to open an existing key: from src, else asked once with prompt. */
int passphrase_for_existing_key(const struct passphrase_source *src, const char *prompt,
				char **ret);

#endif
