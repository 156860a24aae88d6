# Sandbox SSH hosts for the integration tests, the benchmarks and the demo (bash; source it).
#
# Each host is a real OpenSSH sshd on 127.0.0.1 at a high port, running in a private mount
# namespace where /etc/ssh, /home, /var/log (sshd logs to its auth.log) and
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

# testbed_host_up HOST [EXTRA sshd_config LINES]: create and start a host, Debian 12's
# configuration (drop-ins included first, UsePAM yes, password login on).
testbed_host_up() {
	local host=$1 extra=${2:-}
	local root=$TB_ROOT/$host
	mkdir -p "$root/etc/ssh/sshd_config.d" "$root/home" "$root/var/lib/sshkeyctl" /var/lib/sshkeyctl \
		"$root/var/log"
	# sshd logs where Debian's rsyslog puts it, the host's own /var/log/auth.log; $root/log
	# names it from outside
	: >"$root/var/log/auth.log"
	ln -sfn var/log/auth.log "$root/log"
	chmod 755 "$root" "$root/etc" "$root/etc/ssh" "$root/home"
	local port
	port=$(testbed_free_port)
	ssh-keygen -q -t ed25519 -N '' -C "$host" -f "$root/etc/ssh/ssh_host_ed25519_key"
	ssh-keygen -q -t ecdsa -N '' -C "$host" -f "$root/etc/ssh/ssh_host_ecdsa_key"
	cat >"$root/etc/ssh/sshd_config" <<CFG
# sandbox host $host (test bed): Debian 12's sshd_config, on 127.0.0.1:$port
Include /etc/ssh/sshd_config.d/*.conf
Port $port
ListenAddress 127.0.0.1
HostKey /etc/ssh/ssh_host_ed25519_key
HostKey /etc/ssh/ssh_host_ecdsa_key
PidFile /etc/ssh/sshd.pid
KbdInteractiveAuthentication no
UsePAM yes
X11Forwarding no
PrintMotd no
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
MaxStartups 100:30:200
LogLevel VERBOSE
$extra
CFG
	echo "$port" >"$root/port"
	unshare --mount --propagation private -- /bin/sh -c '
		mount --bind "$1/etc/ssh" /etc/ssh && mount --bind "$1/home" /home &&
		mount --bind "$1/var/lib/sshkeyctl" /var/lib/sshkeyctl &&
		mount --bind "$1/var/log" /var/log &&
		exec "$2" -D -E /var/log/auth.log -f /etc/ssh/sshd_config' sh "$root" "$TB_SSHD" \
		2>"$root/stderr" &
	local pid=$!
	echo "$pid" >"$root/pid"
	TB_HOSTS+=("$host")
	TB_PIDS+=("$pid")
	local i
	for i in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "testbed: host $host did not start:" >&2
	cat "$root/stderr" "$root/log" >&2
	return 1
}

testbed_port() { cat "$TB_ROOT/$1/port"; }
testbed_pid() { cat "$TB_ROOT/$1/pid"; }
testbed_root() { echo "$TB_ROOT/$1"; }
# the host's public host key line (ed25519) for a known_hosts file
testbed_known_hosts_line() {
	echo "[127.0.0.1]:$(testbed_port "$1") $(cut -d' ' -f1,2 "$TB_ROOT/$1/etc/ssh/ssh_host_ed25519_key.pub")"
}

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

testbed_reload() { kill -HUP "$(testbed_pid "$1")"; }

testbed_host_down() {
	local pid
	pid=$(testbed_pid "$1" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

testbed_cleanup() {
	local h u
	for h in "${TB_HOSTS[@]}"; do testbed_host_down "$h"; done
	for u in "${TB_USERS[@]}"; do flock /etc/passwd.lock-testbed userdel "$u" 2>/dev/null; done
	[ -n "$TB_ROOT" ] && rm -rf "$TB_ROOT"
	TB_HOSTS=() TB_USERS=()
}
