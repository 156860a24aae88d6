/* otpauth:// URIs (Google Authenticator's Key Uri Format), the text an authenticator app
 * reads from a QR code: otpauth://totp/LABEL?secret=BASE32&issuer=ISSUER[&period=N], the
 * label and issuer percent-encoded (RFC 3986: all but the unreserved characters and, in the
 * label, '@' and ':'), as google-authenticator writes them. */
#ifndef SSHKEYCTL_FILES_OTPAUTH_H
#define SSHKEYCTL_FILES_OTPAUTH_H

#include <stddef.h>
#include <stdint.h>

#include "base/dynbuf.h"

/* period: 0 or 30 for the default (not written) */
int otpauth_uri(const char *label, const char *issuer, const uint8_t *secret, size_t secret_len,
		unsigned period, struct dynbuf *out);

#endif
