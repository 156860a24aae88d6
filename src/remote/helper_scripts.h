/* The POSIX sh helpers sshkeyctl runs on servers, embedded at build time from
 * src/remote/helpers/NAME.sh (embed.py). Each is a whole script, run with
 * remote_process_start_script(); its header comment is its manual. */
#ifndef SSHKEYCTL_REMOTE_HELPER_SCRIPTS_H
#define SSHKEYCTL_REMOTE_HELPER_SCRIPTS_H

/* one account's authorized_keys: state, groups, write (compare-and-swap), mode fixes;
 * as root for another account, it acts as that account (SECURITY.md) */
extern const char helper_authorized_keys_sh[];

/* as the login user: uid, SSH_CONNECTION, and whether sudo needs a password */
extern const char helper_probe_sh[];
/* the root helper: sshd's configuration and harden's transactions (server_admin.h) */
extern const char helper_server_admin_sh[];
/* as the account: SELinux's state and the labels of paths against the policy's */
extern const char helper_selinux_labels_sh[];
/* read-only inventory: accounts, their authorized keys files (read as each account),
 * private keys in ~/.ssh, sshd's logged key logins (scan_remote.h) */
extern const char helper_scan_sh[];
/* sshd's log, sent whole (gzip'ed) after a header; harden's last start (ops/logs_host.h) */
extern const char helper_logs_sh[];

#endif
