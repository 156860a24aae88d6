# Acting as an account (POSIX sh; embedded by embed.py into the helpers that include it):
# as_account runs a command with the account's identity alone. The including script sets
# name, uid and gid first.
# shellcheck shell=sh
# shellcheck disable=SC2154 # name, uid and gid are the including script's
# as_account COMMAND...: COMMAND with the account's uid, gid and groups, nothing more; by
# the first of setpriv (util-linux's: busybox's has no --reuid), runuser and su that works
# here, tried once
dropper=
as_account() {
	if [ -z "$dropper" ]; then
		for dropper in setpriv runuser su none; do
			[ $dropper != none ] || {
				echo "error no way to act as $name here (setpriv, runuser, su)"
				exit 93
			}
			command -v $dropper >/dev/null 2>&1 && drop_to /bin/sh -c : >/dev/null 2>&1 && break
		done
	fi
	drop_to "$@"
}
drop_to() {
	# shellcheck disable=SC2016 # su's command is expanded by the account's sh
	case $dropper in
	setpriv) setpriv --reuid="$uid" --regid="$gid" --init-groups -- "$@" ;;
	runuser) runuser -u "$name" -- "$@" ;;
	su) su -s /bin/sh -c 'exec "$0" "$@"' -- "$name" "$@" ;;
	esac
}
