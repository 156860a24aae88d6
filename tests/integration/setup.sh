#!/bin/bash
# setup: no key yet -> one is created (passphrase from a file), installed on every host,
# proven by a key login, and the way to log in is printed; a second run changes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../testbed/testbed.sh"
need_cmd ssh
testbed_init "$WORK/tb"
cleanup_hooks+=("testbed_cleanup")
U=sktest-s$$
testbed_add_user "$U" "secret $U" || fail "useradd"
echo "secret $U" >pw
echo "key passphrase" >kp
targets=()
for h in one two; do
	testbed_host_up "$h" && testbed_home "$h" "$U" >/dev/null || fail "host $h"
	targets+=("$U@127.0.0.1:$(testbed_port "$h")")
done
"$K" setup -i "$WORK/keys/id_ed25519" --passphrase-file kp --password-file pw --accept-new \
	-o "UserKnownHostsFile=$WORK/kh" "${targets[@]}" >out.txt || fail "setup: $(cat out.txt)"
[ -f keys/id_ed25519 ] && [ "$(mode_of keys/id_ed25519)" = 600 ] || fail "key not created 0600"
[ "$(mode_of keys)" = 700 ] || fail "key directory not 0700"
ssh-keygen -y -P "key passphrase" -f keys/id_ed25519 >/dev/null || fail "new key passphrase"
[ "$(grep -c ": installed and verified" out.txt)" = 2 ] || fail "setup: $(cat out.txt)"
grep -q "^  ssh -i $WORK/keys/id_ed25519 -p $(testbed_port one) $U@127.0.0.1$" out.txt || fail "next steps: $(cat out.txt)"
# a key with a passphrase: the agent, for a while, so that ssh asks it once
grep -q "^  ssh-add -t 1h $WORK/keys/id_ed25519$" out.txt || fail "no ssh-add line: $(cat out.txt)"
for h in one two; do
	[ "$(cut -d' ' -f1,2 "$TB_ROOT/$h/home/$U/.ssh/authorized_keys")" = "$(cut -d' ' -f1,2 keys/id_ed25519.pub)" ] ||
		fail "$h: authorized_keys"
done
pass
cp keys/id_ed25519 key.before
"$K" setup -i "$WORK/keys/id_ed25519" --passphrase-file kp --password-file pw \
	-o "UserKnownHostsFile=$WORK/kh" "${targets[@]}" >out.txt || fail "second setup: $(cat out.txt)"
same keys/id_ed25519 key.before "an existing key is used, not replaced"
[ "$(grep -c ": already present" out.txt)" = 2 ] || fail "second run: $(cat out.txt)"
# without a terminal and without a passphrase choice, no key is made
expect_status 4 "no passphrase decision" -- setsid "$K" setup -i "$WORK/keys/other" --password-file pw \
	-o "UserKnownHostsFile=$WORK/kh" "${targets[0]}" </dev/null >/dev/null 2>&1
[ -e keys/other ] && fail "a key was made without a passphrase decision"
# the tutorials' RSA 4096 (-b), refused below OpenSSH's minimum as keygen refuses it
"$K" setup -t rsa -b 4096 -i "$WORK/keys/rsa4096" --no-passphrase --password-file pw \
	-o "UserKnownHostsFile=$WORK/kh" "${targets[0]}" >out.txt || fail "setup -b 4096: $(cat out.txt)"
ssh-keygen -l -f keys/rsa4096.pub | grep -q "^4096 " || fail "not a 4096-bit key: $(ssh-keygen -l -f keys/rsa4096.pub)"
expect_status 2 "setup -b 1024" -- "$K" setup -t rsa -b 1024 -i "$WORK/keys/rsa1024" --no-passphrase \
	--password-file pw -o "UserKnownHostsFile=$WORK/kh" "${targets[0]}" 2>/dev/null
[ -e keys/rsa1024 ] && fail "a 1024-bit key was made"
pass

# --config-alias: a Host entry where ssh reads it (here the -F file), before the first
# block, every other byte kept; then `ssh ALIAS` logs in with the key; a second time, the
# entry is there: refused, nothing changed
printf '# my settings\nServerAliveInterval 30\n\nHost *\n\tUser nobody-else\n' >cfg
cp cfg cfg.before
"$K" setup -i "$WORK/keys/aliaskey" --no-passphrase --password-file pw -F cfg \
	-o "UserKnownHostsFile=$WORK/kh" --config-alias web-one "${targets[0]}" >out.txt 2>&1 ||
	fail "--config-alias: $(cat out.txt)"
grep -q "Added 'Host web-one' to cfg" out.txt || fail "--config-alias: $(cat out.txt)"
head -3 cfg | cmp -s - <(head -3 cfg.before) || fail "the global lines moved: $(cat cfg)"
sed -n '4,9p' cfg >entry
printf 'Host web-one\n\tHostName 127.0.0.1\n\tUser %s\n\tPort %s\n\tIdentityFile %s\n\tIdentitiesOnly yes\n' \
	"$U" "$(testbed_port one)" "$WORK/keys/aliaskey" >want_entry
same entry want_entry "the Host entry"
tail -n 3 cfg | cmp -s - <(tail -n 3 cfg.before) || fail "the Host * block changed: $(cat cfg)"
ssh -F cfg -o BatchMode=yes -o UserKnownHostsFile="$WORK/kh" web-one true </dev/null ||
	fail "ssh web-one does not log in"
cp cfg cfg.after
expect_status 5 "--config-alias again" -- "$K" setup -i "$WORK/keys/aliaskey" --no-passphrase \
	--password-file pw -F cfg -o "UserKnownHostsFile=$WORK/kh" --config-alias web-one \
	"${targets[0]}" >out.txt 2>&1
grep -q "already has a Host entry" out.txt || fail "second alias: $(cat out.txt)"
same cfg cfg.after "a refused alias changes nothing"
expect_status 2 "--config-alias, two targets" -- "$K" setup -i "$WORK/keys/aliaskey" \
	--no-passphrase --password-file pw --config-alias x "${targets[@]}" 2>/dev/null
pass
done_checks
