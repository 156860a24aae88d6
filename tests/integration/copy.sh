#!/bin/bash
# copy against real sshd hosts of the test bed: each scenario checks the host's files and a
# real key login with OpenSSH's ssh, not only sshkeyctl's words.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../testbed/testbed.sh"
need_cmd ssh
testbed_init "$WORK/tb"
cleanup_hooks+=("testbed_cleanup")

U=sktest-c$$
PW="pw of $U"
testbed_add_user "$U" "$PW" || fail "useradd"
echo "$PW" >pw
"$K" keygen -q -f id --no-passphrase -C "me@laptop" || fail "keygen"
"$K" keygen -q -f id2 --no-passphrase -C "second" || fail "keygen"
KH=$WORK/known_hosts
COMMON=(--password-file pw --accept-new -o "UserKnownHostsFile=$KH")

target() { echo "$U@127.0.0.1:$(testbed_port "$1")"; }
key_login() { # key_login HOST [KEY]: OpenSSH's ssh logs in with the key alone
	ssh -F /dev/null -i "${2:-id}" -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes \
		-o UserKnownHostsFile="$KH" -o PreferredAuthentications=publickey \
		-p "$(testbed_port "$1")" "$U@127.0.0.1" 'echo ok' 2>/dev/null | grep -qx ok
}
ak() { echo "$TB_ROOT/$1/home/$U/.ssh/authorized_keys"; }

# 1. a fresh account: .ssh missing; created 0700, file 0600, owned by the user
testbed_host_up fresh && testbed_home fresh "$U" >/dev/null
"$K" copy -i id "${COMMON[@]}" "$(target fresh)" >out.txt || fail "fresh: $(cat out.txt)"
grep -q "installed and verified" out.txt || fail "fresh: $(cat out.txt)"
[ "$(stat -c '%a %U' "$(dirname "$(ak fresh)")")" = "700 $U" ] || fail "fresh: .ssh mode/owner"
[ "$(stat -c '%a %U' "$(ak fresh)")" = "600 $U" ] || fail "fresh: file mode/owner"
[ "$(cat "$(ak fresh)")" = "$(cat id.pub)" ] || fail "fresh: content"
key_login fresh || fail "fresh: no key login"
pass
# again: nothing to do, file untouched
cp "$(ak fresh)" before
"$K" copy -i id "${COMMON[@]}" "$(target fresh)" >out.txt || fail "again"
grep -q "already present" out.txt || fail "again: $(cat out.txt)"
same "$(ak fresh)" before "second copy changes nothing"

# 2. the key present with other options and comment; 3. no final newline; 4. CRLF
testbed_host_up edits
home=$(testbed_home edits "$U")
mkdir -m 700 "$home/.ssh"
printf 'no-pty %s other-comment\n# keep me\n%s' "$(cut -d' ' -f1,2 id.pub)" "$(cut -d' ' -f1,2 id2.pub)" >"$home/.ssh/authorized_keys"
chown -R "$U" "$home/.ssh"
chmod 600 "$home/.ssh/authorized_keys"
cp "$home/.ssh/authorized_keys" before
"$K" copy -i id -i id2 "${COMMON[@]}" "$(target edits)" >out.txt || fail "present: $(cat out.txt)"
grep -q "already present" out.txt || fail "present with options: $(cat out.txt)"
same "$(ak edits)" before "a present key with other options is not added again"
"$K" keygen -q -f id3 --no-passphrase -C third
"$K" copy -i id3 "${COMMON[@]}" "$(target edits)" >out.txt || fail "no newline: $(cat out.txt)"
{ cat before; echo; cat id3.pub; } >want
same "$(ak edits)" want "the last line gets its newline, old bytes kept"
key_login edits id3 || fail "no key login after the newline fix"
printf '# crlf file\r\n%s\r\n' "$(cat id.pub)" >"$(ak edits)"
"$K" copy -i id2 "${COMMON[@]}" "$(target edits)" >out.txt || fail "crlf: $(cat out.txt)"
printf '# crlf file\r\n%s\r\n%s\r\n' "$(cat id.pub)" "$(cat id2.pub)" >want
same "$(ak edits)" want "CRLF file stays CRLF"
key_login edits id2 || fail "no key login in a CRLF file"
pass

# 5. home 0777: fixed (never loosened), then the key logs in; the smallest fix: o-w only,
#    as Debian's sshd accepts group write for the user's private group
testbed_host_up modes && testbed_home modes "$U" 777 >/dev/null
"$K" copy -i id "${COMMON[@]}" --no-fix "$(target modes)" >out.txt && fail "--no-fix must fail on 0777"
grep -q "writable by group or others" out.txt || fail "--no-fix message: $(cat out.txt)"
"$K" copy -i id "${COMMON[@]}" --dry-run "$(target modes)" >out.txt || fail "dry run"
grep -q "would chmod 775" out.txt && grep -q "^+ssh-ed25519" out.txt || fail "dry run output: $(cat out.txt)"
[ -e "$(ak modes)" ] && fail "dry run changed the host"
"$K" copy -i id "${COMMON[@]}" "$(target modes)" >out.txt || fail "0777: $(cat out.txt)"
grep -q "chmod 775 /home/$U" out.txt || fail "fix not reported: $(cat out.txt)"
[ "$(stat -c %a "$TB_ROOT/modes/home/$U")" = 775 ] || fail "home not fixed"
key_login modes || fail "no key login after the fix"
pass
# an authorized_keys that others can write, and our key not in it: the write that adds the
# key keeps the fixed mode (not the old 0666): o-w, as for the home directory above
chmod 666 "$(ak modes)"
"$K" copy -i id2 "${COMMON[@]}" "$(target modes)" >out.txt || fail "0666: $(cat out.txt)"
[ "$(stat -c %a "$(ak modes)")" = 664 ] || fail "authorized_keys mode $(stat -c %a "$(ak modes)") after the fix"
key_login modes id2 || fail "no key login after the 0666 fix"
pass

# 9. a server that accepts TCP and never speaks: times out, the other hosts finish
silent_port=$(testbed_free_port)
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(5)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
' "$silent_port" &
silent=$!
cleanup_hooks+=("kill $silent 2>/dev/null")
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$silent_port") 2>/dev/null && break; sleep 0.1; done
start=$(date +%s)
"$K" copy -i id "${COMMON[@]}" --connect-timeout 3 "$U@127.0.0.1:$silent_port" "$(target fresh)" >out.txt
rc=$?
[ $rc = 3 ] || fail "some hosts failed: status $rc, expected 3: $(cat out.txt)"
[ $(($(date +%s) - start)) -lt 20 ] || fail "a silent server stalled the run"
grep -q "^$U@127.0.0.1:$silent_port: failed" out.txt || fail "silent host: $(cat out.txt)"
grep -q "^$(target fresh): already present" out.txt || fail "the other host: $(cat out.txt)"
# the same as JSON Lines: one object per host in input order, then the summary
"$K" copy -i id "${COMMON[@]}" --json --connect-timeout 3 "$U@127.0.0.1:$silent_port" "$(target fresh)" >out.json
python3 - "$U@127.0.0.1:$silent_port" "$(target fresh)" out.json <<'PY' || fail "--json: $(cat out.json)"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[3])]
assert [l.get("target") for l in lines[:2]] == sys.argv[1:3], lines
assert lines[0]["status"] == "failed" and "imeout" in lines[0]["reason"], lines[0]
assert lines[1]["status"] == "present" and lines[1]["path"].endswith("/.ssh/authorized_keys"), lines[1]
assert lines[2]["summary"] == {"hosts": 2, "installed": 0, "installed_unverified": 0, "present": 1,
                               "would_change": 0, "failed": 1}, lines[2]
PY
pass

# SSH_ASKPASS gives the password when there is no terminal and no password option
testbed_host_up askpass && testbed_home askpass "$U" >/dev/null
printf '#!/bin/sh\necho "$1" >>"%s/askpass.prompts"\ncat "%s/pw"\n' "$WORK" "$WORK" >askpass.sh
chmod 700 askpass.sh
SSH_ASKPASS="$WORK/askpass.sh" setsid "$K" copy -i id --accept-new -o "UserKnownHostsFile=$KH" "$(target askpass)" \
	</dev/null >out.txt 2>&1 || fail "SSH_ASKPASS: $(cat out.txt)"
grep -q "installed and verified" out.txt || fail "SSH_ASKPASS: $(cat out.txt)"
grep -q "password: $" askpass.prompts || fail "askpass prompt: $(cat askpass.prompts)"
pass

# 10. a wrong password: a clear failure and no retry storm
testbed_host_up wrongpw && testbed_home wrongpw "$U" >/dev/null
echo "not the password" >badpw
"$K" copy -i id --password-file badpw --accept-new -o "UserKnownHostsFile=$KH" "$(target wrongpw)" >out.txt
[ $? = 1 ] || fail "wrong password status"
grep -q "password refused" out.txt || fail "wrong password message: $(cat out.txt)"
sleep 0.5
fails=$(grep -c "Failed password\|authentication failure" "$TB_ROOT/wrongpw/log")
[ "$fails" -le 2 ] || fail "$fails password attempts for one run"
pass

# 11. a changed host key: refused, nothing sent
testbed_host_up rekey && testbed_home rekey "$U" >/dev/null
"$K" copy -i id "${COMMON[@]}" --dry-run "$(target rekey)" >/dev/null || fail "first contact"
ssh-keygen -q -t ed25519 -N '' -f newhostkey
cp newhostkey "$TB_ROOT/rekey/etc/ssh/ssh_host_ed25519_key"
cp newhostkey.pub "$TB_ROOT/rekey/etc/ssh/ssh_host_ed25519_key.pub"
testbed_reload rekey
sleep 0.5
"$K" copy -i id "${COMMON[@]}" "$(target rekey)" >out.txt
[ $? = 1 ] || fail "changed host key must fail"
grep -q "REMOTE HOST IDENTIFICATION HAS CHANGED" out.txt || fail "changed key message: $(cat out.txt)"
grep -q "ssh-keygen -R" out.txt || fail "no command to clear the old entry"
[ -e "$(ak rekey)" ] && fail "something was written to a host with a changed key"
pass

# 8. 20 concurrent copies of 20 different keys to one account: all 20 keys there
testbed_host_up busy && testbed_home busy "$U" >/dev/null
"$K" copy -i id "${COMMON[@]}" "$(target busy)" >/dev/null || fail "busy: first copy"
for i in $(seq 20); do "$K" keygen -q -f "many$i" --no-passphrase -C "many $i"; done
pids=()
for i in $(seq 20); do
	"$K" copy -i "many$i" "${COMMON[@]}" "$(target busy)" >"many$i.out" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}" # not a bare wait: the hosts' sshd run in the background too
for i in $(seq 20); do
	grep -q "installed and verified" "many$i.out" || fail "concurrent copy $i: $(cat "many$i.out")"
	grep -qF "$(cut -d' ' -f2 "many$i.pub")" "$(ak busy)" || fail "key $i lost"
done
[ "$(grep -c . "$(ak busy)")" = 21 ] || fail "expected 21 lines: $(wc -l <"$(ak busy)")"
pass

# 13. a csh login shell
need_csh=$(command -v csh || true)
if [ -n "$need_csh" ]; then
	C=sktest-csh$$
	testbed_add_user "$C" "$PW" "$need_csh"
	testbed_host_up cshhost && testbed_home cshhost "$C" >/dev/null
	"$K" copy -i id "${COMMON[@]}" "$C@127.0.0.1:$(testbed_port cshhost)" >out.txt || fail "csh: $(cat out.txt)"
	grep -q "installed and verified" out.txt || fail "csh: $(cat out.txt)"
	pass
fi

# --for-user as root: .ssh owned by root; a symlinked authorized_keys refused
testbed_host_up forroot "Match User root
	AuthorizedKeysFile /etc/ssh/root_authorized_keys"
cp id.pub "$TB_ROOT/forroot/etc/ssh/root_authorized_keys"
home=$(testbed_home forroot "$U")
mkdir -m 755 "$home/.ssh" # owned by root: sshd accepts that
"$K" copy -i id2 -i id "${COMMON[@]}" --for-user "$U" "root@127.0.0.1:$(testbed_port forroot)" >out.txt ||
	fail "--for-user: $(cat out.txt)"
[ "$(stat -c '%a %U' "$(ak forroot)")" = "600 $U" ] || fail "--for-user: file not the user's"
key_login forroot id2 || fail "--for-user: no key login for the user"
echo precious >"$WORK/elsewhere"
rm "$(ak forroot)"
ln -s "$WORK/elsewhere" "$(ak forroot)"
"$K" copy -i id3 -i id "${COMMON[@]}" --for-user "$U" "root@127.0.0.1:$(testbed_port forroot)" >out.txt &&
	fail "a symlinked authorized_keys must be refused"
grep -q "symbolic link" out.txt || fail "symlink message: $(cat out.txt)"
[ "$(cat "$WORK/elsewhere")" = precious ] || fail "written through a symlink"
pass

# as root, the AuthorizedKeysFile sshd really uses (sshd -T) is honoured
testbed_host_up akf "AuthorizedKeysFile /etc/ssh/keys/%u
Match User root
	AuthorizedKeysFile /etc/ssh/root_authorized_keys"
cp id.pub "$TB_ROOT/akf/etc/ssh/root_authorized_keys"
mkdir -m 755 "$TB_ROOT/akf/etc/ssh/keys"
testbed_home akf "$U" >/dev/null
"$K" copy -i id2 -i id "${COMMON[@]}" --for-user "$U" "root@127.0.0.1:$(testbed_port akf)" >out.txt ||
	fail "AuthorizedKeysFile: $(cat out.txt)"
grep -q "/etc/ssh/keys/$U" out.txt || fail "AuthorizedKeysFile path not used: $(cat out.txt)"
[ -f "$TB_ROOT/akf/etc/ssh/keys/$U" ] || fail "no /etc/ssh/keys/$U"
[ -e "$TB_ROOT/akf/home/$U/.ssh" ] && fail "~/.ssh written although sshd does not read it"
key_login akf id2 || fail "no key login through AuthorizedKeysFile"
pass

# --for-user through sudo (issue 15): an administrator logs in as herself and works on
# another account as root with sudo (her password, asked once for the fleet; or NOPASSWD);
# an account that cannot sudo is refused with sudo's own words, nothing changed
S=sktest-s$$ # sudo with a password
N=sktest-x$$ # sudo without one
X=sktest-z$$ # no sudo
for u in "$S" "$N" "$X"; do testbed_add_user "$u" "$PW" || fail "useradd $u"; done
SUDOERS=/etc/sudoers.d/sshkeyctl-copy-$$
printf '%s ALL=(ALL:ALL) ALL\n%s ALL=(ALL:ALL) NOPASSWD: ALL\n' "$S" "$N" >"$SUDOERS"
chmod 440 "$SUDOERS"
cleanup_hooks+=("rm -f $SUDOERS")
testbed_host_up viasudo
testbed_home viasudo "$U" >/dev/null
for u in "$S" "$N" "$X"; do testbed_home viasudo "$u" >/dev/null; done
"$K" copy -i id2 "${COMMON[@]}" --for-user "$U" "$S@127.0.0.1:$(testbed_port viasudo)" >out.txt 2>&1 ||
	fail "--for-user through sudo: $(cat out.txt)"
grep -q "installed and verified" out.txt || fail "--for-user through sudo: $(cat out.txt)"
[ "$(stat -c '%a %U' "$(ak viasudo)")" = "600 $U" ] || fail "through sudo: file not the user's"
key_login viasudo id2 || fail "through sudo: no key login for the user"
[ -e "$TB_ROOT/viasudo/home/$S/.ssh/authorized_keys" ] && fail "through sudo: written for the login account"
rm -f "$(ak viasudo)"
"$K" copy -i id2 "${COMMON[@]}" --for-user "$U" "$N@127.0.0.1:$(testbed_port viasudo)" >out.txt 2>&1 ||
	fail "--for-user through sudo -n: $(cat out.txt)"
key_login viasudo id2 || fail "through sudo -n: no key login for the user"
rm -f "$(ak viasudo)"
"$K" copy -i id2 "${COMMON[@]}" --for-user "$U" "$X@127.0.0.1:$(testbed_port viasudo)" >out.txt 2>&1 &&
	fail "--for-user without sudo rights accepted"
grep -q "sudo refused $X\|not allowed\|not in the sudoers" out.txt || fail "no sudo: $(cat out.txt)"
[ -e "$(ak viasudo)" ] && fail "no sudo: the user's file was written"
# perms and doctor the same way
"$K" copy -i id2 "${COMMON[@]}" --for-user "$U" "$N@127.0.0.1:$(testbed_port viasudo)" >/dev/null 2>&1
chmod 666 "$(ak viasudo)"
"$K" perms --fix -i id2 --password-file pw -o "UserKnownHostsFile=$KH" --for-user "$U" \
	"$S@127.0.0.1:$(testbed_port viasudo)" >out.txt 2>&1 || fail "perms --for-user through sudo: $(cat out.txt)"
# others' write bit gone (the group's stays: Debian's sshd allows the user's own group)
case $(stat -c '%a' "$(ak viasudo)") in *[2367]) fail "perms through sudo: mode $(stat -c '%a' "$(ak viasudo)")" ;; esac
"$K" doctor -i id2 --password-file pw -o "UserKnownHostsFile=$KH" --for-user "$U" \
	"$S@127.0.0.1:$(testbed_port viasudo)" >out.txt 2>&1
grep -q "PASS server: authorized_keys" out.txt || fail "doctor --for-user through sudo: $(cat out.txt)"
pass

# only the public half at hand: installed, not proven, and the status says so (5)
"$K" keygen -q -f pubonly --no-passphrase -C pubonly || fail "keygen pubonly"
rm pubonly
testbed_host_up pubonly || fail "host pubonly"
testbed_home pubonly "$U" >/dev/null
expect_status 5 "installed, not verified" -- "$K" copy -i pubonly.pub "${COMMON[@]}" "$(target pubonly)" >out.txt
grep -q "installed, not verified\|installed not verified" out.txt || fail "pubonly: $(cat out.txt)"
grep -qF "$(cut -d' ' -f2 pubonly.pub)" "$(ak pubonly)" || fail "pubonly: not installed"

# a lock left by a run that died (a Ctrl-C, a cut connection) is broken, said so, at
# once; over SFTP too
for way in sh sftp; do
	testbed_host_up "stale$way" || fail "host stale$way"
	home=$(testbed_home "stale$way" "$U")
	mkdir -p -m 700 "$home/.ssh/.sshkeyctl.lock"
	echo "sshkeyctl pid 4242 from 127.0.0.9 since 2026-01-01T00:00:00Z" >"$home/.ssh/.sshkeyctl.lock/owner"
	chown -R "$U:" "$home/.ssh"
	touch -d "-5 minutes" "$home/.ssh/.sshkeyctl.lock"
	extra=()
	[ $way = sftp ] && extra=(--sftp)
	start=$(date +%s)
	"$K" copy -i id "${COMMON[@]}" "${extra[@]}" "$U@127.0.0.1:$(testbed_port "stale$way")" >out.txt ||
		fail "stale lock ($way): $(cat out.txt)"
	[ $(($(date +%s) - start)) -lt 20 ] || fail "stale lock ($way): it waited"
	grep -q "break a stale lock .*\.sshkeyctl\.lock (sshkeyctl pid 4242 from 127.0.0.9" out.txt ||
		fail "stale lock ($way) not named: $(cat out.txt)"
	[ -e "$home/.ssh/.sshkeyctl.lock" ] && fail "stale lock ($way) left"
	grep -qF "$(cut -d' ' -f2 id.pub)" "$home/.ssh/authorized_keys" || fail "stale lock ($way): no key"
done
pass

# new known_hosts entries follow HashKnownHosts, and OpenSSH reads them
for hash in yes no; do
	"$K" copy -i id --password-file pw --accept-new -o "HashKnownHosts=$hash" \
		-o "UserKnownHostsFile=$WORK/kh_$hash" "$(target edits)" >out.txt || fail "HashKnownHosts=$hash: $(cat out.txt)"
	name="[127.0.0.1]:$(testbed_port edits)"
	case $hash in
	yes) grep -q '^|1|' "kh_$hash" || fail "not hashed: $(cat "kh_$hash")" ;;
	no) grep -qF "$name ssh-" "kh_$hash" || fail "not plain: $(cat "kh_$hash")" ;;
	esac
	ssh-keygen -F "$name" -f "kh_$hash" | grep -q "found" || fail "ssh-keygen -F cannot find the $hash entry"
	[ "$(mode_of "kh_$hash")" = 600 ] || fail "known_hosts mode $(mode_of "kh_$hash")"
	ssh -F /dev/null -i id -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$WORK/kh_$hash" \
		-p "$(testbed_port edits)" "$U@127.0.0.1" true || fail "ssh rejects our $hash entry"
done
pass

# 12. the target's disk full: the original intact, the error reported
if mount -t tmpfs -o size=16k tmpfs "$TB_ROOT/fresh/home" 2>/dev/null; then
	cleanup_hooks=("umount '$TB_ROOT/fresh/home' 2>/dev/null" "${cleanup_hooks[@]}")
	testbed_host_down fresh
	testbed_host_up full
	umount "$TB_ROOT/fresh/home"
	if mount -t tmpfs -o size=16k tmpfs "$TB_ROOT/full/home"; then
		home=$(testbed_home full "$U")
		mkdir -m 700 "$home/.ssh" && cp id2.pub "$home/.ssh/authorized_keys" && chown -R "$U" "$home/.ssh"
		cp "$home/.ssh/authorized_keys" before
		dd if=/dev/zero of="$home/filler" bs=1k count=64 2>/dev/null
		big=()
		for i in $(seq 20); do big+=(-i "many$i"); done
		"$K" copy "${big[@]}" "${COMMON[@]}" "$(target full)" >out.txt && fail "full disk must fail"
		grep -q "failed" out.txt || fail "full disk: $(cat out.txt)"
		same "$home/.ssh/authorized_keys" before "full disk: the original is intact"
		[ -z "$(ls -A "$home/.ssh" | grep -v authorized_keys)" ] || fail "full disk: leftovers $(ls -A "$home/.ssh")"
		umount "$TB_ROOT/full/home"
		pass
	fi
fi
done_checks
