#!/bin/bash
# perms against real sshd hosts: every StrictModes failure found with its exact path and
# fix, checked against what sshd itself does (a real key login fails before, works after
# --fix); and the local mode on this machine's files.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../testbed/testbed.sh"
need_cmd ssh
testbed_init "$WORK/tb"
cleanup_hooks+=("testbed_cleanup")
unset SSH_AUTH_SOCK

U=sktest-p$$
PW="pw of $U"
testbed_add_user "$U" "$PW" || fail "useradd"
echo "$PW" >pw
"$K" keygen -q -f id --no-passphrase -C perms || fail "keygen"
KH=$WORK/known_hosts
COMMON=(-i id --password-file pw --accept-new -o "UserKnownHostsFile=$KH")
ROOTKEY=$WORK/rootkey
"$K" keygen -q -f rootkey --no-passphrase -C root || fail "keygen"

# host NAME: our key installed for U (and root's key for root), all modes sane
host() {
	testbed_host_up "$1" "Match User root
	AuthorizedKeysFile /etc/ssh/root_keys" || fail "host $1"
	cp rootkey.pub "$TB_ROOT/$1/etc/ssh/root_keys"
	testbed_authorize "$1" "$U" id.pub
	chmod 600 "$(testbed_root "$1")/home/$U/.ssh/authorized_keys"
}
h() { echo "$TB_ROOT/$1/home"; }
target() { echo "$U@127.0.0.1:$(testbed_port "$1")"; }
key_login() {
	ssh -F /dev/null -i id -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile="$KH" \
		-o StrictHostKeyChecking=no -p "$(testbed_port "$1")" "$U@127.0.0.1" true 2>/dev/null
}
perms() { # HOST [options]: as the user, the password for the login
	local host=$1
	shift
	"$K" perms "${COMMON[@]}" "$@" "$(target "$host")" >out.txt 2>&1
	echo $? >status
}
perms_root() { # HOST [options]: as root for U, logging in with root's key
	local host=$1
	shift
	"$K" perms -i rootkey -i id --accept-new -o "UserKnownHostsFile=$KH" --for-user "$U" "$@" \
		"root@127.0.0.1:$(testbed_port "$host")" >out.txt 2>&1
	echo $? >status
}
expect_line() { grep -qF -- "$1" out.txt || fail "$2: no line '$1' in: $(cat out.txt)"; }

# 1. all well: OK, exit 0, and sshd agrees
host good
key_login good || fail "good: the key should log in"
perms good
[ "$(cat status)" = 0 ] || fail "good: $(cat out.txt)"
expect_line ": OK" "good"
pass

# 2. the file writable by others (0666): sshd refuses; the exact fix is o-w (its group is
#    the user's private group, which Debian's sshd allows to write)
host file
chmod 666 "$(h file)/$U/.ssh/authorized_keys"
key_login file && fail "file 0666: sshd should refuse the key"
perms file
[ "$(cat status)" = 5 ] || fail "file: exit status $(cat status): $(cat out.txt)"
expect_line "/home/$U/.ssh/authorized_keys: file writable by others (0666); fix: chmod o-w /home/$U/.ssh/authorized_keys" "file"
perms file --dry-run
expect_line "would chmod 664 /home/$U/.ssh/authorized_keys" "file dry run"
[ "$(mode_of "$(h file)/$U/.ssh/authorized_keys")" = 666 ] || fail "dry run changed the file"
perms file --fix
[ "$(cat status)" = 0 ] || fail "file --fix: $(cat out.txt)"
expect_line "fixed and verified" "file --fix"
[ "$(mode_of "$(h file)/$U/.ssh/authorized_keys")" = 664 ] || fail "file: not 664"
key_login file || fail "file: no key login after --fix"
pass

# 3. .ssh 0777 and home 0757: both found, both fixed, never loosened
host dirs
chmod 777 "$(h dirs)/$U/.ssh"
chmod 757 "$(h dirs)/$U"
key_login dirs && fail "dirs: sshd should refuse the key"
perms dirs
expect_line "/home/$U/.ssh: directory writable by others (0777); fix: chmod o-w /home/$U/.ssh" "dirs"
expect_line "/home/$U: directory writable by others (0757); fix: chmod o-w /home/$U" "dirs"
perms dirs --fix
[ "$(cat status)" = 0 ] || fail "dirs --fix: $(cat out.txt)"
[ "$(mode_of "$(h dirs)/$U/.ssh")" = 775 ] && [ "$(mode_of "$(h dirs)/$U")" = 755 ] ||
	fail "dirs: modes $(mode_of "$(h dirs)/$U/.ssh") $(mode_of "$(h dirs)/$U")"
key_login dirs || fail "dirs: no key login after --fix"
pass

# 4. a group-writable home in the user's private group is fine for Debian's sshd
host private
chmod 775 "$(h private)/$U"
key_login private || fail "private: Debian's sshd should accept 0775"
perms private
expect_line ": OK" "private group"
pass

# 5. a parent of home writable by group and others (/home 0777): sshd does not check above
#    home, but whoever writes /home can replace the home directory: found; fixed as root
host parent
chmod 777 "$(h parent)"
key_login parent || fail "parent: sshd does not check /home"
perms parent
expect_line "/home: directory writable by group and others (0777); sshd does not check above the home directory, but whoever can write here can replace /home/$U; fix: chmod go-w /home" "parent"
perms_root parent --fix
[ "$(cat status)" = 0 ] || fail "parent --fix as root: $(cat out.txt)"
[ "$(mode_of "$(h parent)")" = 755 ] || fail "parent: /home is $(mode_of "$(h parent)")"
key_login parent || fail "parent: no key login after --fix"
pass

# 6. a wrong owner (.ssh owned by another account): found; not changed, not even by root
#    (a third account's node, SECURITY.md): the administrator decides
host owner
chown 65534 "$(h owner)/$U/.ssh"
key_login owner && fail "owner: sshd should refuse the key"
perms owner --fix
expect_line "/home/$U/.ssh: directory owned by nobody (uid 65534), neither the account ($U (uid $(id -u "$U"))) nor root; sshkeyctl changes no third account's files: find out why, then (as root) chown $U /home/$U/.ssh" "owner"
[ "$(stat -c %u "$(h owner)/$U/.ssh")" = 65534 ] || fail "owner: changed without root"
perms_root owner --fix
[ "$(cat status)" = 5 ] || fail "owner --fix as root: status $(cat status): $(cat out.txt)"
expect_line "sshkeyctl changes no third account's files" "owner as root"
[ "$(stat -c %u "$(h owner)/$U/.ssh")" = 65534 ] || fail "owner: root changed a third account's node"
pass

# 7. authorized_keys a symbolic link into /tmp: sshd checks /tmp (1777) and refuses; perms
#    says so and never touches /tmp
host link
tmpkeys=$(mktemp /tmp/sktest-ak.XXXXXX)
cleanup_hooks+=("rm -f '$tmpkeys'")
cp id.pub "$tmpkeys"
chown "$U" "$tmpkeys"
chmod 644 "$tmpkeys"
ln -sf "$tmpkeys" "$(h link)/$U/.ssh/authorized_keys"
key_login link && fail "link: sshd should refuse the key"
perms link --fix
[ "$(cat status)" = 5 ] || fail "link: exit status $(cat status): $(cat out.txt)"
expect_line "/home/$U/.ssh/authorized_keys: a symbolic link to $tmpkeys" "link"
expect_line "/tmp: directory writable by group and others (1777), shared with other users" "link"
[ "$(stat -c %a /tmp)" = 1777 ] || fail "link: /tmp was changed"
pass

# 8. a fleet: lines in input order, JSON that agrees
perms good --json
python3 - out.txt <<'PY' || fail "json: $(cat out.txt)"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert lines[0]["status"] == "ok" and lines[0]["findings"] == [], lines[0]
assert lines[1]["summary"]["ok"] == 1
PY
pass

# 9. the local machine, as root for an account: client files and the authorized_keys path
L=sktest-l$$
testbed_add_user "$L" "$PW" || fail "useradd"
lhome=$WORK/lhome
mkdir -p "$lhome/.ssh"
usermod -d "$lhome" "$L"
chmod 755 "$WORK"
cp id "$lhome/.ssh/id_ed25519"
cp id.pub "$lhome/.ssh/id_ed25519.pub"
echo "Host *" >"$lhome/.ssh/config"
chown -R "$L" "$lhome"
chmod 755 "$lhome/.ssh"
chmod 644 "$lhome/.ssh/id_ed25519"
chmod 666 "$lhome/.ssh/config"
"$K" perms --for-user "$L" >out.txt
[ $? = 5 ] || fail "local: exit status: $(cat out.txt)"
expect_line "$lhome/.ssh/id_ed25519: private key readable by group or others (0644), so ssh refuses it" "local key"
expect_line "$lhome/.ssh/config: writable by group or others, so ssh refuses to read it" "local config"
expect_line "$lhome/.ssh: directory open to group or others (0755)" "local .ssh"
"$K" perms --for-user "$L" --fix >out.txt || true
[ "$(mode_of "$lhome/.ssh/id_ed25519")" = 600 ] || fail "local: key not 600"
[ "$(mode_of "$lhome/.ssh/config")" = 644 ] || fail "local: config $(mode_of "$lhome/.ssh/config")"
[ "$(mode_of "$lhome/.ssh")" = 700 ] || fail "local: .ssh $(mode_of "$lhome/.ssh")"
[ "$(mode_of "$lhome/.ssh/id_ed25519.pub")" = 644 ] || fail "local: the public key was changed"
ssh-keygen -y -f "$lhome/.ssh/id_ed25519" >/dev/null || fail "local: ssh-keygen refuses the key"
"$K" perms --for-user "$L" >out.txt || fail "local after --fix: $(cat out.txt)"
pass

done_checks
