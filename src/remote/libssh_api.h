/* libssh, loaded when the first connection is made rather than when the program starts:
 * libssh and what it pulls in (Kerberos among others) cost several milliseconds at every
 * start, which commands that never connect (keygen, show, passwd) should not pay.
 *
 * Only remote/session*.c include this (through session_internal.h), after
 * <libssh/libssh.h>: each libssh function they call is listed here and becomes a call
 * through a pointer that libssh_api_load() fills from libssh.so.4 (the library the headers
 * describe; Debian's libssh-4). */
#ifndef SSHKEYCTL_REMOTE_LIBSSH_API_H
#define SSHKEYCTL_REMOTE_LIBSSH_API_H

#include <libssh/libssh.h>

#define LIBSSH_SONAME "libssh.so.4"

#define LIBSSH_FUNCTIONS                        \
	X(ssh_channel_close)                    \
	X(ssh_channel_free)                     \
	X(ssh_channel_get_exit_status)          \
	X(ssh_channel_is_closed)                \
	X(ssh_channel_is_eof)                   \
	X(ssh_channel_new)                      \
	X(ssh_channel_open_session)             \
	X(ssh_channel_read_nonblocking)         \
	X(ssh_channel_read_timeout)             \
	X(ssh_channel_request_exec)             \
	X(ssh_channel_request_subsystem)        \
	X(ssh_channel_send_eof)                 \
	X(ssh_channel_write)                    \
	X(ssh_clean_pubkey_hash)                \
	X(ssh_connect)                          \
	X(ssh_disconnect)                       \
	X(ssh_free)                             \
	X(ssh_get_error)                        \
	X(ssh_get_fd)                           \
	X(ssh_get_fingerprint_hash)             \
	X(ssh_get_publickey_hash)               \
	X(ssh_get_server_publickey)             \
	X(ssh_get_serverbanner)                 \
	X(ssh_get_status)                       \
	X(ssh_is_connected)                     \
	X(ssh_key_free)                         \
	X(ssh_key_type)                         \
	X(ssh_key_type_from_name)               \
	X(ssh_key_type_to_char)                 \
	X(ssh_new)                              \
	X(ssh_options_get)                      \
	X(ssh_options_get_port)                 \
	X(ssh_options_parse_config)             \
	X(ssh_options_set)                      \
	X(ssh_pki_import_privkey_base64)        \
	X(ssh_pki_import_pubkey_base64)         \
	X(ssh_session_export_known_hosts_entry) \
	X(ssh_session_is_known_server)          \
	X(ssh_set_agent_socket)                 \
	X(ssh_set_blocking)                     \
	X(ssh_string_free_char)                 \
	X(ssh_userauth_agent)                   \
	X(ssh_userauth_kbdint)                  \
	X(ssh_userauth_kbdint_getinstruction)   \
	X(ssh_userauth_kbdint_getname)          \
	X(ssh_userauth_kbdint_getnprompts)      \
	X(ssh_userauth_kbdint_getprompt)        \
	X(ssh_userauth_kbdint_setanswer)        \
	X(ssh_userauth_list)                    \
	X(ssh_userauth_none)                    \
	X(ssh_userauth_password)                \
	X(ssh_userauth_publickey)               \
	X(ssh_userauth_try_publickey)

struct libssh_api {
#define X(name) __typeof__(name) *name;
	LIBSSH_FUNCTIONS
#undef X
};

extern struct libssh_api libssh_api;

/* Load libssh once (thread-safe); 0, or -ENOENT with the loader's message in why. */
int libssh_api_load(const char **why);

#ifndef LIBSSH_API_NO_REDIRECT
#define ssh_channel_close                    (libssh_api.ssh_channel_close)
#define ssh_channel_free                     (libssh_api.ssh_channel_free)
#define ssh_channel_get_exit_status          (libssh_api.ssh_channel_get_exit_status)
#define ssh_channel_is_closed                (libssh_api.ssh_channel_is_closed)
#define ssh_channel_is_eof                   (libssh_api.ssh_channel_is_eof)
#define ssh_channel_new                      (libssh_api.ssh_channel_new)
#define ssh_channel_open_session             (libssh_api.ssh_channel_open_session)
#define ssh_channel_read_nonblocking         (libssh_api.ssh_channel_read_nonblocking)
#define ssh_channel_read_timeout             (libssh_api.ssh_channel_read_timeout)
#define ssh_channel_request_exec             (libssh_api.ssh_channel_request_exec)
#define ssh_channel_request_subsystem        (libssh_api.ssh_channel_request_subsystem)
#define ssh_channel_send_eof                 (libssh_api.ssh_channel_send_eof)
#define ssh_channel_write                    (libssh_api.ssh_channel_write)
#define ssh_clean_pubkey_hash                (libssh_api.ssh_clean_pubkey_hash)
#define ssh_connect                          (libssh_api.ssh_connect)
#define ssh_disconnect                       (libssh_api.ssh_disconnect)
#define ssh_free                             (libssh_api.ssh_free)
#define ssh_get_error                        (libssh_api.ssh_get_error)
#define ssh_get_fd                           (libssh_api.ssh_get_fd)
#define ssh_get_fingerprint_hash             (libssh_api.ssh_get_fingerprint_hash)
#define ssh_get_publickey_hash               (libssh_api.ssh_get_publickey_hash)
#define ssh_get_server_publickey             (libssh_api.ssh_get_server_publickey)
#define ssh_get_serverbanner                 (libssh_api.ssh_get_serverbanner)
#define ssh_get_status                       (libssh_api.ssh_get_status)
#define ssh_is_connected                     (libssh_api.ssh_is_connected)
#define ssh_key_free                         (libssh_api.ssh_key_free)
#define ssh_key_type                         (libssh_api.ssh_key_type)
#define ssh_key_type_from_name               (libssh_api.ssh_key_type_from_name)
#define ssh_key_type_to_char                 (libssh_api.ssh_key_type_to_char)
#define ssh_new                              (libssh_api.ssh_new)
#define ssh_options_get                      (libssh_api.ssh_options_get)
#define ssh_options_get_port                 (libssh_api.ssh_options_get_port)
#define ssh_options_parse_config             (libssh_api.ssh_options_parse_config)
#define ssh_options_set                      (libssh_api.ssh_options_set)
#define ssh_pki_import_privkey_base64        (libssh_api.ssh_pki_import_privkey_base64)
#define ssh_pki_import_pubkey_base64         (libssh_api.ssh_pki_import_pubkey_base64)
#define ssh_session_export_known_hosts_entry (libssh_api.ssh_session_export_known_hosts_entry)
#define ssh_session_is_known_server          (libssh_api.ssh_session_is_known_server)
#define ssh_set_agent_socket                 (libssh_api.ssh_set_agent_socket)
#define ssh_set_blocking                     (libssh_api.ssh_set_blocking)
#define ssh_string_free_char                 (libssh_api.ssh_string_free_char)
#define ssh_userauth_agent                   (libssh_api.ssh_userauth_agent)
#define ssh_userauth_kbdint                  (libssh_api.ssh_userauth_kbdint)
#define ssh_userauth_kbdint_getinstruction   (libssh_api.ssh_userauth_kbdint_getinstruction)
#define ssh_userauth_kbdint_getname          (libssh_api.ssh_userauth_kbdint_getname)
#define ssh_userauth_kbdint_getnprompts      (libssh_api.ssh_userauth_kbdint_getnprompts)
#define ssh_userauth_kbdint_getprompt        (libssh_api.ssh_userauth_kbdint_getprompt)
#define ssh_userauth_kbdint_setanswer        (libssh_api.ssh_userauth_kbdint_setanswer)
#define ssh_userauth_list                    (libssh_api.ssh_userauth_list)
#define ssh_userauth_none                    (libssh_api.ssh_userauth_none)
#define ssh_userauth_password                (libssh_api.ssh_userauth_password)
#define ssh_userauth_publickey               (libssh_api.ssh_userauth_publickey)
#define ssh_userauth_try_publickey           (libssh_api.ssh_userauth_try_publickey)
#endif

#endif
