# sshd's log on this server (POSIX sh; embedded by embed.py into the helpers that include
# it). log_source sets log_src: the first of /var/log/auth.log (Debian) and /var/log/secure
# (RHEL) that is a non-empty regular file we may read; else "journal" when systemd's journal
# is there; else "none". log_unreadable names a log file that is there but that we may not
# read ("" when none). log_cat FILE rotated|current: its rotated files first, oldest first
# (FILE.N.gz down to FILE.2.gz, RHEL's FILE-DATE in date order, FILE.1), then FILE;
# gzip'ed ones unpacked. The files are root's, in root's /var/log: read by path.
# shellcheck shell=sh
# shellcheck disable=SC2034 # log_src and log_unreadable are for the script that includes this
log_source() {
	log_src=''
	log_unreadable=''
	for f in /var/log/auth.log /var/log/secure; do
		if [ ! -f "$f" ] || [ ! -s "$f" ]; then continue; fi
		if [ -r "$f" ]; then
			log_src=$f
			return
		fi
		[ -n "$log_unreadable" ] || log_unreadable=$f
	done
	if command -v journalctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		log_src=journal
	else
		log_src=none
	fi
}

log_cat() {
	if [ "$2" = rotated ]; then
		n=52
		while [ $((n -= 1)) -ge 2 ]; do
			[ ! -r "$1.$n.gz" ] || gzip -dc -- "$1.$n.gz"
		done
		set +f
		for f in "$1"-*; do
			[ -f "$f" ] || continue
			case $f in *.gz) gzip -dc -- "$f" ;; *) cat -- "$f" ;; esac
		done
		set -f
		[ ! -r "$1.1" ] || cat -- "$1.1"
	fi
	cat -- "$1"
}
