/* Text for a terminal, escaped as OpenSSH escapes it (ssh-keygen -l on a key comment,
 * utf8.c): control characters and bytes that are not printable in the locale's character
 * set become a backslash and three octal digits ("\033", "\377"); tab and newline pass;
 * printable multibyte characters pass when the locale (LC_ALL, LC_CTYPE, LANG) is UTF-8.
 * Used under stdout and stderr by cli/terminal_safe, so no output path bypasses it.
 */
#ifndef SSHKEYCTL_BASE_TERMINAL_TEXT_H
#define SSHKEYCTL_BASE_TERMINAL_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes out[] must have room for per input byte. */
#define TERMINAL_TEXT_EXPANSION 4

/* Escape in[len] into out (len * TERMINAL_TEXT_EXPANSION bytes at least); *ret_out_len gets
 * the bytes written. Returns the input bytes consumed: all of them, except a UTF-8
 * character cut at the end when !final (the caller passes it again with what follows). */
size_t terminal_text_escape(const char *in, size_t len, bool final, char *out, size_t *ret_out_len);

/* The length of the well-formed UTF-8 character (RFC 3629) at text[len]; 0 when the bytes
 * there are not one. */
size_t utf8_well_formed(const char *text, size_t len);

/* Whether the user's locale is UTF-8 (decided once, from the environment). */
bool terminal_text_utf8(void);

#endif
