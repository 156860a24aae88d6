# The sshd that accepted this connection (POSIX sh; embedded by embed.py into the helpers
# that include it): listener_find sets sshd (its executable), cfg (its -f file, or sshd_config) and lpid
# (its pid; 0 when not found, e.g. through a container boundary). Asking `command -v sshd`
# instead could ask another sshd than the one that governs this login.
# shellcheck shell=sh
# shellcheck disable=SC2034 # sshd, cfg and lpid are for the script that includes this
listener_find() {
	sshd=$(command -v sshd 2>/dev/null || echo /usr/sbin/sshd)
	cfg=/etc/ssh/sshd_config
	lpid=0
	# the topmost sshd among our ancestors is the listener that accepted us (below it: the
	# per-connection processes, the same binary before OpenSSH 9.8)
	p=$$
	while :; do
		# read, not cat: a process fewer per level
		{ IFS= read -r st <"/proc/$p/stat"; } 2>/dev/null || break
		st=${st##*) }
		# shellcheck disable=SC2086 # the fields of /proc/PID/stat after the command name
		set -- $st
		pp=$2
		# the name first (read, no process), the executable only for an sshd
		comm=
		{ IFS= read -r comm <"/proc/$p/comm"; } 2>/dev/null
		case $comm in
		sshd*)
			exe=$(readlink "/proc/$p/exe" 2>/dev/null) || exe=
			exe=${exe% (deleted)}
			case $exe in */sshd) lpid=$p sshd=$exe ;; esac
			;;
		esac
		[ "$pp" -gt 1 ] 2>/dev/null || break
		p=$pp
	done
	if [ "$lpid" != 0 ]; then
		want=
		while IFS= read -r a; do
			if [ -n "$want" ]; then
				cfg=$a want=
				continue
			fi
			case $a in -f) want=1 ;; -f?*) cfg=${a#-f} ;; esac
		done <<EOF
$(tr '\000' '\n' <"/proc/$lpid/cmdline" 2>/dev/null)
EOF
	fi
}
