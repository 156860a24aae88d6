# Sandbox SSH hosts for the integration tests, the benchmarks and the demo (bash; source it).
#
# Each host is a real SSH server (OpenSSH by default; see TB_KIND) on 127.0.0.1 at a high port, running in a private mount
# namespace where /etc/ssh, /etc/pam.d, /home, /root, /var/log (sshd logs to its auth.log) and
# /var/lib/sshkeyctl (harden's backups) are the host's own directories: ten hosts on one
# machine have ten sshd_configs and ten sets of home directories. Accounts are shared (one
# /etc/passwd), homes are not. A reload is a SIGHUP to the host's sshd pid; testbed_exec runs
# a command inside a host, as a test that breaks the host needs.
#
# Needs root, sshd, unshare and nsenter; testbed_require skips the test (status 77) otherwise.
# Only loopback addresses are used.

TB_ROOT=${TB_ROOT:-}
TB_HOSTS=()
TB_USERS=()
TB_PIDS=()

testbed_require() {
	[ "$(id -u)" = 0 ] || { echo "SKIP: the test bed needs root"; exit 77; }
	TB_SSHD=$(command -v sshd || echo /usr/sbin/sshd)
	[ -x "$TB_SSHD" ] || { echo "SKIP: the test bed needs sshd"; exit 77; }
	command -v unshare >/dev/null && command -v nsenter >/dev/null ||
		{ echo "SKIP: the test bed needs unshare and nsenter"; exit 77; }
	mkdir -p /run/sshd
}

# testbed_suite: the usual start of an integration test on the test bed (after lib.sh):
# ssh, sshpass and sudo needed, the hosts under $WORK/tb, removed at exit, no ssh-agent
testbed_suite() {
	need_cmd ssh
	need_cmd sshpass
	need_cmd sudo
	testbed_init "$WORK/tb"
	cleanup_hooks+=("testbed_cleanup")
	unset SSH_AUTH_SOCK
}

# testbed_init DIR: where the hosts live (created; removed by testbed_cleanup)
testbed_init() {
	testbed_require
	TB_ROOT=$1
	mkdir -p "$TB_ROOT"
	chmod 755 "$TB_ROOT"
}

# testbed_add_user NAME PASSWORD [SHELL]: an account with a password, home /home/NAME (per host)
testbed_add_user() {
	local name=$1 password=$2 shell=${3:-/bin/bash}
	if ! id "$name" >/dev/null 2>&1; then
		flock /etc/passwd.lock-testbed useradd -M -d "/home/$name" -s "$shell" "$name" || return 1
		TB_USERS+=("$name")
	fi
	echo "$name:$password" | flock /etc/passwd.lock-testbed chpasswd
}

# A free TCP port on 127.0.0.1 among the high ones.
testbed_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The server a new host runs, from TB_KIND when testbed_host_up is called:
#   debian        Debian 12's OpenSSH 9.2p1 (the default)
#   openssh-10.5  upstream OpenSSH 10.5 (mixed-case sshd -T, sshd-session, no PAM), its sshd
#                 bind-mounted over /usr/sbin/sshd inside the host: the host's only sshd
#   openssh-8.0   upstream OpenSSH 8.0 (no Include, ChallengeResponseAuthentication, Ed25519
#                 only, no PAM), the same way
#   dropbear      Debian's Dropbear (password and key login, ~/.ssh/authorized_keys)
#   tinysshd      Debian's tinysshd under tcpserver (keys only, Ed25519)
# Upstream builds come from tests/testbed/upstream_sshd (cached per machine); a kind whose
# server is missing skips the test (77) through testbed_require_kind.
TB_KIND=${TB_KIND:-debian}
TB_KINDS_ALL=(debian openssh-10.5 openssh-8.0 dropbear tinysshd)

# testbed_kind_server KIND: the server program for KIND (built when needed), or status 1
testbed_kind_server() {
	case $1 in
	debian) echo "$TB_SSHD" ;;
	openssh-10.5 | openssh-8.0)
		"$(dirname "${BASH_SOURCE[0]}")/upstream_sshd" "${1#openssh-}" 2>/dev/null ;;
	dropbear) command -v dropbear || { [ -x /usr/sbin/dropbear ] && echo /usr/sbin/dropbear; } ;;
	tinysshd)
		command -v tcpserver >/dev/null && { command -v tinysshd || { [ -x /usr/sbin/tinysshd ] &&
			echo /usr/sbin/tinysshd; }; } ;;
	*) return 1 ;;
	esac
}

# testbed_require_kind KIND...: skip the test (77) unless every KIND can run here
testbed_require_kind() {
	local k
	for k in "$@"; do
		testbed_kind_server "$k" >/dev/null || { echo "SKIP: the test bed cannot run $k here"; exit 77; }
	done
}

# the sshd_config a test-bed OpenSSH host starts with: Debian 12's, adapted to what the
# upstream versions know
testbed_sshd_config() {
	local host=$1 port=$2 kind=$3 sshd=$4 extra=$5
	local include="Include /etc/ssh/sshd_config.d/*.conf" pam="UsePAM yes"
	local kbd="KbdInteractiveAuthentication no" sftp=/usr/lib/openssh/sftp-server
	local ecdsa="HostKey /etc/ssh/ssh_host_ecdsa_key"
	case $kind in
	openssh-*) pam= sftp=$(dirname "$(dirname "$sshd")")/libexec/sftp-server ;;
	esac
	[ "$kind" = openssh-8.0 ] &&
		include= kbd="ChallengeResponseAuthentication no" ecdsa=
	cat <<CFG
# sandbox host $host (test bed, $kind): Debian 12's sshd_config, on 127.0.0.1:$port
$include
Port $port
ListenAddress 127.0.0.1
HostKey /etc/ssh/ssh_host_ed25519_key
$ecdsa
PidFile /etc/ssh/sshd.pid
$kbd
$pam
X11Forwarding no
PrintMotd no
AcceptEnv LANG LC_*
Subsystem sftp $sftp
MaxStartups 100:30:200
LogLevel VERBOSE
$extra
CFG
}

# testbed_host_up HOST [EXTRA sshd_config LINES]: create and start a host of kind TB_KIND;
# an OpenSSH host gets Debian 12's configuration (drop-ins included first, UsePAM yes where
# the server has PAM, password login on). EXTRA is ignored by the other servers.
testbed_host_up() {
	local host=$1 extra=${2:-} kind=$TB_KIND
	local root=$TB_ROOT/$host server
	server=$(testbed_kind_server "$kind") || { echo "testbed: no $kind server here" >&2; return 1; }
	mkdir -p "$root/etc/ssh" "$root/home" "$root/var/lib/sshkeyctl" /var/lib/sshkeyctl \
		"$root/var/log" "$root/root"
	chmod 700 "$root/root"
	# the host's own PAM configuration (mfa edits it), a copy of this machine's
	cp -a /etc/pam.d "$root/etc/pam.d"
	# the server logs where Debian's rsyslog puts it, the host's own /var/log/auth.log;
	# $root/log names it from outside
	: >"$root/var/log/auth.log"
	ln -sfn var/log/auth.log "$root/log"
	chmod 755 "$root" "$root/etc" "$root/etc/ssh" "$root/home"
	echo "$kind" >"$root/kind"
	local port
	port=$(testbed_free_port)
	# what the server runs, inside the host's namespace (its /etc/ssh, /etc/pam.d, /home,
	# /var/log)
	# root's home is the host's own too: root's logins there never run this machine's
	# shell start-up files, and nothing on a host reads or writes the machine's /root
	local mounts='mount --bind "$1/etc/ssh" /etc/ssh && mount --bind "$1/home" /home &&
		mount --bind "$1/root" /root &&
		mount --bind "$1/var/lib/sshkeyctl" /var/lib/sshkeyctl &&
		mount --bind "$1/var/log" /var/log && mount --bind "$1/etc/pam.d" /etc/pam.d' run
	case $kind in
	debian | openssh-*)
		mkdir -p "$root/etc/ssh/sshd_config.d"
		ssh-keygen -q -t ed25519 -N '' -C "$host" -f "$root/etc/ssh/ssh_host_ed25519_key"
		ssh-keygen -q -t ecdsa -N '' -C "$host" -f "$root/etc/ssh/ssh_host_ecdsa_key"
		cut -d' ' -f1,2 "$root/etc/ssh/ssh_host_ed25519_key.pub" >"$root/hostkey.pub"
		testbed_sshd_config "$host" "$port" "$kind" "$server" "$extra" >"$root/etc/ssh/sshd_config"
		# an upstream sshd is the host's only sshd: bind-mounted over Debian's; with
		# TB_UPSTREAM_BESIDE=1 it runs from its own path beside Debian's (the sshd in PATH
		# is then not the one that listens)
		if [ "$kind" = debian ]; then
			run='exec /usr/sbin/sshd -D -E /var/log/auth.log -f /etc/ssh/sshd_config'
		elif [ "${TB_UPSTREAM_BESIDE:-0}" = 1 ]; then
			run='exec "$2" -D -E /var/log/auth.log -f /etc/ssh/sshd_config'
		else
			mounts="$mounts && mount --bind \"\$2\" /usr/sbin/sshd"
			run='exec /usr/sbin/sshd -D -E /var/log/auth.log -f /etc/ssh/sshd_config'
		fi
		;;
	dropbear)
		mkdir -p "$root/etc/dropbear"
		dropbearkey -t ed25519 -f "$root/etc/dropbear/dropbear_ed25519_host_key" >/dev/null 2>&1
		dropbearkey -y -f "$root/etc/dropbear/dropbear_ed25519_host_key" 2>/dev/null |
			awk '/^ssh-/ { print $1, $2 }' >"$root/hostkey.pub"
		run='exec "$2" -F -E -p "127.0.0.1:$3" -r "$1/etc/dropbear/dropbear_ed25519_host_key" \
			-P "$1/etc/dropbear/dropbear.pid" 2>>/var/log/auth.log'
		;;
	tinysshd)
		mkdir -p "$root/etc/tinyssh"
		tinysshd-makekey "$root/etc/tinyssh/sshkeydir" >/dev/null 2>&1
		tinysshd-printkey "$root/etc/tinyssh/sshkeydir" 2>/dev/null |
			awk '/^ssh-ed25519/ { print $1, $2 }' >"$root/hostkey.pub"
		run='exec tcpserver -HRDl0 127.0.0.1 "$3" "$2" -v "$1/etc/tinyssh/sshkeydir" \
			2>>/var/log/auth.log'
		;;
	*) echo "testbed: unknown kind $kind" >&2; return 1 ;;
	esac
	echo "$port" >"$root/port"
	unshare --mount --propagation private -- /bin/sh -c "$mounts && $run" sh "$root" "$server" \
		"$port" 2>"$root/stderr" &
	local pid=$!
	echo "$pid" >"$root/pid"
	TB_HOSTS+=("$host")
	TB_PIDS+=("$pid")
	local i
	for i in $(seq 200); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "testbed: host $host ($kind) did not start:" >&2
	cat "$root/stderr" "$root/log" >&2
	return 1
}

testbed_port() { cat "$TB_ROOT/$1/port"; }
testbed_pid() { cat "$TB_ROOT/$1/pid"; }
testbed_root() { echo "$TB_ROOT/$1"; }
# the host's public host key line (ed25519) for a known_hosts file
testbed_known_hosts_line() {
	echo "[127.0.0.1]:$(testbed_port "$1") $(cat "$TB_ROOT/$1/hostkey.pub")"
}
testbed_kind() { cat "$TB_ROOT/$1/kind"; }

# testbed_exec HOST COMMAND...: run inside the host's mount namespace (its /etc/ssh, /home)
testbed_exec() {
	local host=$1
	shift
	nsenter -t "$(testbed_pid "$host")" -m -- "$@"
}

# testbed_home HOST USER [MODE]: the user's home directory on that host, owned by the user
testbed_home() {
	local host=$1 user=$2 mode=${3:-755}
	local dir=$TB_ROOT/$host/home/$user
	mkdir -p "$dir"
	chown "$user:$(id -gn "$user")" "$dir"
	chmod "$mode" "$dir"
	echo "$dir"
}

# testbed_authorize HOST USER PUBFILE: USER's home on HOST with ~/.ssh (0700) and an
# authorized_keys holding PUBFILE's lines, all owned by USER
testbed_authorize() {
	local home
	home=$(testbed_home "$1" "$2") || return 1
	mkdir -p -m 700 "$home/.ssh" && cp "$3" "$home/.ssh/authorized_keys" &&
		chown -R "$2:$(id -gn "$2")" "$home/.ssh"
}

# testbed_reload HOST: SIGHUP (sshd re-executes itself, its listener closed a moment), then
# wait until the port answers again
testbed_reload() {
	local port i
	port=$(testbed_port "$1")
	kill -HUP "$(testbed_pid "$1")" || return 1
	sleep 0.2
	for i in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

testbed_host_down() {
	local pid
	pid=$(testbed_pid "$1" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null || :
	wait "$pid" 2>/dev/null || :
	return 0
}

# (each step may fail without stopping the rest: the benchmarks run under set -e)
testbed_cleanup() {
	local h u i
	for h in "${TB_HOSTS[@]}"; do testbed_host_down "$h"; done
	# a user's sessions may outlive their listener a moment: userdel refuses until then
	for u in "${TB_USERS[@]}"; do
		for i in $(seq 50); do
			flock /etc/passwd.lock-testbed userdel "$u" 2>/dev/null && break
			id "$u" >/dev/null 2>&1 || break
			sleep 0.1
		done
	done
	[ -z "$TB_ROOT" ] || rm -rf "$TB_ROOT" || :
	TB_HOSTS=() TB_USERS=()
}
