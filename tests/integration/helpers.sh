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
	shellcheck -s sh "$f" || fail "shellcheck $f"
	grep -q __sshkeyctl_end_of_script__ "$f" && fail "$f holds the runner's end marker"
	pass
done
# the backup root the root helper uses is the one the C side names
root_c=$(sed -n 's/^#define SERVER_ADMIN_BACKUP_ROOT "\(.*\)"$/\1/p' "$HELPERS/../server_admin.h")
grep -q "^root=$root_c " "$HELPERS/server_admin.sh" || fail "server_admin.sh's root is not $root_c"
pass

need_root
TOKEN=0123456789abcdef0123456789abcdef
# helper SHELL ACCOUNT: the authorized_keys helper as sshkeyctl starts it (session.c's
# runner), requests on stdin after the script; its answer on stdout
helper() {
	local shell=$1 account=$2
	{
		cat "$HELPERS/authorized_keys.sh"
		printf '\n__sshkeyctl_end_of_script__\n%s\n%s\n' "$account" "$TOKEN"
		cat
	} | $shell -c 'n=$(printf "\nx"); n=${n%x}; s=; while IFS= read -r l; do [ "$l" = __sshkeyctl_end_of_script__ ] && break; s="$s$l$n"; done; eval "$s"'
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
done_checks
