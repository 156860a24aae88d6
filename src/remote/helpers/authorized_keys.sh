# sshkeyctl's helper for one account's authorized_keys on a server: it finds the file sshd
# reads, answers with its state, then serves one request: "groups ...", then "write" (new
# content, compare-and-swap) or "fix" (modes, and a root-owned file given to the account).
# POSIX sh (dash, busybox ash, bash); embedded in sshkeyctl at build time
# (src/remote/authorized_keys_remote.c speaks to it; DESIGN.md, "Remote edits").
#
# Who acts (SECURITY.md, "Root on a server"). Run as root for another account, this helper
# never changes a node by a path that account (or anyone but root) could alter:
#   - root changes a node by path only where every directory above it is root's alone
#     (owned by root, writable by nobody else, no symbolic link on the way);
#   - root works inside a root-owned directory (a root-owned ~/.ssh, /home) only after
#     entering it (cd -P) and checking that it is that very directory, root's: names
#     relative to it cannot be swapped by anyone who could swap the path above;
#   - anything else is done by the account itself: this script runs again with the
#     account's uid, gids and nothing more (as_account), so a link the account planted
#     leads only to what the account could change anyway;
#   - the one exception, a root-owned authorized_keys the account cannot read, is given to
#     the account through a descriptor checked to be that very file (adopt);
#   - no other owner is ever changed: a node of a third account is refused.
# Temporary files get unpredictable names (the run's random token) and are created
# exclusively; renames stay in the one directory entered.
# Mode changes only remove bits: never more than the current mode, never setuid, setgid or
# sticky; only on the expected type (a directory, or the regular file itself); checked after.
#
# Answers: "did ..." lines for each change, "error ..." and a status from 90 up on failure.

set -u
set -f
umask 077
# shellcheck source=listener.sh
. ./listener.sh # embedded by embed.py

# The mode (decimal) an ls -l permission string shows, setuid, setgid and sticky included.
mode_from_ls() {
	mfl=0
	case $1 in ?r*) mfl=$((mfl + 256)) ;; esac
	case $1 in ??w*) mfl=$((mfl + 128)) ;; esac
	case $1 in ???[xs]*) mfl=$((mfl + 64)) ;; esac
	case $1 in ???[sS]*) mfl=$((mfl + 2048)) ;; esac
	case $1 in ????r*) mfl=$((mfl + 32)) ;; esac
	case $1 in ?????w*) mfl=$((mfl + 16)) ;; esac
	case $1 in ??????[xs]*) mfl=$((mfl + 8)) ;; esac
	case $1 in ??????[sS]*) mfl=$((mfl + 1024)) ;; esac
	case $1 in ???????r*) mfl=$((mfl + 4)) ;; esac
	case $1 in ????????w*) mfl=$((mfl + 2)) ;; esac
	case $1 in ?????????[xt]*) mfl=$((mfl + 1)) ;; esac
	case $1 in ?????????[tT]*) mfl=$((mfl + 512)) ;; esac
	echo "$mfl"
}

# root_only PATH: PATH and every directory above it are root's alone (see above).
root_only() {
	ro_p=$1
	while :; do
		[ ! -L "$ro_p" ] || return 1
		# shellcheck disable=SC2046 # the fields of ls's line
		set -- $(LC_ALL=C ls -ldn -- "$ro_p" 2>/dev/null)
		[ "${3:-}" = 0 ] || return 1
		case $1 in ?????w* | ????????w*) return 1 ;; esac
		[ "$ro_p" != / ] || return 0
		ro_p=${ro_p%/*}
		[ -n "$ro_p" ] || ro_p=/
	done
}

# strip_mode "MODE TYPE PATH": chmod MODE (octal) PATH when PATH is of TYPE (d: a directory,
# f: a regular file), not a link, and MODE only takes bits away; checked after.
strip_mode() {
	sm_want=${1%% *} sm_rest=${1#* }
	sm_type=${sm_rest%% *} sm_p=${sm_rest#* }
	case $sm_want in '' | *[!0-7]*) echo "error bad request"; exit 93 ;; esac
	if [ -L "$sm_p" ] || { [ "$sm_type" = d ] && [ ! -d "$sm_p" ]; } ||
		{ [ "$sm_type" != d ] && [ ! -f "$sm_p" ]; }; then
		echo "error not-$sm_type ${shown:-$sm_p}"
		exit 94
	fi
	sm_cur=$(mode_of "$sm_p")
	if [ $((0$sm_want & ~sm_cur)) != 0 ] || [ $((0$sm_want & 07000)) != 0 ]; then
		echo "error would add bits: chmod $sm_want ${shown:-$sm_p}"
		exit 93
	fi
	# two leading zeros: GNU chmod keeps a directory's setuid and setgid bits otherwise
	chmod "00$sm_want" "$sm_p" || { echo "error chmod $sm_want ${shown:-$sm_p}"; exit 93; }
	[ "$(mode_of "$sm_p")" = $((0$sm_want)) ] ||
		{ echo "error chmod $sm_want ${shown:-$sm_p} did not hold"; exit 93; }
	echo "did chmod $sm_want ${shown:-$sm_p}"
}
# enter_root_dir DIR: cd into DIR, checked to be DIR itself (no link: pwd -P) and root's;
# with "private", also writable by root alone
enter_root_dir() {
	cd -P -- "$1" 2>/dev/null && [ "$(pwd -P)" = "$1" ] || return 1
	# shellcheck disable=SC2046
	set -- "${2:-}" $(LC_ALL=C ls -ldn .)
	[ "$4" = 0 ] || return 1
	case $1$2 in private?????w* | private????????w*) return 1 ;; esac
}
mode_of() {
	# shellcheck disable=SC2046 # the fields of ls's line
	set -- $(LC_ALL=C ls -ldn -- "$1")
	mode_from_ls "$1"
}

# print_content TOKEN FILE: FILE's content, ended by a line holding TOKEN alone; or, when
# it cannot be read by whoever runs this, "content unreadable" (a write would lose its lines)
print_content() {
	if [ -r "$2" ]; then
		echo "content-until $1"
		cat -- "$2"
		printf '\n%s\n' "$1"
	else
		echo "content unreadable"
	fi
}

# write_file DIR NAME TOKEN EXPECT MODE OWNER MKDIR_OWNER LENGTH SINCE: the content on stdin replaces
# DIR/NAME if it still holds what was read (EXPECT: "cksum length" or "absent"); MODE for the
# new file; OWNER (uid:gid) and MKDIR_OWNER only when root writes, else "-".
write_file() {
	wf_dir=$1 wf_name=$2 wf_token=$3 wf_expect=$4 wf_mode=$5 wf_owner=$6
	wf_mkdir_owner=$7 wf_length=$8 wf_since=$9
	[ ! -L "$wf_dir" ] || { echo "error symlink $wf_dir"; exit 94; }
	if [ ! -d "$wf_dir" ]; then
		# root makes a directory only where nobody else can swap it before the chown (it
		# may have gone since the read: a root-owned ~/.ssh renamed by the account)
		wf_parent=${wf_dir%/*}
		if [ "$wf_owner" != - ] && ! root_only "${wf_parent:-/}"; then
			echo "error changed $wf_dir"
			exit 98
		fi
		mkdir -m 700 "$wf_dir" || { echo "error mkdir $wf_dir"; exit 95; }
		[ "$wf_mkdir_owner" = - ] || chown -h "$wf_mkdir_owner" "$wf_dir" || exit 95
		echo "did mkdir 700 $wf_dir"
	fi
	# from here on every name is relative to the directory, entered once; root writes only
	# in a directory of its own
	if [ "$wf_owner" = - ]; then
		cd -P -- "$wf_dir" || { echo "error cd $wf_dir"; exit 98; }
	else
		enter_root_dir "$wf_dir" private || { echo "error not root's alone: $wf_dir"; exit 94; }
	fi
	[ -w . ] || { echo "error cannot write in $wf_dir"; exit 95; }
	# the lock: a directory, with its owner inside; a write holds it well under a second, so
	# one older than a minute was left by a run that died (killed, connection cut) and is
	# broken, said so; a live one is named when we give up waiting (the compare-and-swap
	# below keeps even a wrongly broken lock from losing an edit)
	wf_lock=.sshkeyctl.lock wf_tries=0
	until mkdir "$wf_lock" 2>/dev/null; do
		if [ -n "$(find "$wf_lock" -maxdepth 0 -mmin +1 2>/dev/null)" ]; then
			wf_was=$(head -n 1 "$wf_lock/owner" 2>/dev/null) || wf_was=
			rm -f -- "$wf_lock/owner"
			rmdir "$wf_lock" 2>/dev/null &&
				echo "did break a stale lock $wf_dir/$wf_lock (${wf_was:-its owner unknown})"
			continue
		fi
		wf_tries=$((wf_tries + 1))
		[ $wf_tries -le 300 ] || {
			wf_was=$(head -n 1 "$wf_lock/owner" 2>/dev/null) || wf_was=
			echo "error lock $wf_dir/$wf_lock is held by ${wf_was:-another writer}"
			exit 96
		}
		sleep 0.1 2>/dev/null || sleep 1
	done
	wf_tmp=.authorized_keys.sshkeyctl.$wf_token
	# the lock and its owner line go in one process (the directory holds nothing else)
	trap '[ ! -e "$wf_tmp" ] || rm -f -- "$wf_tmp"; rm -rf -- "$wf_lock"' EXIT
	trap 'exit 97' INT TERM HUP PIPE
	wf_conn=${SSH_CONNECTION:-}
	printf 'sshkeyctl pid %s from %s since %s\n' "$$" "${wf_conn%% *}" "$wf_since" \
		>"$wf_lock/owner" 2>/dev/null || :
	[ ! -L "$wf_name" ] || { echo "error symlink $wf_dir/$wf_name"; exit 94; }
	wf_now=absent
	if [ -f "$wf_name" ]; then
		# shellcheck disable=SC2046
		set -- $(cksum <"$wf_name")
		wf_now="$1 $2"
	fi
	[ "$wf_now" = "$wf_expect" ] || { echo "error changed"; exit 98; }
	# a mode without execute bits comes with the file's creation (no chmod process)
	wf_umask=
	case $wf_mode in
	[0246][0246][0246])
		wf_rest=${wf_mode#?}
		wf_umask=$((7 - ${wf_mode%??}))$((7 - ${wf_rest%?}))$((7 - ${wf_mode#??}))
		;;
	esac
	(umask "${wf_umask:-077}" && set -C && : >"$wf_tmp") ||
		{ echo "error write $wf_dir/$wf_tmp"; exit 99; }
	cat >>"$wf_tmp" || { echo "error write $wf_dir/$wf_tmp"; exit 99; }
	# shellcheck disable=SC2046
	set -- $(wc -c <"$wf_tmp")
	[ "$1" = "$wf_length" ] || { echo "error write $wf_dir/$wf_tmp"; exit 99; }
	[ -n "$wf_umask" ] || chmod "$wf_mode" "$wf_tmp" || exit 99
	[ "$wf_owner" = - ] || chown "$wf_owner" "$wf_tmp" || exit 99
	sync "$wf_tmp" 2>/dev/null || sync
	mv -f -- "$wf_tmp" "$wf_name" || { echo "error rename $wf_dir/$wf_name"; exit 99; }
	if [ "$wf_owner" != - ] && command -v restorecon >/dev/null 2>&1; then
		restorecon -F . "$wf_name" 2>/dev/null
	fi
	echo "did write $wf_dir/$wf_name"
}

# The steps that run again as the account (account_step): they print and exit.
if [ "${1:-}" = --account ]; then
	case $2 in
	read) print_content "$3" "$4" ;; # read TOKEN FILE
	modes) # modes "MODE TYPE PATH"...
		shift 2
		for w in "$@"; do strip_mode "$w"; done
		;;
	write) # write (write_file's nine arguments) "MODE TYPE PATH"...
		shift 2
		a1=$1 a2=$2 a3=$3 a4=$4 a5=$5 a6=$6 a7=$7 a8=$8 a9=$9
		shift 9
		for w in "$@"; do strip_mode "$w"; done
		write_file "$a1" "$a2" "$a3" "$a4" "$a5" "$a6" "$a7" "$a8" "$a9"
		;;
	*) exit 93 ;;
	esac
	exit 0
fi

# shellcheck source=as_account.sh
. ./as_account.sh # embedded by embed.py
# shellcheck source=keys_file_path.sh
. ./keys_file_path.sh # embedded by embed.py
# account_step STEP ARGS...: this script's STEP as the account, the account's mode changes
# (see below) after ARGS; $s holds this script's text (the runner's, remote/session.c)
# shellcheck disable=SC2154
account_step() {
	IFS='
'
	# shellcheck disable=SC2086 # one "MODE TYPE PATH" a line
	set -- "$@" $account_modes
	unset IFS
	as_account /bin/sh -c "$s" sh --account "$@"
}
account_modes=

IFS= read -r for_user || exit 90
IFS= read -r token || exit 90
IFS= read -r entry || exit 90
case $entry in '' | *[!0-9]*) exit 90 ;; esac
# the client's time (UTC), for the owner line of the lock a write takes
IFS= read -r now || exit 90
case $now in *[!0-9TZ:-]* | '') now=unknown ;; esac
i=$(LC_ALL=C id)
me=${i#uid=}
me=${me%%[!0-9]*}
if [ -n "$for_user" ]; then
	ent=$(getent passwd "$for_user" 2>/dev/null) ||
		ent=$(awk -F: -v u="$for_user" '$1 == u' /etc/passwd)
	[ -n "$ent" ] || { echo "error no such user: $for_user"; exit 91; }
	IFS=: read -r name _ uid gid _ home _ <<EOF
$ent
EOF
else
	home=$(cd 2>/dev/null && pwd -P) || {
		if [ -d "${HOME:-/nonexistent}" ]; then
			echo "error cannot enter the home directory $HOME"
		else echo "error no-home ${HOME:-}"; fi
		exit 92
	}
	uid=$me
	gid=${i#* gid=}
	gid=${gid%%[!0-9]*}
	# id's "uid=1000(alice) gid=...": the name, without another exec
	case $i in
	"uid=$me("*)
		name=${i#"uid=$me("}
		name=${name%%\)*}
		;;
	*) name= ;;
	esac
fi
[ "$home" = / ] && home=
# The AuthorizedKeysFile entries sshd reads for this account and address, in order: as
# root, asked of the sshd that accepted this connection (-C: Match blocks apply); otherwise
# sshd's default (the same in every OpenSSH since 5.9 and in Debian). This run's file is
# entry number $entry of them (0: the first, where new keys go).
entries=".ssh/authorized_keys .ssh/authorized_keys2" source=default kc=
if [ "$me" = 0 ]; then
	listener_find
	[ -n "$name" ] || name=$(id -un)
	# shellcheck disable=SC2086 # the address is SSH_CONNECTION's first field
	set -- ${SSH_CONNECTION:-127.0.0.1}
	if [ -x "$sshd" ] && eff=$("$sshd" -T -f "$cfg" -C "user=$name,host=$1,addr=$1" 2>/dev/null); then
		# keywords in any case: OpenSSH 10.4+ prints them mixed-case
		# the three keywords in one awk: "k value" lines, AuthorizedKeysFile's first
		kw=$(printf '%s\n' "$eff" | awk '
			{ k = tolower($1); $1 = ""; v = substr($0, 2) }
			k == "authorizedkeysfile" && !f { f = v }
			k == "authorizedkeyscommand" && !c { c = v }
			k == "authorizedkeyscommanduser" && !u { u = v }
			END { print "f " f; print "c " c; print "u " u }')
		kc=
		while IFS= read -r kv; do
			v=${kv#? }
			case $kv in
			'f '*) [ -z "$v" ] || entries=$v source=sshd ;;
			*)
				k=authorizedkeyscommand
				case $kv in 'u '*) k=authorizedkeyscommanduser ;; esac
				case $v in
				'' | none) ;;
				*)
					echo "$k $v"
					kc="$kc${kc:+ run as }$v"
					;;
				esac
				;;
			esac
		done <<EOF
$kw
EOF
	fi
fi
[ "$entries" != none ] || entries=
n_entries=0
file=
[ -n "$name" ] || name=$(id -un)
for e in $entries; do
	keys_file_path "$e"
	f=$kf_path
	[ "$n_entries" != "$entry" ] || file=$f
	# the other entries worth a read of their own: those that exist
	[ "$n_entries" = "$entry" ] || { [ ! -e "$f" ] && [ ! -L "$f" ]; } ||
		echo "entry-exists $n_entries"
	n_entries=$((n_entries + 1))
done
echo "entries $n_entries $source"
if [ -z "$file" ]; then
	if [ "$n_entries" = 0 ]; then
		echo "error keys-none sshd reads no authorized_keys file for this account (AuthorizedKeysFile none)${kc:+: its keys come from AuthorizedKeysCommand $kc}"
	else echo "error no entry $entry"; fi
	exit 93
fi
dir=${file%/*}
[ -n "$dir" ] || dir=/
# sshd checks the canonical path (realpath) up to the canonical home directory
rdir=$(cd "$dir" 2>/dev/null && pwd -P) || rdir=$dir
real="${rdir%/}/${file##*/}" link=
if [ -L "$file" ]; then
	link=yes
	r=$(realpath "$file" 2>/dev/null || readlink -f "$file" 2>/dev/null) &&
		[ -n "$r" ] && real=$r
fi
rhome=$(cd "${home:-/}" 2>/dev/null && pwd -P) || rhome=${home:-/}
# who writes the file: ourselves; or, as root for another account, root in a directory of
# its own (or under root's alone, for a new one), else the account
writer=self
if [ "$me" = 0 ] && [ "$uid" != 0 ]; then
	writer=account
	if [ -d "$dir" ]; then
		(enter_root_dir "$dir" private) && writer=root
	else
		p=$dir
		while [ ! -e "$p" ] && [ ! -L "$p" ]; do
			p=${p%/*}
			[ -n "$p" ] || p=/
		done
		! root_only "$p" || writer=root
	fi
fi

# The state: ids, the path and each level up to /, then one ls for the levels that exist:
# POSIX ls lists its operands sorted, and a chain of prefixes sorts from / down to the
# file, so the lines come in that order.
echo "uid $uid"
echo "gid $gid"
[ -z "$name" ] || echo "account $name"
echo "login $me"
echo "home ${home:-/}"
echo "path $file"
echo "real $real"
echo "realhome $rhome"
conn=${SSH_CONNECTION:-}
echo "client ${conn%% *}"
[ -z "$link" ] || echo link
# a lock of ours beside the file: its age, and its owner line when reading it is safe (our
# own directory, or root's alone; never as root in an account's, where owner could be a
# link to a secret)
lk="$dir/.sshkeyctl.lock"
if [ -d "$lk" ] && [ ! -L "$lk" ]; then
	age=live
	[ -z "$(find "$lk" -maxdepth 0 -mmin +1 2>/dev/null)" ] || age=stale
	who=
	if [ "$writer" != account ] && [ -f "$lk/owner" ] && [ ! -L "$lk/owner" ]; then
		who=$(head -n 1 "$lk/owner" 2>/dev/null | tr -cd '[:alnum:] .:_@-' | cut -c1-200)
	fi
	echo "lock $age${who:+ $who}"
fi
p=$real
set --
while :; do
	if [ -e "$p" ] || [ -L "$p" ]; then
		echo "node $p"
		set -- "$p" "$@"
	else echo "absent $p"; fi
	[ "$p" != / ] || break
	p=${p%/*}
	[ -n "$p" ] || p=/
done
echo listing
[ $# = 0 ] || LC_ALL=C ls -ldn -- "$@"
# the same with names, for messages ("owned by nobody")
echo names
[ $# = 0 ] || LC_ALL=C ls -ld -- "$@"
# one cat reads one version of the file, however writers replace it; the end is marked by
# the random token we were sent, so no length is needed
if [ -f "$file" ] && [ ! -L "$file" ]; then
	case $writer in
	account) account_step read "$token" "$file" || echo "content unreadable" ;;
	# in the directory checked, as root will write it
	root) (enter_root_dir "$dir" private && print_content "$token" "${file##*/}") ||
		{ echo "error changed $dir"; exit 98; } ;;
	*) print_content "$token" "$file" ;;
	esac
else
	echo 'content -'
fi

# then wait: "groups GID..." (answered), then "write" or "fix" and what to do, or nothing
while :; do
	IFS= read -r what || exit 0
	case $what in
	write | fix) break ;;
	'groups '*)
		for g in ${what#groups }; do
			case $g in *[!0-9]*) continue ;; esac
			ent=$(getent group "$g" 2>/dev/null) ||
				ent=$(awk -F: -v g="$g" '$3 == g' /etc/group)
			prim=$({ getent passwd 2>/dev/null || cat /etc/passwd; } |
				awk -F: -v g="$g" '$4 == g { printf "%s,", $3 }')
			uids=
			IFS=,
			# shellcheck disable=SC2086 # the member list, split at commas
			set -- ${ent##*:}
			unset IFS
			for m in "$@"; do
				u=$(id -u "$m" 2>/dev/null) || u=4294967295
				uids="$uids$u,"
			done
			echo "group $g primary=$prim members=$uids"
		done
		echo end-groups
		;;
	*) exit 0 ;;
	esac
done

# The mode changes of a request ("chmod MODE PATH" lines, then "end"): root's own nodes
# done here, the rest left in $account_modes (MODE TYPE PATH, newline-separated) for the
# account. TYPE: the file itself must be a regular file, every other level a directory.
while IFS= read -r line; do
	[ "$line" != end ] || break
	c=${line%% *} m=${line#* }
	p=${m#* } m=${m%% *}
	type=d
	[ "$p" != "$real" ] && [ "$p" != "$file" ] || type=f
	parent=${p%/*}
	[ -n "$parent" ] || parent=/
	case $c in
	chmod)
		if [ "$me" != 0 ] || [ "$uid" = 0 ] || { [ ! -L "$p" ] && root_only "$parent"; }; then
			strip_mode "$m $type $p"
		elif [ "$type" = d ] && (enter_root_dir "$p"); then
			(enter_root_dir "$p" && shown=$p && strip_mode "$m d .") || exit $?
		else
			account_modes="$account_modes$m $type $p
"
		fi
		;;
	adopt)
		# a root-owned file the account cannot read, given to it: opened, then checked to
		# be that regular file, root's, with one name; changed through the descriptor.
		# Only the file at its own name: a link on the way could lead anywhere.
		if [ "$me" != 0 ] || [ "$p" != "$file" ] || [ "$file" != "$real" ] || [ -n "$link" ]; then
			echo "error bad request"
			exit 93
		fi
		[ -d /proc/$$/fd ] || { echo "error no /proc here to change $p safely"; exit 93; }
		[ -f "$p" ] || { echo "error not-f $p"; exit 94; }
		exec 3<"$p"
		[ "$(readlink /proc/$$/fd/3)" = "$p" ] || { echo "error changed $p"; exit 98; }
		# shellcheck disable=SC2046
		set -- $(LC_ALL=C ls -lnL /proc/$$/fd/3)
		case $1 in -*) ;; *) echo "error not-f $p"; exit 94 ;; esac
		if [ "$2" != 1 ] || [ "$3" != 0 ]; then
			echo "error not root's alone: $p"
			exit 94
		fi
		chown "$uid:$gid" /proc/$$/fd/3 || { echo "error chown $p"; exit 93; }
		exec 3<&-
		echo "did chown $uid:$gid $p"
		;;
	*)
		echo "error bad request"
		exit 93
		;;
	esac
done
if [ "$what" = fix ]; then
	[ -z "$account_modes" ] || account_step modes || exit $?
	exit 0
fi

# write: expected "cksum length" or "absent"; "uid gid" for a new .ssh ("- -" when not
# root); "UID:GID MODE" for the new file (owner "-:-" when not root); the "chmod" lines and
# "end" (read above); content length; content.
IFS= read -r expect
read -r new_uid new_gid
read -r own mode
IFS= read -r length
[ "$dir" = "$home/.ssh" ] || [ -d "$dir" ] || { echo "error missing directory $dir"; exit 95; }
case $writer in
root)
	[ -z "$account_modes" ] || account_step modes || exit $?
	mkdir_owner=-
	[ "$new_uid" = - ] || mkdir_owner="$new_uid:$new_gid"
	[ "$own" != -:- ] || own=-
	write_file "$dir" "${file##*/}" "$token" "$expect" "$mode" "$own" "$mkdir_owner" "$length" \
		"$now"
	;;
account)
	account_step write "$dir" "${file##*/}" "$token" "$expect" "$mode" - - "$length" "$now" ||
		exit $?
	;;
*)
	write_file "$dir" "${file##*/}" "$token" "$expect" "$mode" - - "$length" "$now"
	;;
esac
exit 0
