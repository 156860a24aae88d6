/* Error codes shared by every library module.
 *
 * Library functions return 0 on success or a negative value on failure: either a negated
 * errno (-ENOMEM, -EEXIST, ...) or one of the ERR_* codes below, which name failures errno
 * has no word for. error_to_string() turns either kind into a short lower-case phrase that
 * callers prefix with their place ("FILE:LINE: "). Library code never prints.
 */
#ifndef SSHKEYCTL_BASE_ERROR_H
#define SSHKEYCTL_BASE_ERROR_H

enum {
	ERR_FIRST = 10000,
	ERR_FORMAT = -10001,               /* structure of the data is wrong */
	ERR_TRUNCATED = -10002,            /* data ends before a field it announces */
	ERR_TRAILING = -10003,             /* bytes left over after a complete object */
	ERR_BASE64 = -10004,               /* invalid base64 */
	ERR_KEY_TYPE_UNKNOWN = -10005,     /* key type name we do not know */
	ERR_KEY_TYPE_MISMATCH = -10006,    /* line's type name disagrees with its blob */
	ERR_SSH1_KEY = -10007,             /* protocol 1 RSA key, no longer supported */
	ERR_PASSPHRASE_WRONG = -10008,     /* decryption check failed */
	ERR_PASSPHRASE_NEEDED = -10009,    /* the key is encrypted and no passphrase was given */
	ERR_CIPHER_UNKNOWN = -10010,       /* unsupported cipher name */
	ERR_KDF_UNKNOWN = -10011,          /* unsupported key derivation */
	ERR_CRYPTO = -10012,               /* the crypto library failed */
	ERR_KEY_SIZE = -10013,             /* key size outside what we accept */
	ERR_TOO_LARGE = -10014,            /* input larger than the cap for its kind */
	ERR_LINE_TOO_LONG = -10015,        /* text line longer than the cap */
	ERR_NOT_A_KEY = -10016,            /* no key where one was expected */
	ERR_KEY_MISMATCH = -10017,         /* public and private halves disagree */
	ERR_MULTIPLE_KEYS = -10018,        /* container holds more than one key */
	ERR_NUL_BYTE = -10019,             /* NUL byte inside text */
	ERR_MARKER_UNKNOWN = -10020,       /* known_hosts marker other than the two known */
	ERR_OPTIONS = -10021,              /* malformed authorized_keys options */
	ERR_NO_HOSTS = -10022,             /* known_hosts line without host patterns */
	ERR_KEY_TYPE_UNSUPPORTED = -10023, /* known type we cannot handle here */
	ERR_BITS = -10024,                 /* invalid number of bits for the key type */
	ERR_CONNECT = -10025,              /* could not reach or speak SSH with the server */
	ERR_HOST_KEY_CHANGED = -10026,     /* the server's host key differs from known_hosts */
	ERR_HOST_KEY_UNKNOWN = -10027,     /* not in known_hosts and not accepted */
	ERR_AUTH_DENIED = -10028,          /* no authentication method succeeded */
	ERR_TIMEOUT = -10029,              /* the server stopped answering */
	ERR_REMOTE = -10030,               /* a command on the server failed */
	ERR_CHANGED_UNDER_US = -10031,     /* the file changed between read and write */
	ERR_NO_SHELL = -10032,             /* the account cannot run commands (sftp only) */
	ERR_NO_ROOT = -10033,              /* no way to become root on the server */
	ERR_ROLLED_BACK = -10034,          /* a change failed and was undone */
	ERR_NO_HOME = -10035,              /* the account's home directory does not exist */
	ERR_NOT_REGULAR = -10036,          /* a FIFO, device or socket where a file was expected */
	ERR_HOST_KEY_REVOKED = -10037,     /* the server's host key is @revoked in known_hosts */
	ERR_KEYS_NOT_IN_FILES = -10038,    /* sshd takes keys from a command, no file (copy) */
	ERR_NOT_OPENSSH = -10039,       /* the work needs OpenSSH's sshd; another server answers */
	ERR_PASSWORD_WITHHELD = -10040, /* refused on another host first: not sent here */
	ERR_AGENT_REFUSED = -10041,     /* ssh-agent answered a request with failure */
	ERR_AUTH_PARTIAL = -10042,      /* accepted, but the server wants another method too */
	ERR_LAST = -10043,
};

/* A short description of err (negative), never NULL, never to be freed. */
const char *error_to_string(int err);
/* A stable machine name for err, for JSON ("auth-denied", "host-key-changed", "timeout",
 * "ENOENT", ...; "ok" for 0), documented in sshkeyctl(1); never NULL. */
const char *error_code_name(int err);

/* The context of an error: one line that says what failed and why, in the words of the
 * layer that saw it (a server's answer, a file and line), carried up with the error code
 * to the one place that prints it. Control characters are replaced as it is set: it often
 * quotes servers and files. */
struct diag {
	char text[1024];
};
void diag_set(struct diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
