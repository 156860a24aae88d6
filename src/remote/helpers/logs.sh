# sshkeyctl's log reader (logs TARGET): sshd's log on this server, sent whole (gzip'ed when
# gzip is here) for sshkeyctl to read; the start of the last completed harden when asked.
# It changes nothing on the server. POSIX sh (dash, busybox ash, bash); embedded in
# sshkeyctl at build time (src/ops/logs_remote.c reads its answer).
#
# Run as root when the login account is root or sudo lets it; else as the login account,
# which reads what its groups allow (adm on Debian reads auth.log).
#
# Input lines: the run's random token (the line that ends the header: no log line can
# forge it); "rotated" or "current" (the rotated files too, oldest first, or only the
# current one); "harden" or "-" (look for the last completed harden); the time to read the
# journal from (seconds since 1970, 0: all of it).
# Answer: "logs 1", "uid N", "harden NAME" (a directory of /var/lib/sshkeyctl/harden whose
# state is done) or "harden none" or "harden unreadable" (only when asked), "source PATH" or
# "source journal" or "source none" or "source unreadable PATH", "format gzip" or "format
# plain", then the token's line, then the log's bytes to the end of the output.

set -u
set -f
umask 077
# shellcheck source=log_files.sh
. ./log_files.sh # embedded by embed.py

IFS= read -r token || exit 90
IFS= read -r rotated || exit 90
IFS= read -r harden || exit 90
IFS= read -r since || exit 90
case $since in '' | *[!0-9]*) exit 90 ;; esac

echo "logs 1"
echo "uid $(id -u)"
if [ "$harden" = harden ]; then
	root=/var/lib/sshkeyctl/harden # SERVER_ADMIN_BACKUP_ROOT in server_admin.h
	if [ ! -d "$root" ]; then
		echo "harden none"
	elif [ ! -r "$root" ] || [ ! -x "$root" ]; then
		echo "harden unreadable"
	else
		found=
		set +f
		for d in "$root"/*-harden; do
			# names sort by their time; the state is a one-line file of ours
			[ -d "$d" ] && [ "$(cat "$d/state" 2>/dev/null)" = "done" ] && found=${d##*/}
		done
		set -f
		echo "harden ${found:-none}"
	fi
fi
log_source
if [ "$log_src" = none ] && [ -n "$log_unreadable" ]; then
	echo "source unreadable $log_unreadable"
else
	echo "source $log_src"
fi
if command -v gzip >/dev/null 2>&1; then
	echo "format gzip"
	pack() { gzip -1 -c; }
else
	echo "format plain"
	pack() { cat; }
fi
echo "$token"
case $log_src in
none) ;;
journal)
	if [ "$since" != 0 ]; then set -- "--since=@$since"; else set --; fi
	journalctl -o json --no-pager -q "$@" _COMM=sshd _COMM=sshd-session _COMM=sshd-auth + \
		SYSLOG_IDENTIFIER=sshd SYSLOG_IDENTIFIER=sshd-session SYSLOG_IDENTIFIER=sshd-auth |
		pack
	;;
*) log_cat "$log_src" "$rotated" | pack ;;
esac
