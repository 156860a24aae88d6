#include "base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const error_messages[] = {
	[-ERR_FORMAT - ERR_FIRST] = "invalid format",
	[-ERR_TRUNCATED - ERR_FIRST] = "truncated data",
	[-ERR_TRAILING - ERR_FIRST] = "unexpected trailing data",
	[-ERR_BASE64 - ERR_FIRST] = "invalid base64 in key",
	[-ERR_KEY_TYPE_UNKNOWN - ERR_FIRST] = "unknown key type",
	[-ERR_KEY_TYPE_MISMATCH - ERR_FIRST] = "key type name does not match the key data",
	[-ERR_SSH1_KEY - ERR_FIRST] = "SSH protocol 1 key, not supported",
	[-ERR_PASSPHRASE_WRONG - ERR_FIRST] =
		"incorrect passphrase supplied to decrypt private key",
	[-ERR_PASSPHRASE_NEEDED - ERR_FIRST] =
		"private key is encrypted and no passphrase was given",
	[-ERR_CIPHER_UNKNOWN - ERR_FIRST] = "unknown or unsupported cipher",
	[-ERR_KDF_UNKNOWN - ERR_FIRST] = "unknown or unsupported key derivation function",
	[-ERR_CRYPTO - ERR_FIRST] = "error in the crypto library",
	[-ERR_KEY_SIZE - ERR_FIRST] = "key size out of range",
	[-ERR_TOO_LARGE - ERR_FIRST] = "input too large",
	[-ERR_LINE_TOO_LONG - ERR_FIRST] = "line too long",
	[-ERR_NOT_A_KEY - ERR_FIRST] = "not a key",
	[-ERR_KEY_MISMATCH - ERR_FIRST] = "public and private key do not match",
	[-ERR_MULTIPLE_KEYS - ERR_FIRST] = "more than one key in the file",
	[-ERR_NUL_BYTE - ERR_FIRST] = "NUL byte in text",
	[-ERR_MARKER_UNKNOWN - ERR_FIRST] = "unknown marker (expected @cert-authority or @revoked)",
	[-ERR_OPTIONS - ERR_FIRST] = "malformed key options",
	[-ERR_NO_HOSTS - ERR_FIRST] = "missing host patterns",
	[-ERR_KEY_TYPE_UNSUPPORTED - ERR_FIRST] = "key type not supported for this operation",
	[-ERR_BITS - ERR_FIRST] = "invalid key size for this key type",
	[-ERR_CONNECT - ERR_FIRST] = "cannot connect",
	[-ERR_HOST_KEY_CHANGED - ERR_FIRST] = "host key changed",
	[-ERR_HOST_KEY_UNKNOWN - ERR_FIRST] = "host key unknown",
	[-ERR_AUTH_DENIED - ERR_FIRST] = "authentication failed",
	[-ERR_TIMEOUT - ERR_FIRST] = "timed out",
	[-ERR_REMOTE - ERR_FIRST] = "command on the server failed",
	[-ERR_CHANGED_UNDER_US - ERR_FIRST] = "file changed on the server while we worked",
	[-ERR_NO_SHELL - ERR_FIRST] = "the account cannot run commands",
	[-ERR_NO_ROOT - ERR_FIRST] = "no way to become root on the server",
	[-ERR_ROLLED_BACK - ERR_FIRST] = "the change failed and was rolled back",
	[-ERR_NO_HOME - ERR_FIRST] = "the account's home directory does not exist",
	[-ERR_NOT_REGULAR - ERR_FIRST] = "not a regular file (a FIFO, device or socket)",
	[-ERR_HOST_KEY_REVOKED - ERR_FIRST] = "the server's host key is marked as revoked",
	[-ERR_KEYS_NOT_IN_FILES - ERR_FIRST] = "sshd reads no authorized_keys file for the account",
	[-ERR_NOT_OPENSSH - ERR_FIRST] = "the server is not OpenSSH's sshd",
	[-ERR_PASSWORD_WITHHELD - ERR_FIRST] =
		"the password was refused on another host first, so it is sent to no other",
	[-ERR_AGENT_REFUSED - ERR_FIRST] = "ssh-agent refused the request",
	[-ERR_AUTH_PARTIAL - ERR_FIRST] =
		"accepted, but the server wants a second authentication method too",
};

const char *error_to_string(int err)
{
	if (err < ERR_FIRST * -1 && err > ERR_LAST) {
		const char *msg = error_messages[-err - ERR_FIRST];
		return msg ? msg : "unknown error";
	}
	if (err < 0 && err > -4096)
		return strerror(-err);
	return "unknown error";
}

/* stable: scripts match on these; a new code gets a new name, a name never changes */
static const char *const error_names[] = {
	[-ERR_FORMAT - ERR_FIRST] = "format",
	[-ERR_TRUNCATED - ERR_FIRST] = "truncated",
	[-ERR_TRAILING - ERR_FIRST] = "trailing-data",
	[-ERR_BASE64 - ERR_FIRST] = "base64",
	[-ERR_KEY_TYPE_UNKNOWN - ERR_FIRST] = "key-type-unknown",
	[-ERR_KEY_TYPE_MISMATCH - ERR_FIRST] = "key-type-mismatch",
	[-ERR_SSH1_KEY - ERR_FIRST] = "ssh1-key",
	[-ERR_PASSPHRASE_WRONG - ERR_FIRST] = "passphrase-wrong",
	[-ERR_PASSPHRASE_NEEDED - ERR_FIRST] = "passphrase-needed",
	[-ERR_CIPHER_UNKNOWN - ERR_FIRST] = "cipher-unknown",
	[-ERR_KDF_UNKNOWN - ERR_FIRST] = "kdf-unknown",
	[-ERR_CRYPTO - ERR_FIRST] = "crypto",
	[-ERR_KEY_SIZE - ERR_FIRST] = "key-size",
	[-ERR_TOO_LARGE - ERR_FIRST] = "too-large",
	[-ERR_LINE_TOO_LONG - ERR_FIRST] = "line-too-long",
	[-ERR_NOT_A_KEY - ERR_FIRST] = "not-a-key",
	[-ERR_KEY_MISMATCH - ERR_FIRST] = "key-mismatch",
	[-ERR_MULTIPLE_KEYS - ERR_FIRST] = "multiple-keys",
	[-ERR_NUL_BYTE - ERR_FIRST] = "nul-byte",
	[-ERR_MARKER_UNKNOWN - ERR_FIRST] = "marker-unknown",
	[-ERR_OPTIONS - ERR_FIRST] = "key-options",
	[-ERR_NO_HOSTS - ERR_FIRST] = "no-hosts",
	[-ERR_KEY_TYPE_UNSUPPORTED - ERR_FIRST] = "key-type-unsupported",
	[-ERR_BITS - ERR_FIRST] = "bits",
	[-ERR_CONNECT - ERR_FIRST] = "connect",
	[-ERR_HOST_KEY_CHANGED - ERR_FIRST] = "host-key-changed",
	[-ERR_HOST_KEY_UNKNOWN - ERR_FIRST] = "host-key-unknown",
	[-ERR_AUTH_DENIED - ERR_FIRST] = "auth-denied",
	[-ERR_TIMEOUT - ERR_FIRST] = "timeout",
	[-ERR_REMOTE - ERR_FIRST] = "remote-command",
	[-ERR_CHANGED_UNDER_US - ERR_FIRST] = "changed-under-us",
	[-ERR_NO_SHELL - ERR_FIRST] = "no-shell",
	[-ERR_NO_ROOT - ERR_FIRST] = "no-root",
	[-ERR_ROLLED_BACK - ERR_FIRST] = "rolled-back",
	[-ERR_NO_HOME - ERR_FIRST] = "no-home",
	[-ERR_NOT_REGULAR - ERR_FIRST] = "not-regular",
	[-ERR_HOST_KEY_REVOKED - ERR_FIRST] = "host-key-revoked",
	[-ERR_KEYS_NOT_IN_FILES - ERR_FIRST] = "keys-not-in-files",
	[-ERR_NOT_OPENSSH - ERR_FIRST] = "not-openssh",
	[-ERR_PASSWORD_WITHHELD - ERR_FIRST] = "password-withheld",
	[-ERR_AGENT_REFUSED - ERR_FIRST] = "agent-refused",
	[-ERR_AUTH_PARTIAL - ERR_FIRST] = "auth-partial",
};

const char *error_code_name(int err)
{
	if (err == 0)
		return "ok";
	if (err < ERR_FIRST * -1 && err > ERR_LAST) {
		const char *name = error_names[-err - ERR_FIRST];
		return name ? name : "unknown";
	}
	if (err < 0 && err > -4096) {
		const char *name = strerrorname_np(-err);
		return name ? name : "unknown";
	}
	return "unknown";
}

void diag_set(struct diag *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->text, sizeof(d->text), fmt, ap);
	va_end(ap);
	/* messages quote servers' words, which must not drive the user's terminal */
	for (char *p = d->text; *p; p++)
		if ((*p > 0 && *p < ' ' && *p != '\n') || *p == 0x7f)
			*p = '?';
}
