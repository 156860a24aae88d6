#!/bin/bash
# copy over SFTP: an account that can only speak SFTP (ForceCommand internal-sftp, no shell)
# is detected and served over SFTP; --sftp on an ordinary account; SFTP and sh writers share
# one lock. Every scenario checks the host's files and a real key login with OpenSSH.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../testbed/testbed.sh"
need_cmd ssh
need_cmd sftp
testbed_init "$WORK/tb"
cleanup_hooks+=("testbed_cleanup")

S=sktest-sf$$ # SFTP only
U=sktest-sh$$ # an ordinary account
PW="pw of $S"
testbed_add_user "$S" "$PW" /usr/sbin/nologin || fail "useradd"
testbed_add_user "$U" "$PW" || fail "useradd"
echo "$PW" >pw
for k in id id2 id3; do "$K" keygen -q -f $k --no-passphrase -C "$k@laptop" || fail "keygen"; done
KH=$WORK/known_hosts
COMMON=(--password-file pw --accept-new -o "UserKnownHostsFile=$KH")

testbed_host_up sftponly "Match User $S
	ForceCommand internal-sftp"
PORT=$(testbed_port sftponly)
ak() { echo "$TB_ROOT/sftponly/home/$1/.ssh/authorized_keys"; }
# OpenSSH's sftp logs in with the key alone (the account has no shell for ssh to run)
sftp_key_login() { # USER KEY
	echo pwd | sftp -F /dev/null -i "$2" -o IdentitiesOnly=yes -o IdentityAgent=none \
		-o BatchMode=yes -o UserKnownHostsFile="$KH" -o PreferredAuthentications=publickey \
		-P "$PORT" -b - "$1@127.0.0.1" >/dev/null 2>&1
}

# the account really has no shell: ssh cannot run a command there
testbed_home sftponly "$S" >/dev/null
sshpass -f pw ssh -F /dev/null -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no \
	-p "$PORT" "$S@127.0.0.1" 'echo shell' 2>/dev/null | grep -q shell &&
	fail "the test account must not have a shell"
pass

# 1. a fresh SFTP-only account: found out without --sftp; .ssh 0700, file 0600, the user's
"$K" copy -i id "${COMMON[@]}" "$S@127.0.0.1:$PORT" >out.txt || fail "sftp fresh: $(cat out.txt)"
grep -q "installed and verified" out.txt || fail "sftp fresh: $(cat out.txt)"
[ "$(stat -c '%a %U' "$(dirname "$(ak "$S")")")" = "700 $S" ] || fail "sftp: .ssh mode/owner"
[ "$(stat -c '%a %U' "$(ak "$S")")" = "600 $S" ] || fail "sftp: file mode/owner"
same "$(ak "$S")" id.pub "sftp: the file holds the key"
sftp_key_login "$S" id || fail "sftp: no key login"
ls -A "$(dirname "$(ak "$S")")" | grep -q sshkeyctl && fail "sftp: lock or temp file left behind"
pass

# 2. an existing CRLF file without a final newline, mode 0640: bytes and mode kept
printf '# mine\r\n%s' "$(cat id.pub)" >"$(ak "$S")"
chmod 640 "$(ak "$S")"
cp "$(ak "$S")" before
"$K" copy -i id2 "${COMMON[@]}" "$S@127.0.0.1:$PORT" >out.txt || fail "sftp edit: $(cat out.txt)"
printf '# mine\r\n%s\r\n%s\r\n' "$(cat id.pub)" "$(cat id2.pub)" >want
same "$(ak "$S")" want "sftp: old bytes kept, the new key added CRLF-style"
[ "$(mode_of "$(ak "$S")")" = 640 ] || fail "sftp: mode not kept: $(mode_of "$(ak "$S")")"
sftp_key_login "$S" id2 || fail "sftp: no login with the added key"
# the same key again: nothing written
cp "$(ak "$S")" before
"$K" copy -i id2 "${COMMON[@]}" "$S@127.0.0.1:$PORT" >out.txt || fail "sftp again: $(cat out.txt)"
grep -q "already present" out.txt || fail "sftp again: $(cat out.txt)"
same "$(ak "$S")" before "sftp: a present key changes nothing"

# 3. --dry-run over SFTP: a diff, no change
"$K" copy -i id3 --dry-run "${COMMON[@]}" "$S@127.0.0.1:$PORT" >out.txt || fail "sftp dry run: $(cat out.txt)"
grep -q "^+$(cut -d' ' -f1 id3.pub) " out.txt || fail "sftp dry run shows no diff: $(cat out.txt)"
same "$(ak "$S")" before "sftp dry run changes nothing"

# 4. home 0777 fixed over SFTP (chmod, never chown), then the key logs in
chmod 777 "$TB_ROOT/sftponly/home/$S"
"$K" copy -i id3 "${COMMON[@]}" "$S@127.0.0.1:$PORT" >out.txt || fail "sftp home 0777: $(cat out.txt)"
grep -q "chmod 755 /home/$S" out.txt || fail "sftp: the fix is not reported: $(cat out.txt)"
[ "$(mode_of "$TB_ROOT/sftponly/home/$S")" = 755 ] || fail "sftp: home not fixed"
sftp_key_login "$S" id3 || fail "sftp: no key login after the fix"
pass

# 5. a file owned by root: a replacement written over SFTP would be the user's: refused
chown root "$(ak "$S")"
chmod 644 "$(ak "$S")"
cp "$(ak "$S")" before
"$K" keygen -q -f id4 --no-passphrase -C id4
"$K" copy -i id4 "${COMMON[@]}" "$S@127.0.0.1:$PORT" >out.txt && fail "sftp: root's file must be refused"
grep -q "belongs to uid 0" out.txt || fail "sftp root-owned: $(cat out.txt)"
same "$(ak "$S")" before "sftp: root's file untouched"
[ "$(stat -c %U "$(ak "$S")")" = root ] || fail "sftp: owner changed"

# 6. --sftp on an ordinary account; --for-user with --sftp is a usage error
testbed_home sftponly "$U" >/dev/null
"$K" copy -i id --sftp "${COMMON[@]}" "$U@127.0.0.1:$PORT" >out.txt || fail "--sftp: $(cat out.txt)"
grep -q "installed and verified" out.txt || fail "--sftp: $(cat out.txt)"
same "$(ak "$U")" id.pub "--sftp: the file holds the key"
expect_status 2 "--sftp --for-user" -- "$K" copy -i id --sftp --for-user "$U" "root@127.0.0.1:$PORT"

# 7. SFTP and sh writers at once on one account: every key arrives (one shared lock)
pids=()
for i in $(seq 12); do
	"$K" keygen -q -f "many$i" --no-passphrase -C "many$i"
	if [ $((i % 2)) = 0 ]; then mode=--sftp; else mode=--no-fix; fi
	"$K" copy -i "many$i.pub" "$mode" "${COMMON[@]}" "$U@127.0.0.1:$PORT" >"many$i.out" 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || true; done
for i in $(seq 12); do
	grep -qF "$(cut -d' ' -f2 "many$i.pub")" "$(ak "$U")" || fail "key $i lost: $(cat "many$i.out")"
done
[ "$(grep -c . "$(ak "$U")")" = 13 ] || fail "expected 13 lines: $(wc -l <"$(ak "$U")")"
pass

done_checks
