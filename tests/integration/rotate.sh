#!/bin/bash
# rotate against real sshd hosts: the new key goes in beside the old with its options, is
# proven by a login, then the old key goes and is proven refused; every other byte of each
# file kept; at no moment (a kill -9 at each step, a host that stops answering, a changed
# host key, a new key the server refuses) can neither key log in, and a rerun finishes the
# rest; the local swap keeps IdentityFile working and archives the old pair; the state file
# is refused when edited or cut short, with nothing changed; --keep-old and --finish;
# --dry-run changes nothing; ssh-agent gets the new key in place of the old.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../testbed/testbed.sh"
testbed_suite

U=sktest-ro$$
PW="pw of rotate"
testbed_add_user "$U" "$PW" || fail "useradd $U"
echo "$PW" >pw
echo "passphrase of rotate" >pp
KH=$WORK/known_hosts
KF=$SSHKEYCTL_FAULTS
COMMON=(-o "UserKnownHostsFile=$KH" --connect-timeout 3)
"$K" keygen -q -f id -C "me@laptop" --passphrase-file pp || fail "keygen id"
"$K" keygen -q -f other --no-passphrase -C "other@laptop" || fail "keygen other"
blob() { cut -d' ' -f2 "$1"; }

testbed_host_up h1 "Match User root
	AuthorizedKeysFile /etc/ssh/root_keys" || fail "host h1"
testbed_host_up h2 || fail "host h2"
testbed_host_up h3 || fail "host h3"
for h in h1 h2 h3; do testbed_known_hosts_line "$h" >>"$KH"; done
T1="$U@127.0.0.1:$(testbed_port h1)"
T2="$U@127.0.0.1:$(testbed_port h2)"
T3="$U@127.0.0.1:$(testbed_port h3)"
R1="root@127.0.0.1:$(testbed_port h1)"
AK1=$(testbed_root h1)/home/$U/.ssh/authorized_keys
AK2=$(testbed_root h2)/home/$U/.ssh/authorized_keys
AK3=$(testbed_root h3)/home/$U/.ssh/authorized_keys
RK1=$(testbed_root h1)/etc/ssh/root_keys
# h1: the old key with options among other lines (CRLF on one, a comment naming it); the
# same key for root on h1 (another account, another file); h2, h3: the key alone
{
	printf '# keys of %s\n' "$U"
	printf 'from="127.0.0.1",no-pty %s me@laptop\n' "$(cut -d' ' -f1,2 id.pub)"
	printf '%s\r\n' "$(cat other.pub)"
	echo "# $(blob id.pub) named in a comment stays"
} >ak1
testbed_authorize h1 "$U" ak1
testbed_authorize h2 "$U" id.pub
testbed_authorize h3 "$U" id.pub
cp id.pub "$RK1"

# login KEY TARGET-PORT [USER]: a real ssh login with KEY alone
login() {
	# ssh in batch mode cannot ask the passphrase: a copy without one
	cp "$1" login.key && chmod 600 login.key
	ssh-keygen -q -p -P "$(cat pp)" -N '' -f login.key >/dev/null 2>&1
	ssh -F /dev/null -i login.key -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile="$KH" \
		-o StrictHostKeyChecking=yes -p "$(testbed_port "$2")" "${3:-$U}@127.0.0.1" true \
		</dev/null 2>/dev/null
}
# the private key's own public half (the pair is whole)
pair_whole() { [ "$(ssh-keygen -y -P "$(cat pp)" -f "$1" | cut -d' ' -f2)" = "$(blob "$1.pub")" ]; }
login id h1 || fail "the old key does not log in before"

# --- a dry run: the diff; nothing made, nothing changed
cp "$AK1" ak1.before
MODE1=$(stat -c '%a %U' "$AK1")
"$K" rotate --dry-run -i id --passphrase-file pp "${COMMON[@]}" "$T1" >out.txt 2>&1 ||
	fail "dry run: $(cat out.txt)"
grep -q "dry run: would rotate" out.txt || fail "dry run: $(cat out.txt)"
grep -q '^  +from="127.0.0.1",no-pty ssh-ed25519 .* me@laptop$' out.txt ||
	fail "dry run diff keeps the options: $(cat out.txt)"
same "$AK1" ak1.before "dry run changed authorized_keys"
[ ! -e id.new ] && [ ! -e id.rotate.json ] || fail "dry run made files: $(ls)"
pass

# --- rotation 1: h3 stops answering; the others are rotated; the rerun finishes h3
OLD_BLOB=$(blob id.pub)
cp id id.orig
cp id.pub id.pub.orig
# a stopped listener takes connections and never answers (and must go on before cleanup)
cleanup_hooks=("kill -CONT $(testbed_pid h3) 2>/dev/null" "${cleanup_hooks[@]}")
kill -STOP "$(testbed_pid h3)"
expect_status 3 "a host that does not answer" -- "$K" rotate -i id --passphrase-file pp \
	"${COMMON[@]}" "$T1" "$T2" "$T3" "$R1" >out.txt 2>&1
cat out.txt >>log.txt
grep -q "^$T1: OK: rotated, proven" out.txt || fail "h1: $(cat out.txt)"
grep -q "^$R1: OK: rotated, proven" out.txt || fail "root on h1: $(cat out.txt)"
grep -q "^$T3: UNREACHABLE: .*(the old key stays)" out.txt || fail "h3: $(cat out.txt)"
grep -q "id stays the old key: 1 host still to do" out.txt || fail "no swap said: $(cat out.txt)"
NEW_BLOB=$(blob id.new.pub)
[ "$(blob id.pub)" = "$OLD_BLOB" ] || fail "the local key was swapped with a host left"
[ "$(stat -c %a id.rotate.json)" = 600 ] || fail "state file mode $(stat -c %a id.rotate.json)"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert [h["state"] for h in s["hosts"]] == ["done","done","pending","done"], s' \
	id.rotate.json || fail "state: $(cat id.rotate.json)"
pass
# h1: the old line became the new key with the old options; every other byte the same
sed "2s|$OLD_BLOB|$NEW_BLOB|" ak1.before >ak1.want
same "$AK1" ak1.want "h1's file after the rotation"
[ "$(stat -c '%a %U' "$AK1")" = "$MODE1" ] || fail "h1 owner/mode $(stat -c '%a %U' "$AK1")"
login id.new h1 || fail "the new key does not log in on h1"
login id.orig h1 && fail "the old key still logs in on h1"
login id.new h1 root || fail "the new key does not log in as root on h1"
login id.orig h1 root && fail "the old key still logs in as root on h1"
[ "$(blob "$RK1")" = "$NEW_BLOB" ] || fail "root's file: $(cat "$RK1")"
grep -q "$OLD_BLOB" "$AK3" || fail "h3 lost the old key while unreachable"
pass
kill -CONT "$(testbed_pid h3)"
login id.orig h3 || fail "the old key does not log in on h3"
# the rerun: only h3 is worked on; then the swap
"$K" rotate -i id --passphrase-file pp "${COMMON[@]}" >out.txt 2>&1 || fail "rerun: $(cat out.txt)"
cat out.txt >>log.txt
grep -q "^$T3: OK: rotated, proven" out.txt || fail "rerun h3: $(cat out.txt)"
grep -c ": OK: " out.txt | grep -qx 1 || fail "the rerun worked on done hosts: $(cat out.txt)"
grep -q "every host done: .*/id is now the new key" out.txt || fail "swap: $(cat out.txt)"
RETIRED=$(ls id.retired-* | grep -v '\.pub$')
[ "$(blob id.pub)" = "$NEW_BLOB" ] || fail "id.pub is not the new key"
pair_whole id || fail "id and id.pub do not match"
[ ! -e id.new ] && [ ! -e id.new.pub ] || fail "id.new left behind"
cmp -s "$RETIRED" id.orig || fail "the retired private key is not the old one"
[ "$(stat -c %a "$RETIRED") $(stat -c %a "$RETIRED.pub")" = "600 600" ] || fail "retired modes"
for h in h1 h2 h3; do
	login id "$h" || fail "id (the new key) does not log in on $h"
	login "$RETIRED" "$h" && fail "the retired key logs in on $h"
done
"$K" rotate -i id --status >out.txt 2>&1 || fail "status: $(cat out.txt)"
grep -q "4 hosts: 4 done" out.txt && grep -q "^finished .*the old pair is .*retired" out.txt ||
	fail "status: $(cat out.txt)"
pass

# --- as root, the key also in another account's file: root's rotated, the other named
# (status 5), its file untouched
"$K" keygen -q -f rk --no-passphrase -C "rk@laptop" || fail "keygen rk"
cat rk.pub >>"$RK1"
cat rk.pub >>"$AK1"
cp "$AK1" ak1.rk
cp rk rk.old
expect_status 5 "the key in another account too" -- "$K" rotate -i rk --no-passphrase \
	"${COMMON[@]}" "$R1" >out.txt 2>&1
grep -q "WARN: rotated for root, but the old key also logs in here as $U " out.txt ||
	fail "another account's key: $(cat out.txt)"
same "$AK1" ak1.rk "root's rotation changed another account's file"
login rk h1 root || fail "root: the new key does not log in"
login rk.old h1 root && fail "root: the old key still logs in"
login rk.old h1 || fail "$U's key was touched"
pass

# --- rotation 2: kill -9 after each step; at every moment a key logs in; each rerun goes on
cp id.pub id2.old.pub
cp id id2.old
for step in after-install after-proof after-remove; do
	expect_status 137 "kill $step" -- env SSHKEYCTL_TEST_FAULT="kill-$step" "$KF" rotate -i id \
		--passphrase-file pp "${COMMON[@]}" "$T2" >out.txt 2>&1
	case $step in
	after-install | after-proof)
		login id2.old h2 || fail "the old key does not log in after kill $step"
		login id.new h2 || fail "the new key does not log in after kill $step"
		;;
	after-remove)
		login id2.old h2 && fail "the old key logs in after kill $step"
		login id.new h2 || fail "the new key does not log in after kill $step"
		;;
	esac
	[ "$(blob id.pub)" = "$(blob id2.old.pub)" ] || fail "swapped after kill $step"
	pass
done
# killed between the renames of the swap: the rerun completes it
expect_status 137 "kill between the renames" -- env SSHKEYCTL_TEST_FAULT=kill-between-renames \
	"$KF" rotate -i id --passphrase-file pp "${COMMON[@]}" >out.txt 2>&1
pair_whole id && fail "the kill between the renames came too late"
"$K" rotate -i id --passphrase-file pp "${COMMON[@]}" >out.txt 2>&1 ||
	fail "rerun after the swap was cut: $(cat out.txt)"
pair_whole id || fail "the swap was not completed"
login id h2 || fail "id does not log in on h2 after rotation 2"
[ "$(grep -c "" "$AK2")" = 1 ] || fail "h2's file: $(cat "$AK2")"
pass

# --- Ctrl-C while a host stands between install and proof: the run stops, the host keeps a
# key that logs in, the rerun finishes
cp id id2b.old
rm -f go
SSHKEYCTL_TEST_FAULT="wait-after-install:$WORK/go" "$KF" rotate -i id --passphrase-file pp \
	"${COMMON[@]}" "$T2" >out.txt 2>&1 &
rot=$!
for _ in $(seq 200); do [ -e id.new.pub ] && grep -qF "$(blob id.new.pub)" "$AK2" && break; sleep 0.05; done
grep -qF "$(blob id.new.pub)" "$AK2" || fail "Ctrl-C: the new key never went in: $(cat out.txt)"
kill -INT $rot
touch go
wait $rot
status=$?
[ $status != 0 ] || fail "Ctrl-C: status 0: $(cat out.txt)"
grep -qi "interrupted" out.txt || fail "Ctrl-C: not said: $(cat out.txt)"
login id2b.old h2 || login id.new h2 || fail "Ctrl-C: no key logs in on h2"
cmp -s id id2b.old || fail "Ctrl-C: the local key was swapped"
"$K" rotate -i id --passphrase-file pp "${COMMON[@]}" >out.txt 2>&1 ||
	fail "rerun after Ctrl-C: $(cat out.txt)"
login id h2 || fail "id does not log in after the rerun"
login id2b.old h2 && fail "the old key logs in after the rerun"
pass

# --- rotation 3: the new key refused by the server (-t ecdsa where sshd takes ed25519 only):
# taken out again, the host keeps the old key, the file as it was
echo "PubkeyAcceptedAlgorithms ssh-ed25519" >"$(testbed_root h2)/etc/ssh/sshd_config.d/ed.conf"
testbed_reload h2
sleep 0.5
cp "$AK2" ak2.before
cp id id3.old
expect_status 1 "a new key the server refuses" -- "$K" rotate -t ecdsa -i id --passphrase-file pp \
	"${COMMON[@]}" "$T2" >out.txt 2>&1
grep -q "FAILED: the new key does not log in from a new connection.*the old key stays" out.txt ||
	fail "refused new key: $(cat out.txt)"
grep -q "removed 1 line of the new key (rolled back)" out.txt || fail "rollback: $(cat out.txt)"
same "$AK2" ak2.before "h2's file after the rollback"
login id h2 || fail "the old key does not log in after the rollback"
cmp -s id id3.old || fail "the local key changed"
rm -f "$(testbed_root h2)/etc/ssh/sshd_config.d/ed.conf" id.new id.new.pub id.rotate.json
testbed_reload h2
sleep 0.5
pass

# --- the state file edited by hand or cut short: refused, nothing changed
"$K" rotate -i id --keep-old --passphrase-file pp "${COMMON[@]}" "$T2" >out.txt 2>&1 ||
	fail "keep-old: $(cat out.txt)"
grep -q "OK: the new key logs in (proven); the old key stays until rotate --finish" out.txt ||
	fail "keep-old: $(cat out.txt)"
login id h2 && login id.new h2 || fail "keep-old: both keys must log in"
cp id.rotate.json state.good
cp "$AK2" ak2.before
head -c 200 state.good >id.rotate.json
expect_status 1 "a state file cut short" -- "$K" rotate -i id --finish --passphrase-file pp \
	"${COMMON[@]}" >out.txt 2>&1
grep -q "id.rotate.json:[0-9]*:[0-9]*: not sshkeyctl's rotation state: .*nothing changed" out.txt ||
	fail "cut short: $(cat out.txt)"
sed 's/"installed"/"half"/' state.good >id.rotate.json
expect_status 1 "a state file edited" -- "$K" rotate -i id --finish --passphrase-file pp \
	"${COMMON[@]}" >out.txt 2>&1
grep -q 'hosts\[0\]: "state" is "half"' out.txt || fail "edited: $(cat out.txt)"
same "$AK2" ak2.before "a bad state file changed h2"
[ -e id.new ] || fail "a bad state file lost id.new"
pass

# --- --finish: the old key goes; the swap
cp state.good id.rotate.json
cp id id4.old
"$K" rotate -i id --finish --passphrase-file pp "${COMMON[@]}" >out.txt 2>&1 ||
	fail "finish: $(cat out.txt)"
grep -q "^$T2: OK: rotated, proven" out.txt || fail "finish: $(cat out.txt)"
login id4.old h2 && fail "the old key logs in after --finish"
login id h2 || fail "id does not log in after --finish"
pass

# --- a changed host key mid-rotation: refused, reported, resumable
cp id id5.old
expect_status 137 "kill after install" -- env SSHKEYCTL_TEST_FAULT=kill-after-install "$KF" \
	rotate -i id --passphrase-file pp "${COMMON[@]}" "$T2" >out.txt 2>&1
R2=$(testbed_root h2)
cp "$R2/etc/ssh/ssh_host_ed25519_key" hk.save
cp "$R2/etc/ssh/ssh_host_ed25519_key.pub" hk.save.pub
rm -f "$R2/etc/ssh/ssh_host_ed25519_key"*
ssh-keygen -q -t ed25519 -N '' -f "$R2/etc/ssh/ssh_host_ed25519_key"
testbed_reload h2
sleep 0.5
cp "$AK2" ak2.before
expect_status 1 "a changed host key" -- "$K" rotate -i id --passphrase-file pp "${COMMON[@]}" \
	>out.txt 2>&1
grep -qi "host key .*changed\|REMOTE HOST IDENTIFICATION HAS CHANGED" out.txt ||
	fail "changed host key: $(cat out.txt)"
same "$AK2" ak2.before "a changed host key let a change through"
python3 -c 'import json,sys; h=json.load(open(sys.argv[1]))["hosts"][0]; assert h["state"] == "pending" and h["reason"], h' \
	id.rotate.json || fail "state after the refusal: $(cat id.rotate.json)"
cp hk.save "$R2/etc/ssh/ssh_host_ed25519_key"
cp hk.save.pub "$R2/etc/ssh/ssh_host_ed25519_key.pub"
testbed_reload h2
sleep 0.5
"$K" rotate -i id --passphrase-file pp "${COMMON[@]}" >out.txt 2>&1 ||
	fail "after the host key came back: $(cat out.txt)"
login id5.old h2 && fail "the old key logs in after rotation 5"
login id h2 || fail "id does not log in after rotation 5"
pass

# --- the old key gone already (someone removed it): the password logs in, the new key is
# added on a line of its own
: >"$AK2"
"$K" rotate -i id --passphrase-file pp --password-file pw "${COMMON[@]}" "$T2" >out.txt 2>&1 ||
	fail "old key gone: $(cat out.txt)"
grep -q "added 1 line of the new key to" out.txt || fail "old key gone: $(cat out.txt)"
login id h2 || fail "id does not log in after rotation 6"
pass

# --- at a terminal, two hosts: the old key's passphrase asked once, the new key's once (and
# its confirmation); the new key is encrypted with it
"$K" keygen -q -f tk -C "tk@laptop" --passphrase-file pp || fail "keygen tk"
testbed_authorize h1 "$U" tk.pub
testbed_authorize h3 "$U" tk.pub
PYTHONPATH=$(dirname "$0") python3 - "$K" "$T1" "$T3" "${COMMON[@]}" <<'PY' || fail "rotate at a terminal"
import sys
from pty_drive import Pty
k, t1, t3, *common = sys.argv[1:]
t = Pty([k, "rotate", "-i", "tk", *common, t1, t3])
t.expect("Enter passphrase for key ")
t.send("passphrase of rotate")
t.expect("Enter passphrase for the new key (empty for no passphrase): ")
t.send("the new one")
t.expect("Enter same passphrase again: ")
t.send("the new one")
t.expect("every host done")
text = t.transcript.decode(errors="replace")
for prompt in ("Enter passphrase for key ", "Enter passphrase for the new key", "Enter same passphrase"):
    if text.count(prompt) != 1:
        sys.exit("asked %d times: %s\n%s" % (text.count(prompt), prompt, text))
sys.exit(t.wait())
PY
[ "$(ssh-keygen -y -P "the new one" -f tk | cut -d' ' -f2)" = "$(blob tk.pub)" ] ||
	fail "the new key is not encrypted with the passphrase given"
pass

# --- ssh-agent: it held the old key; it holds the new one after, with the lifetime asked
eval "$(ssh-agent -s)" >/dev/null
cleanup_hooks+=("kill $SSH_AGENT_PID")
SSH_ASKPASS_REQUIRE=never ssh-add -q id <pp 2>/dev/null ||
	"$K" agent add --passphrase-file pp id >/dev/null || fail "agent add"
OLD_FP=$(ssh-keygen -lf id.pub | awk '{print $2}')
"$K" rotate -i id --passphrase-file pp --agent-lifetime 1h "${COMMON[@]}" "$T2" >out.txt 2>&1 ||
	fail "agent rotation: $(cat out.txt)"
grep -q "ssh-agent: the old key replaced by the new one, for 3600 seconds" out.txt ||
	fail "agent: $(cat out.txt)"
NEW_FP=$(ssh-keygen -lf id.pub | awk '{print $2}')
ssh-add -l | grep -q "$NEW_FP" || fail "the agent lacks the new key: $(ssh-add -l)"
ssh-add -l | grep -q "$OLD_FP" && fail "the agent still holds the old key"
pass

done_checks
