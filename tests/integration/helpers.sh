#!/bin/bash
# The POSIX sh helpers sshkeyctl runs on servers (src/remote/helpers/*.sh), on their own: no
# sshd. Each is checked by dash, busybox sh and shellcheck; then the authorized_keys helper
# is driven by a local harness that starts it the way sshkeyctl does (the runner line of
# remote/session.c, the script on stdin, then the requests), under dash and under busybox,
# as root for an ordinary account, and the results are read on the files.
. "$(dirname "$0")/lib.sh"
HELPERS=$(cd "$(dirname "$0")/../../src/remote/helpers" && pwd)
need_cmd dash
need_cmd busybox
need_cmd shellcheck

for f in "$HELPERS"/*.sh; do
	dash -n "$f" || fail "dash -n $f"
	busybox sh -n "$f" || fail "busybox sh -n $f"
	(cd "$HELPERS" && shellcheck -s sh -x "${f##*/}") || fail "shellcheck $f"
	grep -q __sshkeyctl_end_of_script__ "$f" && fail "$f holds the runner's end marker"
	pass
done
# the backup root the root helper uses is the one the C side names
root_c=$(sed -n 's/^#define SERVER_ADMIN_BACKUP_ROOT "\(.*\)"$/\1/p' "$HELPERS/../server_admin.h")
grep -q "^root=$root_c " "$HELPERS/server_admin.sh" || fail "server_admin.sh's root is not $root_c"
grep -q "^	root=$root_c " "$HELPERS/logs.sh" || fail "logs.sh's root is not $root_c"
pass
# the lock and temporary names the SFTP writer shares with the sh helper
for name in LOCK_NAME TEMP_PREFIX; do
	value=$(sed -n "s/^#define AUTHORIZED_KEYS_$name *\"\([^\"]*\)\".*/\1/p" "$HELPERS/../authorized_keys_remote.h")
	[ -n "$value" ] && grep -qF "$value" "$HELPERS/authorized_keys.sh" ||
		fail "authorized_keys.sh does not use AUTHORIZED_KEYS_$name ($value)"
done
pass

need_root
TOKEN=0123456789abcdef0123456789abcdef
FRAME=fedcba9876543210fedcba9876543210
# helper SHELL ACCOUNT: the authorized_keys helper as sshkeyctl starts it (session.c's
# runner), requests on stdin after the script; its answer on stdout
helper() {
	local shell=$1 account=$2
	{
		printf '%s\n' "$FRAME"
		python3 "$HELPERS/embed.py" --print "$HELPERS/authorized_keys.sh"
		printf '\n__sshkeyctl_end_of_script__\n%s\n%s\n0\n2026-12-01T00:00:00Z\n' "$account" "$TOKEN"
		cat
	} | $shell -c 'IFS= read -r f; n=$(printf "\nx"); n=${n%x}; s=; while IFS= read -r l; do [ "$l" = __sshkeyctl_end_of_script__ ] && break; s="$s$l$n"; done; printf "\n%s\n" "$f"; eval "$s"' |
		sed -u "1,/^$FRAME\$/d"
}
# write_request CONTENT [CHMOD LINES]: a write of a new file (none there before)
write_request() {
	printf 'write\n'
	[ $# -gt 1 ] && printf '%s\n' "${@:2}"
	printf 'end\nabsent\n- -\n-:- 600\n%s\n%s' "${#1}" "$1"
}

A=skth$$
useradd -M -d "$WORK/home-$A" -s /bin/sh "$A" || fail "useradd"
cleanup_hooks+=("userdel $A 2>/dev/null")
chmod 755 "$WORK"
for shell in dash "busybox sh"; do
	home=$WORK/home-$A
	rm -rf "$home"
	mkdir -m 755 "$home"
	chown "$A" "$home"
	# a fresh account: .ssh made 0700, the file 0600, both the account's (written as it)
	write_request "ssh-ed25519 AAAA test" | helper "$shell" "$A" >out.txt
	grep -q "^did write $home/.ssh/authorized_keys$" out.txt || fail "$shell: write: $(cat out.txt)"
	[ "$(stat -c '%a %U' "$home/.ssh")" = "700 $A" ] || fail "$shell: .ssh $(stat -c '%a %U' "$home/.ssh")"
	[ "$(stat -c '%a %U' "$home/.ssh/authorized_keys")" = "600 $A" ] || fail "$shell: file owner/mode"
	[ "$(cat "$home/.ssh/authorized_keys")" = "ssh-ed25519 AAAA test" ] || fail "$shell: content"
	ls -a "$home/.ssh" | grep -q sshkeyctl && fail "$shell: temporary file or lock left behind"
	pass
	# a mode fix that would add bits is refused, one that takes them away is done
	chmod 750 "$home"
	printf 'fix\nchmod 770 %s\nend\n' "$home" | helper "$shell" "$A" >out.txt
	grep -q "error would add bits" out.txt || fail "$shell: adding bits: $(cat out.txt)"
	[ "$(stat -c %a "$home")" = 750 ] || fail "$shell: mode changed"
	chmod 4777 "$home"
	printf 'fix\nchmod 755 %s\nend\n' "$home" | helper "$shell" "$A" >out.txt
	grep -q "^did chmod 755 $home$" out.txt || fail "$shell: taking bits away: $(cat out.txt)"
	[ "$(stat -c %a "$home")" = 755 ] || fail "$shell: mode $(stat -c %a "$home")"
	pass
	# the account swaps ~/.ssh for a link to a root-owned directory: root's helper, working
	# as the account there, cannot write in it
	mkdir -p "$WORK/rootdir"
	chmod 755 "$WORK/rootdir"
	rm -rf "$home/.ssh"
	ln -s "$WORK/rootdir" "$home/.ssh"
	chown -h "$A" "$home/.ssh"
	write_request "ssh-ed25519 AAAA evil" | helper "$shell" "$A" >out.txt
	grep -q "^error" out.txt || fail "$shell: a write through the account's link: $(cat out.txt)"
	[ -z "$(ls -A "$WORK/rootdir")" ] || fail "$shell: root wrote through the account's link: $(ls -A "$WORK/rootdir")"
	rm -f "$home/.ssh"
	pass
done

# a root-owned ~/.ssh (root works inside it) that the account renames away between the read
# and the write: root must not make a new one by path in the account's home
home=$WORK/home-$A
rm -rf "$home"
mkdir -m 755 "$home" "$home/.ssh"
chown "$A" "$home"
rm -f req
mkfifo req
helper dash "$A" <req >out.txt &
hp=$!
exec 7>req
for _ in $(seq 100); do grep -q '^content' out.txt && break; sleep 0.05; done
grep -q '^content -' out.txt || fail "stale ~/.ssh: no state: $(cat out.txt)"
mv "$home/.ssh" "$home/.ssh-old"
u=$(id -u "$A") g=$(id -g "$A")
printf 'write\nend\nabsent\n%s %s\n%s:%s 600\n4\nkey\n' "$u" "$g" "$u" "$g" >&7
exec 7>&-
wait "$hp"
grep -q "^error changed $home/.ssh" out.txt || fail "stale ~/.ssh: $(cat out.txt)"
[ ! -e "$home/.ssh" ] || fail "root made $home/.ssh by path in the account's home"
pass

# without a setpriv that can drop privileges (busybox's has no --reuid) and without runuser,
# the helper acts as the account through su, and still writes nothing as root
mkdir -p "$WORK/bin"
ln -s "$(command -v busybox)" "$WORK/bin/setpriv"
printf '#!/bin/sh\nexit 1\n' >"$WORK/bin/runuser"
chmod 755 "$WORK/bin/runuser"
home=$WORK/home-$A
rm -rf "$home"
mkdir -m 755 "$home"
chown "$A" "$home"
write_request "ssh-ed25519 AAAA su" | PATH="$WORK/bin:$PATH" helper dash "$A" >out.txt
grep -q "^did write $home/.ssh/authorized_keys$" out.txt || fail "through su: $(cat out.txt)"
[ "$(stat -c '%U %U' "$home/.ssh" "$home/.ssh/authorized_keys" | tr '\n' ' ')" = "$A $A $A $A " ] ||
	fail "through su: not the account's: $(stat -c '%n %U' "$home/.ssh" "$home/.ssh/authorized_keys")"
pass

# The root helper on its own, in a private mount namespace whose /var/lib/sshkeyctl is ours:
# the lock and what it says of its owner, a lock whose owner is gone taken over, and a
# transaction an interrupted run left open restored, byte for byte, by the next one.
need_cmd unshare
mkdir -p "$WORK/state" "$WORK/etc"
python3 "$HELPERS/embed.py" --print "$HELPERS/server_admin.sh" >"$WORK/server_admin.embedded.sh"
printf 'original\n' >"$WORK/etc/conf"
cp "$WORK/etc/conf" "$WORK/conf.before"
admin() { # admin REQUEST-LINES...: one root helper run, its answers on stdout
	local requests
	requests=$(printf '%s\n' "$@")
	unshare --mount --propagation private -- /bin/sh -c '
		mount --bind "$1" /var/lib/sshkeyctl || exit 1
		{ cat "$2"; printf "\n__sshkeyctl_end_of_script__\n%s\n127.0.0.1 127.0.0.1 22\n%s\n" "$3" "$4"; } |
			dash -c '"'"'n=$(printf "\nx"); n=${n%x}; s=; while IFS= read -r l; do [ "$l" = __sshkeyctl_end_of_script__ ] && break; s="$s$l$n"; done; eval "$s"'"'"'
	' sh "$WORK/state" "$WORK/server_admin.embedded.sh" "$TOKEN" "$requests"
}
mkdir -p /var/lib/sshkeyctl
# a run that began, saved, wrote and vanished (no dead-man: none was armed here)
printf 'replaced\n' >"$WORK/new"
admin lock "begin harden" "save $WORK/etc/conf" >out.txt
inside=$(grep -o '/var/lib/sshkeyctl/harden/[^ ]*-harden' out.txt | head -1)
dir=$WORK/state/harden/${inside##*/}
[ -n "$dir" ] && [ "$(cat "$dir/state")" = open ] || fail "root helper: no open transaction: $(cat out.txt)"
cp "$WORK/new" "$WORK/etc/conf" # as its write would have
[ ! -e "$WORK/state/harden/lock" ] || fail "root helper: the lock outlived its run"
# a lock held by a live process is refused, with its owner
sleep 30 &
holder=$!
mkdir "$WORK/state/harden/lock"
echo "pid $holder login someone from 192.0.2.1 since 2026-01-01T00:00:00Z" >"$WORK/state/harden/lock/owner"
admin lock >out.txt
grep -q "busy pid $holder login someone" out.txt || fail "root helper: a held lock: $(cat out.txt)"
grep -q "$TOKEN 4\$" out.txt || fail "root helper: a held lock's status: $(cat out.txt)"
same "$WORK/etc/conf" "$WORK/new" "a refused run changes nothing"
kill "$holder"
wait "$holder" 2>/dev/null
# its owner gone: taken over, and the open transaction restored first
admin lock >out.txt
# (no sshd listener here: restored, and said that sshd could not be reloaded)
grep -q "^recovered-unreloaded $inside\$" out.txt || fail "root helper: no recovery: $(cat out.txt)"
same "$WORK/etc/conf" "$WORK/conf.before" "the interrupted run's file restored"
[ "$(cat "$dir/state")" = restored-after-interrupt-not-reloaded ] || fail "root helper: state $(cat "$dir/state")"
pass
done_checks
