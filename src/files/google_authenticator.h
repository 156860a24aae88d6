/* ~/.google_authenticator, the file of the PAM module libpam-google-authenticator (Debian,
 * and the same module on RHEL): the base32 secret on the first line, then option lines
 * ('" NAME args'), then 8-digit emergency scratch codes, one a line; at most 1 KiB (the
 * module's limit). Read strictly (file:line errors), written as the module's own
 * google-authenticator tool writes it. */
#ifndef SSHKEYCTL_FILES_GOOGLE_AUTHENTICATOR_H
#define SSHKEYCTL_FILES_GOOGLE_AUTHENTICATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/dynbuf.h"
#include "base/error.h"

#define GA_FILE_MAX      1024
#define GA_SECRET_MAX    64 /* bytes */
#define GA_SCRATCH_MAX   10
#define GA_SCRATCH_CODES 5 /* what the tool makes */

struct ga_file {
	uint8_t secret[GA_SECRET_MAX];
	size_t secret_len;
	bool totp; /* TOTP_AUTH */
	bool hotp; /* HOTP_COUNTER (then the module uses HOTP, not TOTP) */
	uint64_t hotp_counter;
	unsigned step;            /* STEP_SIZE; 0: not given (the module's 30) */
	unsigned window;          /* WINDOW_SIZE; 0: not given (the module's 3) */
	bool disallow_reuse;      /* DISALLOW_REUSE (its time stamps are the module's state) */
	unsigned rate_n, rate_m;  /* RATE_LIMIT n m; 0: none */
	unsigned unknown_options; /* option lines of a newer module, kept out of our view */
	uint32_t scratch[GA_SCRATCH_MAX];
	size_t n_scratch;
};

/* Parse text[len] (name: for errors, "FILE:LINE: why" in d). ERR_TOO_LARGE over
 * GA_FILE_MAX, ERR_FORMAT for anything else the module would not read as we do. */
int ga_file_parse(const char *text, size_t len, const char *name, struct ga_file *ret,
		  struct diag *d);
/* The file's text, as google-authenticator -t -d -f -r N -R M -w W writes it. */
int ga_file_write(const struct ga_file *f, struct dynbuf *out);

#endif
