#!/bin/bash
# revoke against real sshd hosts: a key taken out of every file sshd reads (by blob: other
# options, comments, CRLF), every other byte kept; proven by publickey queries and by a
# real ssh login that now fails; the login key kept unless asked, and then only after
# another way in logged in; a key sshd still takes from AuthorizedKeysCommand reported as
# not proven; a link planted as the file never replaced; --dry-run changes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../testbed/testbed.sh"
testbed_suite

U=sktest-ra$$
V=sktest-rb$$
S=sktest-rc$$
PW="pw of revoke"
for u in "$U" "$V" "$S"; do testbed_add_user "$u" "$PW" || fail "useradd $u"; done
echo "$PW" >pw
KH=$WORK/known_hosts
COMMON=(--accept-new -o "UserKnownHostsFile=$KH")
SUDOERS=/etc/sudoers.d/sshkeyctl-revoke-$$
printf '%s ALL=(ALL:ALL) ALL\n' "$S" >"$SUDOERS"
chmod 440 "$SUDOERS"
cleanup_hooks+=("rm -f $SUDOERS")
for k in ua lost other rootkey; do "$K" keygen -q -f $k --no-passphrase -C "$k@laptop" || fail "keygen $k"; done
"$K" keygen -q -f old --no-passphrase -C "me@old-laptop" || fail "keygen old"
FP_LOST=$(ssh-keygen -lf lost.pub | awk '{print $2}')

testbed_host_up h1 "Match User root
	AuthorizedKeysFile /etc/ssh/root_keys" || fail "host"
R=$(testbed_root h1)
PORT=$(testbed_port h1)
cp rootkey.pub "$R/etc/ssh/root_keys"
testbed_authorize h1 "$U" ua.pub
AK=$R/home/$U/.ssh/authorized_keys
{
	printf 'from="127.0.0.1",no-pty %s lost in another comment\n' "$(cut -d' ' -f1,2 lost.pub)"
	cat other.pub
	echo "# a comment line that names $(cut -d' ' -f2 lost.pub) stays"
	cat old.pub
} >>"$AK"
printf '%s\r\n%s\r\n' "$(cat lost.pub)" "$(cat other.pub)" >"$AK"2
chown "$U:" "$AK"2
chmod 600 "$AK"2
testbed_authorize h1 "$V" lost.pub
cat old.pub >>"$R/home/$V/.ssh/authorized_keys"
testbed_home h1 "$S" >/dev/null
# what each file must become: every other byte as it was
grep -v "$(cut -d' ' -f2 lost.pub) lost" "$AK" >ak.want
grep -c "" ak.want >/dev/null
printf '%s\r\n' "$(cat other.pub)" >ak2.want
cp "$AK" ak.before
cp "$AK"2 ak2.before
MODE_BEFORE=$(stat -c '%a %U' "$AK")
cp "$R/home/$V/.ssh/authorized_keys" v.before

key_login() { # KEY USER: a real ssh login
	ssh -F /dev/null -i "$1" -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile="$KH" \
		-o StrictHostKeyChecking=accept-new -p "$PORT" "$2@127.0.0.1" true 2>/dev/null
}
key_login lost "$U" || fail "the lost key does not log in before"
key_login lost "$V" || fail "the lost key does not log in for V before"

# --dry-run: the diff, nothing changed
"$K" revoke --dry-run -i ua "${COMMON[@]}" lost.pub "$U@127.0.0.1:$PORT" >out.txt 2>&1 ||
	fail "dry run: $(cat out.txt)"
grep -q "would remove 2 lines from 2 files" out.txt || fail "dry run: $(cat out.txt)"
grep -q "^  -from=\"127.0.0.1\",no-pty ssh-ed25519 " out.txt || fail "dry run diff: $(cat out.txt)"
same "$AK" ak.before "dry run changed authorized_keys"
same "$AK"2 ak2.before "dry run changed authorized_keys2"

# the login account's own files: both lose the key, by blob; proven; ssh agrees
"$K" revoke -i ua "${COMMON[@]}" lost.pub "$U@127.0.0.1:$PORT" >out.txt 2>&1 ||
	fail "revoke: $(cat out.txt)"
grep -q "OK: revoked, proven: 2 lines from 2 files; 1 account refuse it" out.txt || fail "revoke: $(cat out.txt)"
grep -q "proof: $U: $FP_LOST refused (publickey query)" out.txt || fail "proof: $(cat out.txt)"
same "$AK" ak.want "authorized_keys after revoke"
same "$AK"2 ak2.want "authorized_keys2 after revoke (CRLF kept)"
[ "$(stat -c '%a %U' "$AK")" = "$MODE_BEFORE" ] || fail "owner or mode changed: $(stat -c '%a %U' "$AK")"
key_login lost "$U" && fail "the revoked key still logs in"
key_login lost "$V" || fail "another account lost the key (the login account's view only)"
same "$R/home/$V/.ssh/authorized_keys" v.before "another account's file changed"
pass
# again: nothing there, OK
"$K" revoke -i ua "${COMMON[@]}" lost.pub "$U@127.0.0.1:$PORT" >out.txt 2>&1 || fail "again: $(cat out.txt)"
grep -q "OK: no such key here" out.txt || fail "again: $(cat out.txt)"
pass

# root's view, by fingerprint: every account; the key found there recorded in a KRL that
# ssh-keygen -Q reads, the given fingerprint too
"$K" keygen -q -f elsewhere --no-passphrase -C elsewhere || fail "keygen"
FP_ELSEWHERE=$(ssh-keygen -lf elsewhere.pub | awk '{print $2}')
"$K" revoke -i rootkey "${COMMON[@]}" --krl revoked.krl "$FP_LOST" "$FP_ELSEWHERE" "root@127.0.0.1:$PORT" >out.txt 2>&1 ||
	fail "root revoke by fingerprint: $(cat out.txt)"
grep -q "removed 1 line from /home/$V/.ssh/authorized_keys ($V)" out.txt || fail "root view: $(cat out.txt)"
key_login lost "$V" && fail "the revoked key still logs in for V"
ssh-keygen -Q -f revoked.krl lost.pub elsewhere.pub >q.txt 2>&1
[ $? = 1 ] || fail "ssh-keygen -Q: $(cat q.txt)"
grep -q "lost.pub (lost@laptop): REVOKED" q.txt && grep -q "elsewhere.pub (elsewhere): REVOKED" q.txt ||
	fail "KRL: $(cat q.txt)"
ssh-keygen -Q -f revoked.krl other.pub >q.txt 2>&1 || fail "KRL revokes a key never named: $(cat q.txt)"
# extended by the next revoke, version 2, the first keys kept
"$K" revoke -i rootkey "${COMMON[@]}" --krl revoked.krl --dry-run other.pub "root@127.0.0.1:$PORT" >/dev/null 2>&1
ssh-keygen -Q -f revoked.krl other.pub >/dev/null 2>&1 || fail "a dry run wrote the KRL"
"$K" keygen -q -f gone --no-passphrase -C gone || fail "keygen"
"$K" revoke -i rootkey "${COMMON[@]}" --krl revoked.krl gone.pub "root@127.0.0.1:$PORT" >/dev/null 2>&1 ||
	fail "revoke gone.pub"
ssh-keygen -Q -f revoked.krl lost.pub gone.pub >q.txt 2>&1
[ "$(grep -c REVOKED q.txt)" = 2 ] || fail "KRL extended: $(cat q.txt)"
ssh-keygen -Qlf revoked.krl | grep -q "KRL version 2" || fail "KRL version: $(ssh-keygen -Qlf revoked.krl)"
pass

# --for-user NAME: that account's files alone, as root (one file: one helper run) and
# through sudo (an account with two files: the inventory's way); other accounts untouched
"$K" keygen -q -f named --no-passphrase -C named || fail "keygen"
cat named.pub >>"$AK"
cat named.pub >>"$AK"2
cat named.pub >>"$R/home/$V/.ssh/authorized_keys"
cp "$AK" ak.before
cp "$AK"2 ak2.before
grep -v named "$R/home/$V/.ssh/authorized_keys" >v.want
"$K" revoke -i rootkey "${COMMON[@]}" --for-user "$V" named.pub "root@127.0.0.1:$PORT" >out.txt 2>&1 ||
	fail "--for-user as root: $(cat out.txt)"
grep -q "OK: revoked, proven: 1 line from 1 file; 1 account refuse it" out.txt || fail "--for-user: $(cat out.txt)"
grep -q "removed 1 line from /home/$V/.ssh/authorized_keys ($V)" out.txt || fail "--for-user: $(cat out.txt)"
same "$R/home/$V/.ssh/authorized_keys" v.want "--for-user: V's file"
[ "$(stat -c %U "$R/home/$V/.ssh/authorized_keys")" = "$V" ] || fail "--for-user: owner changed"
same "$AK" ak.before "--for-user V changed U's file"
key_login named "$V" && fail "--for-user: the key still logs in for V"
key_login named "$U" || fail "--for-user: U lost the key"
"$K" revoke --for-user "$U" --password-file pw "${COMMON[@]}" named.pub "$S@127.0.0.1:$PORT" >out.txt 2>&1 ||
	fail "--for-user through sudo: $(cat out.txt)"
grep -q "OK: revoked, proven: 2 lines from 2 files; 1 account refuse it" out.txt || fail "--for-user sudo: $(cat out.txt)"
grep -q named "$AK" "$AK"2 && fail "--for-user through sudo left a line"
key_login named "$U" && fail "--for-user: the key still logs in for U"
expect_status 2 "--for-user with --all-accounts" -- "$K" revoke --for-user "$U" --all-accounts named.pub "$S@127.0.0.1:$PORT"
pass

# by comment pattern, through sudo (the password asked once: the password file)
"$K" revoke --all-accounts --password-file pw "${COMMON[@]}" --comment '*@old-laptop' \
	"$S@127.0.0.1:$PORT" >out.txt 2>&1 || fail "revoke --comment through sudo: $(cat out.txt)"
grep -q "2 lines from 2 files; 2 accounts refuse it" out.txt || fail "--comment: $(cat out.txt)"
grep -q "old-laptop" "$AK" "$R/home/$V/.ssh/authorized_keys" && fail "--comment left a line"
pass

# the login key: refused, nothing changed; with --including-login-key and another key
# that logs in, removed
cp "$AK" ak.before
"$K" revoke -i ua "${COMMON[@]}" ua.pub "$U@127.0.0.1:$PORT" >out.txt 2>&1 &&
	fail "the login key was removed without --including-login-key"
grep -q "refusing to remove the key this run logged in with" out.txt || fail "login key: $(cat out.txt)"
same "$AK" ak.before "the refused revoke changed the file"
"$K" revoke -i ua "${COMMON[@]}" --including-login-key ua.pub "$U@127.0.0.1:$PORT" >out.txt 2>&1 &&
	fail "login key removed with no other way in"
grep -q "no other way in was proven" out.txt || fail "no other way in: $(cat out.txt)"
same "$AK" ak.before "the login key went with no other way in"
"$K" revoke -i ua -i other "${COMMON[@]}" --including-login-key ua.pub "$U@127.0.0.1:$PORT" >out.txt 2>&1 ||
	fail "login key with another way in: $(cat out.txt)"
key_login ua "$U" && fail "the login key still logs in"
key_login other "$U" || fail "the other way in is gone"
pass

# a key sshd still takes from AuthorizedKeysCommand: removed from the files, not proven (5)
cat >"$R/etc/ssh/akc" <<EOF
#!/bin/sh
[ "\$1" = "$U" ] && echo "$(cat lost.pub)"
exit 0
EOF
chmod 755 "$R/etc/ssh/akc"
cat >"$R/etc/ssh/sshd_config.d/akc.conf" <<EOF
AuthorizedKeysCommand /etc/ssh/akc %u
AuthorizedKeysCommandUser nobody
EOF
testbed_reload h1
sleep 0.5
cat lost.pub >>"$AK"
"$K" revoke -i other "${COMMON[@]}" lost.pub "$U@127.0.0.1:$PORT" >out.txt 2>&1
[ $? = 5 ] || fail "a key the server still takes: $(cat out.txt)"
grep -q "WARN: removed, but not proven" out.txt || fail "unproven: $(cat out.txt)"
grep -q "STILL ACCEPTED" out.txt || fail "unproven proof line: $(cat out.txt)"
grep -q "^$(cut -d' ' -f1,2 lost.pub)" "$AK" && fail "not removed from the file"
pass

# an account with one authorized_keys file (the usual case: one helper reads, matches and
# writes): the key goes, proven; its login key refused
"$K" keygen -q -f vlost --no-passphrase -C "vlost@laptop" || fail "keygen"
cat other.pub vlost.pub >"$R/home/$V/.ssh/authorized_keys"
cp "$R/home/$V/.ssh/authorized_keys" v.before
"$K" revoke -i other "${COMMON[@]}" other.pub "$V@127.0.0.1:$PORT" >out.txt 2>&1 &&
	fail "V's login key removed: $(cat out.txt)"
grep -q "refusing to remove the key this run logged in with" out.txt || fail "V login key: $(cat out.txt)"
same "$R/home/$V/.ssh/authorized_keys" v.before "the refused revoke changed V's file"
"$K" revoke -i other "${COMMON[@]}" vlost.pub "$V@127.0.0.1:$PORT" >out.txt 2>&1 || fail "V revoke: $(cat out.txt)"
grep -q "OK: revoked, proven: 1 line from 1 file; 1 account refuse it" out.txt || fail "V revoke: $(cat out.txt)"
grep -q "removed 1 line from /home/$V/.ssh/authorized_keys ($V)" out.txt || fail "V revoke: $(cat out.txt)"
[ "$(cat "$R/home/$V/.ssh/authorized_keys")" = "$(cat other.pub)" ] || fail "V's file after revoke"
pass

# --install-krl: the KRL on the host through harden's transaction; a revoked key put back
# into authorized_keys still cannot log in, another key still does
"$K" keygen -q -f lost2 --no-passphrase -C "lost2@laptop" || fail "keygen"
cat lost2.pub >>"$AK"
"$K" revoke -i rootkey "${COMMON[@]}" --krl inst.krl --install-krl lost2.pub "root@127.0.0.1:$PORT" >out.txt 2>&1 ||
	fail "--install-krl: $(cat out.txt)"
grep -q "KRL installed: /etc/ssh/sshkeyctl_revoked_keys, named by RevokedKeys" out.txt || fail "--install-krl: $(cat out.txt)"
cmp -s inst.krl "$R/etc/ssh/sshkeyctl_revoked_keys" || fail "the installed KRL is not the local one"
ssh-keygen -Q -f "$R/etc/ssh/sshkeyctl_revoked_keys" lost2.pub >/dev/null 2>&1 && fail "the KRL does not revoke lost2"
cat lost2.pub >>"$AK"
key_login lost2 "$U" && fail "a revoked key put back into authorized_keys logs in"
key_login other "$U" || fail "another key no longer logs in after the KRL"
grep -rqx "RevokedKeys /etc/ssh/sshkeyctl_revoked_keys" "$R/etc/ssh" || fail "RevokedKeys not set"
# again: in place already
"$K" revoke -i rootkey "${COMMON[@]}" --krl inst.krl --install-krl lost2.pub "root@127.0.0.1:$PORT" >out.txt 2>&1 ||
	fail "--install-krl again: $(cat out.txt)"
grep -q "KRL already in place" out.txt || fail "--install-krl again: $(cat out.txt)"
# a RevokedKeys of the administrator's own: left alone, refused
testbed_host_up h2 || fail "host h2"
echo "RevokedKeys /etc/ssh/their_revoked" >"$(testbed_root h2)/etc/ssh/sshd_config.d/00-rk.conf"
: >"$(testbed_root h2)/etc/ssh/their_revoked"
testbed_reload h2
testbed_authorize h2 "$S" other.pub
"$K" revoke -i other "${COMMON[@]}" --password-file pw --krl inst.krl --install-krl lost2.pub \
	"$S@127.0.0.1:$(testbed_port h2)" >out.txt 2>&1 && fail "another RevokedKeys overwritten: $(cat out.txt)"
grep -q "sshd already reads revoked keys from /etc/ssh/their_revoked" out.txt || fail "their RevokedKeys: $(cat out.txt)"
[ -e "$(testbed_root h2)/etc/ssh/sshkeyctl_revoked_keys" ] && fail "the KRL was written beside theirs"
pass

# a link planted as authorized_keys2: never replaced, the run fails naming it
ln -sf authorized_keys "$AK"2.tmp && mv -T "$AK"2.tmp "$AK"2
chown -h "$U:" "$AK"2
cat lost.pub >>"$AK"
cp "$AK" ak.before
"$K" revoke -i other "${COMMON[@]}" lost.pub "$U@127.0.0.1:$PORT" >out.txt 2>&1 &&
	fail "a symbolic link was replaced: $(cat out.txt)"
same "$AK" ak.before "a failed revoke changed a file first"
grep -q "symbolic link (to authorized_keys); refusing to replace it; nothing changed" out.txt || fail "link: $(cat out.txt)"
[ -L "$AK"2 ] || fail "the link was replaced"
pass
done_checks
