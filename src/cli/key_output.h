/* Printing keys the way ssh-keygen prints them; shared by keygen, show and passwd. */
#ifndef SSHKEYCTL_CLI_KEY_OUTPUT_H
#define SSHKEYCTL_CLI_KEY_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "keys/fingerprint.h"

/* "BITS FINGERPRINT COMMENT (TYPE)\n" as ssh-keygen -l, then the randomart box when asked
 * (-v). An empty or NULL comment prints "no comment". */
int print_fingerprint_line(FILE *out, const struct pubkey *key, enum fingerprint_hash hash,
			   const char *comment, size_t comment_len, bool randomart);
/* "FINGERPRINT COMMENT\n" (keygen's line under "The key fingerprint is:"). */
int print_fingerprint_short(FILE *out, const struct pubkey *key, const char *comment);
int print_randomart(FILE *out, const struct pubkey *key, enum fingerprint_hash hash);
/* "type base64[ comment]\n" */
int print_public_line(FILE *out, const struct pubkey *key, const char *comment);

#endif
