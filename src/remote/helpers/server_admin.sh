# sshkeyctl's root helper on a server (src/remote/server_admin.c speaks to it): finds the
# sshd that accepted us and its configuration, answers requests one line each, and runs
# harden's transactions: backup, write, sshd -t, reload, confirm, with a dead-man that
# restores the backup when no confirmation comes. POSIX sh, run as root (directly, or
# through sudo); embedded in sshkeyctl at build time.
#
# stdin: the run's random token; "client-address local-address local-port" (what
# SSH_CONNECTION said to the login shell: sudo clears the environment); then requests, one
# line each, some followed by data. Every answer is its output, then "\n" TOKEN " " STATUS
# "\n".
#
# Transactions (SECURITY.md, "Nobody locked out"): under $root, one directory each,
# state "open" until "done" (confirmed), "rolled-back" (restored by us),
# "restored-by-deadman", or "restored-after-interrupt" ("-not-reloaded" when sshd could not
# be reloaded after). One harden run at a time per server:
# "lock" takes $root/lock, which names its owner; a lock whose owner has gone is taken over,
# and every transaction an interrupted run left "open" is restored first (its dead-man
# stopped), so nothing unproven stays on disk. The dead-man is armed before the first file
# is written.

set -u
set -f
IFS= read -r T || exit 90
read -r caddr laddr lport || exit 90
export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
umask 022
root=/var/lib/sshkeyctl/harden # SERVER_ADMIN_BACKUP_ROOT in server_admin.h
# shellcheck source=listener.sh
. ./listener.sh # embedded by embed.py
listener_find
unit=
if [ "$lpid" != 0 ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
	for u in ssh.service sshd.service; do
		m=$(systemctl show -p MainPID --value "$u" 2>/dev/null) || continue
		if [ "$m" = "$lpid" ]; then
			unit=$u
			break
		fi
	done
fi
if [ "$lpid" = 0 ]; then
	pf=$("$sshd" -T -f "$cfg" 2>/dev/null | awk 'tolower($1) == "pidfile" { print $2 }')
	[ -n "$pf" ] && [ -r "$pf" ] && read -r lpid <"$pf"
	case $lpid in '' | *[!0-9]*) lpid=0 ;; esac
fi
printf 'sshd %s\nconfig %s\npid %s\nunit %s\n' "$sshd" "$cfg" "$lpid" "$unit"

dir=
locked=
n_tmp=0
answer() { printf '\n%s %s\n' "$T" "$1"; }
resolve() {
	r=$1
	[ ! -L "$r" ] || r=$(readlink -f -- "$1")
	printf '%s' "$r"
}
sum() {
	if [ -e "$1" ]; then
		# shellcheck disable=SC2046
		set -- $(cksum <"$1")
		echo "$1_$2"
	else
		echo absent
	fi
}
# a new, empty temporary file beside $1, at a name nobody can guess (the run's token),
# created exclusively; its name in $tmp
new_temp() {
	n_tmp=$((n_tmp + 1))
	tmp="${1%/*}/.${1##*/}.sshkeyctl.$T.$n_tmp"
	(set -C && : >"$tmp")
}
# claim DIR: the transaction's fate is ours to decide, not its dead-man's. "confirmed" is
# made once (mkdir): by us here, or by the dead-man before it restores. False when the
# dead-man was first (it restores, or has restored, the backup).
claim() {
	mkdir "$1/confirmed" 2>/dev/null || return 1
	if [ -s "$1/deadman.pid" ]; then
		read -r dm <"$1/deadman.pid"
		kill -- -"$dm" 2>/dev/null || kill "$dm" 2>/dev/null
	fi
	rm -f "$1/deadman.pid"
}
# wait_deadman DIR: until the dead-man that claimed DIR has finished (at most 60 s)
wait_deadman() {
	i=0
	while [ "$(cat "$1/state" 2>/dev/null)" = open ] && [ $i -lt 600 ]; do
		sleep 0.1 2>/dev/null || sleep 1
		i=$((i + 1))
	done
}
# the lock: a directory, with its owner; ours is released when we end, however we end
owner="pid $$ login ${SUDO_USER:-$(id -un 2>/dev/null)} from $caddr since $(date -u +%Y-%m-%dT%H:%M:%SZ)"
release_lock() {
	[ -n "$locked" ] || return 0
	[ "$(cat "$root/lock/owner" 2>/dev/null)" != "$owner" ] || rm -rf -- "$root/lock"
	locked=
}
trap release_lock EXIT
trap 'exit 1' HUP INT TERM PIPE
take_lock() {
	[ -z "$locked" ] || return 0
	mkdir -p "$root" && chmod 700 "${root%/*}" "$root" || return 1
	until mkdir -m 700 "$root/lock" 2>/dev/null; do
		other=$(cat "$root/lock/owner" 2>/dev/null) || other=
		# shellcheck disable=SC2086
		set -- $other
		if [ "${1:-}" = pid ] && kill -0 "${2:-0}" 2>/dev/null; then
			echo "busy $other"
			return 4
		fi
		# its owner has gone (or had no time to name itself): taken over
		rm -rf -- "$root/lock"
	done
	printf '%s\n' "$owner" >"$root/lock/owner" && locked=yes
}
# every transaction left "open" by a run that is gone: restored, newest first
recover() {
	set --
	set +f # (globbing is on for these loops only)
	for d in "$root"/*-*; do
		[ -d "$d" ] && [ "$(cat "$d/state" 2>/dev/null)" = open ] && set -- "$d" "$@"
	done
	set -f
	for d in "$@"; do
		if ! claim "$d"; then
			wait_deadman "$d" # it is restoring: done when it is
		elif sh "$d/restore.sh" "$d" >/dev/null 2>&1; then
			if sh "$d/reload.sh" "$d" >/dev/null 2>&1; then
				echo restored-after-interrupt >"$d/state"
			else
				echo restored-after-interrupt-not-reloaded >"$d/state"
			fi
		fi
		case $(cat "$d/state" 2>/dev/null) in
		*-not-reloaded) echo "recovered-unreloaded $d" ;;
		restored-*) echo "recovered $d" ;;
		*) echo "unrecovered $d" ;;
		esac
	done
}

# write_restore DIR: the transaction's own scripts, which the dead-man runs without us.
# restore.sh DIR [reload] puts back what was saved; reload.sh DIR: sshd -t, then reloads
# the listener as it is run.
write_restore() {
	printf '%s' "$secret_script" >"$1/secret.sh" &&
	printf '%s\n' "$T" >"$1/token" && cat >"$1/restore.sh" <<'RESTORE' && cat >"$1/reload.sh" <<'RELOAD'
# restore.sh DIR [reload]: put back what sshkeyctl changed (written by sshkeyctl)
export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
dir=$1 st=0
read -r token <"$dir/token"
while read -r kind n path; do
	case $kind in
	saved)
		tmp="${path%/*}/.${path##*/}.sshkeyctl-restore.$token.$$"
		rm -f -- "$tmp" 2>/dev/null
		(set -C && : >"$tmp") && cp -p -- "$dir/$n" "$tmp" && { sync "$tmp" 2>/dev/null || sync; } &&
			mv -f -- "$tmp" "$path" || st=1
		if command -v restorecon >/dev/null 2>&1; then restorecon -F "$path" 2>/dev/null; fi
		;;
	created) rm -f -- "$path" || st=1 ;;
	esac
done <"$dir/manifest"
# the secrets mfa wrote, removed by each account itself (only while unchanged)
if [ -s "$dir/secrets" ]; then
	script=$(cat "$dir/secret.sh")
	while read -r name uid gid sum; do
		home=$(getent passwd "$name" 2>/dev/null | cut -d: -f6)
		[ -n "$home" ] || home=$(awk -F: -v u="$name" '$1 == u { print $6 }' /etc/passwd)
		[ -n "$home" ] || continue
		if command -v setpriv >/dev/null 2>&1 && setpriv --help 2>&1 | grep -q reuid; then
			setpriv --reuid="$uid" --regid="$gid" --init-groups -- /bin/sh -c "$script" sh "$home" remove "$sum"
		elif command -v runuser >/dev/null 2>&1; then
			runuser -u "$name" -- /bin/sh -c "$script" sh "$home" remove "$sum"
		else
			su -s /bin/sh -c 'exec "$0" "$@"' -- "$name" /bin/sh -c "$script" sh "$home" remove "$sum"
		fi </dev/null >/dev/null 2>&1 || st=1
	done <"$dir/secrets"
fi
if [ "${2:-}" = reload ]; then
	sh "$dir/reload.sh" "$dir" && echo restored-by-deadman >"$dir/state"
fi
exit $st
RESTORE
# reload.sh DIR: sshd -t, then reload the listener as it is run (written by sshkeyctl)
export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
dir=$1
read -r sshd <"$dir/sshd"
read -r cfg <"$dir/config"
read -r pid <"$dir/pid"
unit=$(cat "$dir/unit")
"$sshd" -t -f "$cfg" || exit 1
if [ -n "$unit" ]; then
	systemctl reload "$unit" && echo "systemctl reload $unit"
elif [ "$pid" != 0 ]; then
	kill -HUP "$pid" && echo "SIGHUP to sshd pid $pid"
else
	echo 'no sshd listener found'
	exit 1
fi
RELOAD
}

# mfa's secret file (~/.google_authenticator), handled by the account itself (as_account:
# a link the account planted leads only where it could write anyway). sh -c text; $1 the
# home directory, $2 the step: state ("none", "file MODE UID SIZE ACCOUNT_UID", "link",
# "other"),
# create TOKEN (stdin: the content; made under a name nobody can guess, 0400, synced, then
# linked into place: an existing file is never replaced; answers its "CKSUM_SIZE"), remove
# SUM (only while it still holds what we wrote).
# shellcheck disable=SC2016 # expanded by the account's sh
secret_script='
set -u -f
umask 077
cd -P -- "$1" 2>/dev/null || { echo no-home; exit 4; }
f=.google_authenticator
case $2 in
state)
	if [ -L "$f" ]; then echo link
	elif [ -f "$f" ]; then
		set -- $(LC_ALL=C ls -ln -- "$f")
		echo "file $1 $3 $5 $(id -u)"
	elif [ -e "$f" ]; then echo other
	else echo none; fi
	;;
create)
	t=$f.sshkeyctl.$3
	if ! (set -C && cat >"$t"); then rm -f -- "$t"; echo "cannot write $1/$t"; exit 1; fi
	chmod 400 -- "$t" && { sync -- "$t" 2>/dev/null || sync; }
	if ln -- "$t" "$f" 2>/dev/null; then
		rm -f -- "$t"
		sync . 2>/dev/null
		if command -v restorecon >/dev/null 2>&1; then restorecon -F "$f" 2>/dev/null; fi
		set -- $(cksum <"$f")
		echo "$1_$2"
		exit 0
	fi
	rm -f -- "$t"
	if [ -e "$f" ] || [ -L "$f" ]; then echo exists; exit 3; fi
	echo "cannot link $1/$f"
	exit 1
	;;
remove)
	if [ -L "$f" ] || [ ! -f "$f" ]; then echo gone; exit 0; fi
	set -- "$3" $(cksum <"$f")
	[ "$1" = "$2_$3" ] || { echo changed; exit 3; }
	rm -f -- "$f" && sync . 2>/dev/null
	;;
esac
'
# shellcheck source=as_account.sh
. ./as_account.sh # embedded by embed.py

answer 0
while IFS= read -r req; do
	verb=${req%% *} arg=${req#* } st=0
	case $verb in
	save | write | remove | arm | reload | confirm | restore)
		if [ -z "$dir" ]; then
			echo 'no transaction'
			answer 1
			continue
		fi
		;;
	begin)
		if [ -z "$locked" ]; then
			echo 'no lock'
			answer 1
			continue
		fi
		;;
	esac
	case $verb in
	read)
		if [ -f "$arg" ]; then
			cat -- "$arg" || st=1
		elif [ -e "$arg" ]; then
			echo 'not a regular file'
			st=1
		else st=2; fi
		;;
	glob)
		IFS=
		set +f
		# shellcheck disable=SC2086 # the pattern, globbed (here only), never split
		for f in $arg; do
			[ ! -e "$f" ] || printf '%s\n' "$f"
		done
		set -f
		unset IFS
		;;
	test)
		"$sshd" -t -f "$cfg" 2>&1
		st=$?
		;;
	effective)
		"$sshd" -T -f "$cfg" -C "user=$arg,host=$caddr,addr=$caddr,laddr=$laddr,lport=$lport" 2>&1
		st=$?
		;;
	accounts)
		awk -F: 'NR == FNR { if ($2 != "" && $2 !~ /^[!*]/) pw[$1] = 1; next }
			($1 in pw) && $7 !~ /(nologin|false)$/ { print $1, $6 }' /etc/shadow /etc/passwd || st=1
		;;
	nonempty) [ -s "$arg" ] || st=1 ;;
	lock)
		take_lock
		st=$?
		[ $st != 0 ] || recover
		;;
	begin)
		dir="$root/$(date -u +%Y%m%dT%H%M%SZ)-$$-$arg"
		if mkdir -m 700 "$dir" && : >"$dir/manifest" && : >"$dir/written" &&
			echo open >"$dir/state" && printf '%s\n' "$sshd" >"$dir/sshd" &&
			printf '%s\n' "$cfg" >"$dir/config" && printf '%s\n' "$lpid" >"$dir/pid" &&
			printf '%s\n' "$unit" >"$dir/unit" && write_restore "$dir"; then
			printf '%s' "$dir"
		else
			st=1
		fi
		;;
	save)
		p=$(resolve "$arg")
		n=$(($(wc -l <"$dir/manifest") + 1))
		if [ -e "$p" ]; then
			cp -p -- "$p" "$dir/$n" && { sync "$dir/$n" 2>/dev/null || sync; } &&
				printf 'saved %s %s\n' "$n" "$p" >>"$dir/manifest" || st=1
		else
			printf 'created - %s\n' "$p" >>"$dir/manifest" || st=1
		fi
		;;
	write | remove)
		# shellcheck disable=SC2086
		set -- $arg
		expect=$1 len=$2 p=${arg#* }
		p=$(resolve "${p#* }")
		[ "$verb" = remove ] || dd bs=1 count="$len" of="$dir/incoming" 2>/dev/null
		if [ "$(sum "$p")" != "$expect" ]; then
			echo changed
			st=3
		elif [ "$verb" = remove ]; then
			rm -f -- "$p" && printf 'removed - %s\n' "$p" >>"$dir/written" || st=1
		elif new_temp "$p"; then
			# the new file keeps the old one's owner and mode (cp -p), or is 644
			if { if [ -e "$p" ]; then cp -p -- "$p" "$tmp"; else chmod 644 "$tmp"; fi; } &&
				cat "$dir/incoming" >"$tmp" && { sync "$tmp" 2>/dev/null || sync; } &&
				mv -f -- "$tmp" "$p"; then
				printf 'wrote %s %s\n' "$(sum "$p")" "$p" >>"$dir/written" || st=1
			else
				rm -f -- "$tmp"
				st=1
			fi
			if command -v restorecon >/dev/null 2>&1; then restorecon -F "$p" 2>/dev/null; fi
		else
			st=1
		fi
		rm -f "$dir/incoming"
		;;
	arm)
		case $arg in
		'' | *[!0-9]*) st=1 ;;
		*)
			c="sleep $arg; mkdir \"\$0/confirmed\" 2>/dev/null && sh \"\$0/restore.sh\" \"\$0\" reload"
			if command -v setsid >/dev/null 2>&1; then
				setsid sh -c "$c" "$dir" </dev/null >/dev/null 2>&1 &
			else
				nohup sh -c "$c" "$dir" </dev/null >/dev/null 2>&1 &
			fi
			echo $! >"$dir/deadman.pid"
			;;
		esac
		;;
	reload) sh "$dir/reload.sh" "$dir" 2>&1 || st=1 ;;
	confirm)
		if claim "$dir"; then
			echo "done" >"$dir/state" || st=1
		else
			echo "the dead-man came first: it restores the backup"
			st=1
		fi
		;;
	restore)
		if claim "$dir"; then
			sh "$dir/restore.sh" "$dir" || st=1
		else
			wait_deadman "$dir"
		fi
		while read -r kind n path; do
			case $kind in
			saved) cmp -s -- "$dir/$n" "$path" || { echo "differs $path"; st=1; } ;;
			created) [ ! -e "$path" ] || { echo "left $path"; st=1; } ;;
			esac
		done <"$dir/manifest"
		echo rolled-back >"$dir/state"
		;;
	latest)
		found=
		set +f
		for d in "$root"/*-harden; do
			[ -d "$d" ] && [ "$(cat "$d/state" 2>/dev/null)" = "done" ] && found=$d
		done
		set -f
		if [ -z "$found" ]; then st=2; else
			printf 'dir %s\n' "$found"
			while read -r kind n path; do
				now=$(sum "$path") state=changed
				while read -r what s wp; do
					[ "$wp" = "$path" ] || continue
					case $what in
					wrote) [ "$s" != "$now" ] || state=unchanged ;;
					removed) [ "$now" != absent ] || state=unchanged ;;
					esac
				done <"$found/written"
				printf 'entry %s %s %s\n' "$kind" "$state" "$path"
			done <"$found/manifest"
		fi
		;;
	account)
		ent=$(getent passwd "$arg" 2>/dev/null || awk -F: -v u="$arg" '$1 == u' /etc/passwd)
		if [ -z "$ent" ]; then st=2; else
			IFS=: read -r _ _ _ _ _ home shell <<EOF
$ent
EOF
			s1=missing h1=missing
			[ ! -x "$shell" ] || s1=executable
			[ ! -d "$home" ] || h1=present
			printf 'home %s %s\nshell %s %s\n' "$h1" "$home" "$s1" "$shell"
			awk -F: -v u="$arg" '$1 == u { p = $2 == "" ? "empty" : $2 ~ /^!/ ? "locked" : $2 ~ /^[*]/ ? "none" : "set"; print "password " p; print "expire " $8 }' /etc/shadow
			printf 'groups %s\nday %s\n' "$(id -Gn -- "$arg" 2>/dev/null)" "$(($(date +%s) / 86400))"
		fi
		;;
	log)
		case $arg in '' | *[!0-9]*) arg=600 ;; esac
		if command -v journalctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
			# sshd-session (9.8+) and sshd-auth (10.x) log the connection's lines
			journalctl -q --no-pager --since "-${arg}s" _COMM=sshd _COMM=sshd-session \
				_COMM=sshd-auth 2>/dev/null | tail -n 400
		fi
		for f in /var/log/auth.log /var/log/secure; do
			[ ! -r "$f" ] || tail -n 1000 "$f"
		done
		;;
	time) date +%s ;;
	members)
		# a group's accounts: its member list and those whose primary group it is
		gent=$(getent group "$arg" 2>/dev/null || awk -F: -v g="$arg" '$1 == g' /etc/group)
		if [ -z "$gent" ]; then st=2; else
			IFS=: read -r _ _ ggid gmem <<EOF
$gent
EOF
			{
				IFS=,
				# shellcheck disable=SC2086
				for m in $gmem; do printf '%s\n' "$m"; done
				unset IFS
				{ getent passwd 2>/dev/null || cat /etc/passwd; } |
					awk -F: -v g="$ggid" '$4 == g { print $1 }'
			} | sort -u
		fi
		;;
	pam-module)
		# where pam_google_authenticator is installed, if it is
		st=2
		set +f
		for p in /lib/security /lib/*/security /lib64/security /usr/lib/security \
			/usr/lib/*/security /usr/lib64/security; do
			if [ -f "$p/pam_google_authenticator.so" ]; then
				printf '%s\n' "$p/pam_google_authenticator.so"
				st=0
				break
			fi
		done
		set -f
		;;
	secret-state | secret-create | secret-remove)
		# shellcheck disable=SC2086
		set -- $arg
		sname=${1:-} sarg=${2:-}
		ent=$(getent passwd "$sname" 2>/dev/null || awk -F: -v u="$sname" '$1 == u' /etc/passwd)
		if [ -z "$sname" ] || [ -z "$ent" ]; then
			echo no-account
			st=2
		else
			# shellcheck disable=SC2034 # name, uid and gid are as_account's
			IFS=: read -r name _ uid gid _ shome _ <<EOF
$ent
EOF
			case $verb in
			secret-state)
				(as_account /bin/sh -c "$secret_script" sh "$shome" state </dev/null)
				st=$?
				;;
			secret-create)
				case $sarg in '' | *[!0-9]*) sarg=0 ;; esac
				# read whole first: the request stream stays in step whatever happens
				c=$(dd bs=1 count="$sarg" 2>/dev/null && echo x)
				out=$(printf '%s' "${c%x}" |
					(as_account /bin/sh -c "$secret_script" sh "$shome" create "$T"))
				st=$?
				printf '%s\n' "$out"
				# part of the open transaction: its restore removes it again
				if [ $st = 0 ] && [ -n "$dir" ]; then
					printf '%s %s %s %s\n' "$name" "$uid" "$gid" "${out##*
}" >>"$dir/secrets" || st=1
				fi
				;;
			secret-remove)
				(as_account /bin/sh -c "$secret_script" sh "$shome" remove "$sarg" </dev/null)
				st=$?
				;;
			esac
		fi
		;;
	content)
		# shellcheck disable=SC2086
		set -- $arg
		case $1 in "$root"/*) ;; *) st=1 ;; esac
		[ $st != 0 ] || cat -- "$1/$2" || st=1
		;;
	undone)
		case $arg in "$root"/*) echo undone >"$arg/state" || st=1 ;; *) st=1 ;; esac
		;;
	*)
		echo "unknown request"
		st=1
		;;
	esac
	answer $st
done
