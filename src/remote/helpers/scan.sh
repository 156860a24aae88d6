# sshkeyctl's read-only inventory helper (scan): the accounts sshd would let in, each one's
# authorized keys files as sshd reads them, the private keys lying in its ~/.ssh, and the
# last key logins sshd logged. It changes nothing on the server.
# POSIX sh (dash, busybox ash, bash); embedded in sshkeyctl at build time
# (src/remote/scan_remote.c reads its answer; DESIGN.md, "Remote edits").
#
# Who reads (SECURITY.md, "Root on a server"): run as root, every file in an account's
# directories is read by the account itself (as_account: its uid, gids and nothing more), so
# a link or FIFO the account planted leads only to what the account could read anyway, and
# a FIFO (or a file swapped for one) is never opened by root. Nothing is written anywhere.
#
# Input lines: the run's random token (ends each file's content: no file can forge it); the
# scope ("all": every account, as root; "self": the login account; "auto": all as root,
# else self); whether to read sshd's
# log ("logs" or "nologs"); the connection ("CLIENT_ADDR LOCAL_ADDR LOCAL_PORT") for
# sshd -T's Match evaluation; whether to run AuthorizedKeysCommand ("keyscmd" or not); the
# server that answered ("openssh", "dropbear", "tinysshd", "other": from its banner).
# Only OpenSSH is asked (sshd -T): an OpenSSH lying inactive beside Dropbear says nothing
# about what Dropbear reads, which is ~/.ssh/authorized_keys alone.
# Answer lines (scan_remote.h parses them): "scan 1", facts about the host (no clock: one
# process fewer; the client's is close enough for a log line's year), then per account
# "account NAME UID GID" ... "end-account", then "login ..." lines, then "end-scan".

set -u
set -f
umask 077
# shellcheck source=listener.sh
. ./listener.sh # embedded by embed.py
# shellcheck source=as_account.sh
. ./as_account.sh # embedded by embed.py
# shellcheck source=keys_file_path.sh
. ./keys_file_path.sh # embedded by embed.py
# shellcheck source=log_files.sh
. ./log_files.sh # embedded by embed.py

nl='
'
# Files larger than this (64 MiB) are not sent: their size is (scan reports them, sshd would
# read them; nobody keeps 16 MB of keys on purpose)
max_bytes=67108864

# read_files TOKEN HOME ENTRY...: as the account (or ourselves): each authorized keys file,
# then the private keys in HOME/.ssh
read_files() {
	rf_token=$1 rf_home=$2
	shift 2
	rf_n=0
	for rf_f in "$@"; do
		echo "file $rf_n $rf_f"
		rf_n=$((rf_n + 1))
		if [ ! -e "$rf_f" ] && [ ! -L "$rf_f" ]; then
			echo "state absent"
			continue
		fi
		[ ! -L "$rf_f" ] || echo "link $(readlink -- "$rf_f" | tr -d '\n' | cut -c1-300)"
		# sshd reads a regular file only; a FIFO is never opened (it would block)
		if [ ! -f "$rf_f" ]; then
			echo "state not-regular"
			continue
		fi
		# shellcheck disable=SC2046 # the fields of ls's line
		set -- $(LC_ALL=C ls -lnL -- "$rf_f" 2>/dev/null)
		echo "mode ${1:-?} ${3:-?} ${4:-?}"
		if [ ! -r "$rf_f" ]; then
			echo "state unreadable"
			continue
		fi
		case ${5:-0} in *[!0-9]*) ;; *)
			if [ "${5:-0}" -gt "$max_bytes" ]; then
				echo "state too-large $5"
				continue
			fi
			;;
		esac
		echo "content-until $rf_token"
		# a file swapped for a FIFO since the test must not hold us: a bounded wait
		if command -v timeout >/dev/null 2>&1; then
			timeout 20 head -c "$max_bytes" -- "$rf_f" 2>/dev/null
		else head -c "$max_bytes" -- "$rf_f" 2>/dev/null; fi
		printf '\n%s\n' "$rf_token"
	done
	[ -d "$rf_home/.ssh" ] || return 0
	set +f
	set -- "$rf_home"/.ssh/* "$rf_home"/.ssh/.[!.]*
	set -f
	for rf_f in "$@"; do
		case ${rf_f##*/} in
		'*' | '.[!.]*' | *.pub | authorized_keys* | known_hosts* | config | environment | rc) continue ;;
		*"$nl"*) continue ;;
		esac
		{ [ -f "$rf_f" ] && [ ! -L "$rf_f" ] && [ -r "$rf_f" ]; } || continue
		# shellcheck disable=SC2046
		set -- $(LC_ALL=C ls -ln -- "$rf_f" 2>/dev/null)
		case ${5:-x} in *[!0-9]*) continue ;; esac
		[ "$5" -le 1048576 ] || continue
		# the first line says what it is; of the second only what is not secret: an
		# OpenSSH key's first 48 bytes (magic, cipher and KDF names, public), PEM's
		# Proc-Type header, PuTTY's Encryption line
		{
			rf_l1='' rf_l2=''
			IFS= read -r rf_l1 && IFS= read -r rf_l2
		} <<EOF
$(head -c 4096 -- "$rf_f" 2>/dev/null | head -n 2 | tr -d '\r')
EOF
		case $rf_l1 in
		'-----BEGIN OPENSSH PRIVATE KEY-----') rf_l2=$(printf '%s\n' "$rf_l2" | cut -c1-64) ;;
		'-----BEGIN '*'PRIVATE KEY-----') case $rf_l2 in Proc-Type:*) ;; *) rf_l2= ;; esac ;;
		PuTTY-User-Key-File-*) case $rf_l2 in Encryption:*) ;; *) rf_l2= ;; esac ;;
		*) continue ;;
		esac
		echo "private $1 $3 $rf_f"
		printf 'head %s\nhead %s\n' "$(printf '%s' "$rf_l1" | cut -c1-100)" "$rf_l2"
	done
}

# match_kind CONFIG: how sshd's answer can differ between accounts, from CONFIG and the
# files its Include lines name (relative names under /etc/ssh, as sshd resolves them):
# "none" (no Match line anywhere: one answer for all), "users LIST..." (every Match line is
# "Match User LIST": the accounts no LIST names share one answer), or nothing (unsure: ask
# sshd for each account). An Include inside an included file makes it unsure.
match_kind() {
	mk_cfg=$1
	set +f
	# shellcheck disable=SC2046 # the Include lines' words, globbed as sshd globs them
	set -- $(awk 'tolower($1) == "include" { for (i = 2; i <= NF; i++) print $i }' "$1" 2>/dev/null |
		while IFS= read -r mk_p; do
			case $mk_p in /*) ;; *) mk_p=/etc/ssh/$mk_p ;; esac
			printf '%s\n' "$mk_p"
		done)
	set -f
	# the files that are there, then one awk over all of them
	for mk_f in "$@"; do
		shift
		[ ! -f "$mk_f" ] || set -- "$@" "$mk_f"
	done
	awk -v cfg="$mk_cfg" '
		FILENAME != cfg && tolower($1) == "include" { bad = 1 }
		tolower($1) == "match" { n++; if (NF == 3 && tolower($2) == "user") lists = lists " " $3; else bad = 1 }
		END { if (bad) exit; if (!n) print "none"; else print "users" lists }' "$mk_cfg" "$@" 2>/dev/null
}

# user_matched NAME: a "Match User" list may name NAME (a pattern not evaluated here,
# with negation or brackets, counts as naming it)
user_matched() {
	for um_list in $user_lists; do
		IFS=,
		for um_p in $um_list; do
			unset IFS
			case $um_p in *'!'* | *'['*) return 0 ;; esac
			# shellcheck disable=SC2254 # the pattern is sshd's, matched as sshd matches it
			case $1 in $um_p) return 0 ;; esac
		done
		unset IFS
	done
	return 1
}

if [ "${1:-}" = --account ]; then
	shift
	read_files "$@"
	exit 0
fi

IFS= read -r token || exit 90
IFS= read -r scope || exit 90
IFS= read -r logs || exit 90
IFS= read -r conn || exit 90
IFS= read -r run_kc || exit 90
IFS= read -r server || exit 90
case $token in '' | *[!0-9a-f]*) exit 90 ;; esac
# shellcheck disable=SC2086 # three words
set -- $conn 127.0.0.1 127.0.0.1 22
caddr=$1 laddr=$2 lport=$3
if [ -z "$conn" ] && [ -n "${SSH_CONNECTION:-}" ]; then
	# shellcheck disable=SC2086 # its four words
	set -- $SSH_CONNECTION
	caddr=$1 laddr=$3 lport=$4
fi
i=$(LC_ALL=C id)
me=${i#uid=}
me=${me%%[!0-9]*}
echo "scan 1"
echo "uid $me"
[ "$scope" != auto ] || { scope=self; [ "$me" != 0 ] || scope=all; }
[ "$scope" != all ] || [ "$me" = 0 ] || { echo "error not root"; exit 91; }
echo "scope $scope"

# "config KEY VALUE" lines: what sshd -T says for the account NAME (root only). Without a
# Match block anywhere in the configuration every account gets the same answer (the
# AuthorizedKeysFile tokens are expanded here), so sshd -T runs once, not once an account.
sshd_ok='' same_for_all='' cached='' user_lists='' neutral='' neutral_lines='' cached_lines=''
if [ "$me" = 0 ] && [ "$server" = openssh ]; then
	listener_find
	if [ -x "$sshd" ] && cached=$("$sshd" -T -f "$cfg" -C "user=root,host=$caddr,addr=$caddr,laddr=$laddr,lport=$lport" 2>/dev/null); then
		sshd_ok=1
		echo "sshd $sshd"
		kind=$(match_kind "$cfg")
		case $kind in
		none) same_for_all=1 ;;
		users*) user_lists=${kind#users} ;;
		esac
	fi
fi
# share_answer NAME: when no Match block applies to NAME, the answer such accounts share,
# asked once (here, not in effective's subshell, so that it is kept)
share_answer() {
	if [ -n "$user_lists" ] && [ -z "$neutral" ] && [ "$1" != root ] && ! user_matched "$1"; then
		neutral=$("$sshd" -T -f "$cfg" -C "user=$1,host=$caddr,addr=$caddr,laddr=$laddr,lport=$lport" 2>/dev/null)
		neutral_lines=$(printf '%s\n' "$neutral" | config_lines)
	fi
	if [ -n "$same_for_all" ] && [ -z "$cached_lines" ]; then
		cached_lines=$(printf '%s\n' "$cached" | config_lines)
	fi
}
# config_lines: sshd -T's answer on stdin as the "config KEY VALUE" lines scan reports
config_lines() {
	awk 'BEGIN { split("authorizedkeysfile authorizedkeyscommand authorizedkeyscommanduser authorizedprincipalsfile authorizedprincipalscommand trustedusercakeys pubkeyauthentication usepam permitrootlogin revokedkeys", k, " "); for (i in k) want[k[i]] = 1 }
		(tolower($1) in want) { $1 = tolower($1); print "config " $0 }'
}
# effective NAME: the config lines for account NAME; a shared answer is filtered once
effective() {
	if [ -n "$same_for_all" ] || [ "$1" = root ]; then
		# the answer asked for root first
		[ -n "$cached_lines" ] || cached_lines=$(printf '%s\n' "$cached" | config_lines)
		printf '%s\n' "$cached_lines"
	elif [ -n "$neutral" ] && ! user_matched "$1"; then
		# no Match block applies: the answer every such account shares (share_answer)
		printf '%s\n' "$neutral_lines"
	else
		"$sshd" -T -f "$cfg" -C "user=$1,host=$caddr,addr=$caddr,laddr=$laddr,lport=$lport" 2>/dev/null |
			config_lines
	fi
}

# one account: its facts, what sshd reads for it, then its files read as the account
scan_account() {
	echo "account $name $uid $gid"
	echo "home $home"
	sh_state=usable
	case $shell in
	*/nologin | */false | */sync | */shutdown | */halt) sh_state=none ;;
	*) [ -x "$shell" ] || sh_state=missing ;;
	esac
	echo "shell $sh_state $shell"
	entries=".ssh/authorized_keys .ssh/authorized_keys2"
	[ "$server" = openssh ] || entries=.ssh/authorized_keys
	if [ -n "$sshd_ok" ]; then
		share_answer "$name"
		eff=$(effective "$name")
		printf '%s\n' "$eff"
		# no process per account: the value from the lines at hand
		case $eff in
		*"config authorizedkeysfile "*)
			v=${eff#*config authorizedkeysfile }
			entries=${v%%"$nl"*}
			;;
		esac
		# /etc/shadow's state, read once for all accounts
		case $nl$shadow in
		*"$nl$name "*)
			v=${shadow#*"$name "}
			v=${v%%"$nl"*}
			echo "password ${v% *}"
			echo "expire ${v#* }"
			;;
		esac
	fi
	set --
	[ "$entries" != none ] || entries=
	for e in $entries; do
		keys_file_path "$e"
		set -- "$@" "$kf_path"
	done
	if [ "$me" = "$uid" ]; then
		read_files "$token" "$home" "$@"
	else
		# shellcheck disable=SC2154 # $s: this script's text (the runner's, remote/session.c)
		as_account /bin/sh -c "$s" sh --account "$token" "$home" "$@" ||
			echo "unread cannot act as $name"
	fi
	[ "$run_kc" != keyscmd ] || [ -z "$sshd_ok" ] || keys_command "$eff"
	echo "end-account"
}

# keys_command CONFIG_LINES: with --run-keys-command, the account's AuthorizedKeysCommand run
# as sshd runs it (as AuthorizedKeysCommandUser, its tokens %u %U %h %% expanded, bounded in
# time and size), its output sent as a file of its own. A command that needs the key being
# offered (%k %f %t ...) or holds quotes cannot be run for an inventory: said so.
keys_command() {
	case $1 in *"config authorizedkeyscommand "*) ;; *) return 0 ;; esac
	kc_cmd=${1#*config authorizedkeyscommand }
	kc_cmd=${kc_cmd%%"$nl"*}
	[ "$kc_cmd" != none ] || return 0
	kc_user=none
	case $1 in *"config authorizedkeyscommanduser "*)
		kc_user=${1#*config authorizedkeyscommanduser }
		kc_user=${kc_user%%"$nl"*}
		;;
	esac
	echo "file 999 AuthorizedKeysCommand $kc_cmd"
	echo "from-command"
	case $kc_cmd in *\"* | *\'* | *\\*)
		echo "state not-run quotes in the command (not split here as sshd splits them)"
		return 0
		;;
	esac
	kc_rest=$kc_cmd kc_line=
	while [ -n "$kc_rest" ]; do
		case $kc_rest in
		%%*) kc_line="$kc_line%" kc_rest=${kc_rest#??} ;;
		%u*) kc_line="$kc_line$name" kc_rest=${kc_rest#??} ;;
		%U*) kc_line="$kc_line$uid" kc_rest=${kc_rest#??} ;;
		%h*) kc_line="$kc_line$home" kc_rest=${kc_rest#??} ;;
		%*)
			echo "state not-run it needs what sshd knows only at a login (${kc_rest%"${kc_rest#??}"})"
			return 0
			;;
		*)
			kc_c=${kc_rest%"${kc_rest#?}"}
			kc_line="$kc_line$kc_c" kc_rest=${kc_rest#?}
			;;
		esac
	done
	kc_ent=$(getent passwd "$kc_user" 2>/dev/null) || kc_ent=
	if [ "$kc_user" = none ] || [ -z "$kc_ent" ]; then
		echo "state not-run AuthorizedKeysCommandUser ($kc_user) is not an account"
		return 0
	fi
	kc_save="$name:$uid:$gid"
	IFS=: read -r name _ uid gid _ <<EOF
$kc_ent
EOF
	echo "content-until $token"
	# shellcheck disable=SC2086 # split at blanks, as sshd splits the command
	if command -v timeout >/dev/null 2>&1; then
		as_account timeout 20 $kc_line </dev/null 2>/dev/null | head -c 1048576
	else as_account $kc_line </dev/null 2>/dev/null | head -c 1048576; fi
	printf '\n%s\n' "$token"
	IFS=: read -r name uid gid <<EOF
$kc_save
EOF
}

# /etc/shadow: "NAME STATE EXPIRE" for every account, once
shadow=
if [ -n "$sshd_ok" ] && [ -r /etc/shadow ]; then
	shadow=$(awk -F: '{ p = $2 == "" ? "empty" : $2 ~ /^!/ ? "locked" : $2 ~ /^[*]/ ? "none" : "set"; print $1, p, ($8 == "" ? "-" : $8) }' /etc/shadow)
fi

if [ "$scope" = all ]; then
	# every account sshd could let in: a usable shell, or root, or a ~/.ssh of its own
	# (a key there still opens port forwarding without a shell); with authorized keys
	# files outside the home directories, every account
	outside=
	if [ -n "$sshd_ok" ]; then
		# sshd's setting where no Match block applies: the answer all accounts share, the
		# one accounts no "Match User" list names share (asked for a name none has), or
		# sshd's own (no Match applied at all)
		share_answer sshkeyctl-nobody
		if [ -n "$same_for_all" ]; then
			plain=$cached
		elif [ -n "$neutral" ]; then
			plain=$neutral
		else
			plain=$("$sshd" -T -f "$cfg" 2>/dev/null)
		fi
		for e in $(printf '%s\n' "$plain" | awk 'tolower($1) == "authorizedkeysfile" { $1 = ""; print }'); do
			case $e in %h* | [!/%]*) ;; *) outside=1 ;; esac
		done
	fi
	accounts=$(getent passwd 2>/dev/null || cat /etc/passwd) ||
		{ echo "error cannot list the accounts"; exit 92; }
	while IFS=: read -r name _ uid gid _ home shell; do
		case $name$uid in '' | *' '*) continue ;; esac
		case $uid$gid in *[!0-9]*) continue ;; esac
		[ -n "$home" ] || home=/
		if [ "$uid" != 0 ] && [ -z "$outside" ] && [ ! -d "$home/.ssh" ]; then
			case $shell in */nologin | */false | */sync | */shutdown | */halt | '') continue ;; esac
			[ -d "$home" ] || continue
		fi
		scan_account </dev/null
	done <<EOF
$accounts
EOF
else
	home=$(cd 2>/dev/null && pwd -P) || home=${HOME:-/}
	uid=$me
	gid=${i#* gid=}
	gid=${gid%%[!0-9]*}
	name=$(id -un 2>/dev/null) || name=$uid
	shell=${SHELL:-/bin/sh}
	scan_account
fi

# the last key login per account and key sshd logged: the journal's lines of root's sshd
# (which nobody else can write), else the log files, oldest first (anyone can forge a line
# there with logger: scan says where its dates come from). A key with a second factor
# (mfa) logs "Partial publickey", then "Accepted keyboard-interactive/..." on the same
# connection: the key's login, its line the Partial one.
if [ "$logs" = logs ]; then
	logins='(Accepted|Partial) publickey for |Accepted keyboard-interactive/'
	log_source
	if [ "$log_src" = journal ]; then
		echo "log-source journal"
		journalctl -q --no-pager -o short-iso _UID=0 _COMM=sshd _COMM=sshd-session \
			_COMM=sshd-auth 2>/dev/null | grep -E "$logins"
	elif [ "$log_src" != none ]; then
		echo "log-source $log_src"
		log_cat "$log_src" rotated 2>/dev/null | grep -E "$logins"
	else
		echo "log-source none"
	fi | awk '
	/^log-source / { print; next }
	# "USER from ADDR port N": one connection
	function conn(s) {
		if (!match(s, / from [^ ]* port [0-9]*/)) return ""
		return substr(s, 1, RSTART + RLENGTH - 1)
	}
	/Accepted keyboard-interactive\// {
		c = conn(substr($0, index($0, " for ") + 5))
		if (c == "" || !(c in pend)) next
		k = pend[c]
		line = pline[c]
		delete pend[c]
		if (!(k in n)) order[++m] = k
		n[k]++
		last[k] = line
		next
	}
	{
		partial = index($0, "Partial publickey for ") > 0
		i = index($0, partial ? "Partial publickey for " : "Accepted publickey for ")
		s = substr($0, i + (partial ? 22 : 23))
		# the last " ssh2: ": what sshd appends, after any text a user name carried
		j = 0
		for (r = s; (x = index(r, " ssh2: ")) > 0; r = substr(r, x + 7)) j += x + (j ? 6 : 0)
		if (j == 0) next
		who = substr(s, 1, j - 1)
		sub(/ from [^ ]* port [0-9]*$/, "", who)
		split(substr(s, j + 7), t, " ")
		k = who " " t[2]
		if (partial) {
			c = conn(substr(s, 1, j - 1))
			if (c != "") { pend[c] = k; pline[c] = $0 }
			next
		}
		if (!(k in n)) order[++m] = k
		n[k]++
		last[k] = $0
	}
	END { for (x = 1; x <= m; x++) { k = order[x]; print "used " n[k]; print "line " substr(last[k], 1, 2000) } }'
fi
echo "end-scan"
