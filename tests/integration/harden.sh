#!/bin/bash
# harden against real sshd hosts configured the ways real servers are: every case ends with
# real logins through OpenSSH (a password login must fail, the key must log in) and a look at
# the host's files.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../testbed/testbed.sh"
testbed_suite

A=sktest-h$$ # a sudo user with a password
B=sktest-n$$ # no sudo
C=sktest-c$$ # a third account, for --users and Match User; sudo without a password
D=sktest-p$$ # a password and no key: warned about, it loses SSH login
PW="pw of $A"
for u in "$A" "$B" "$C" "$D"; do testbed_add_user "$u" "$PW" || fail "useradd"; done
SUDOERS=/etc/sudoers.d/sshkeyctl-test-$$
printf '%s ALL=(ALL:ALL) ALL\n%s ALL=(ALL:ALL) NOPASSWD: ALL\n' "$A" "$C" >"$SUDOERS"
chmod 440 "$SUDOERS"
cleanup_hooks+=("rm -f $SUDOERS")
echo "$PW" >pw
"$K" keygen -q -f id --no-passphrase -C harden || fail "keygen"
KH=$WORK/known_hosts
COMMON=(-i id --accept-new -o "UserKnownHostsFile=$KH" --confirm-timeout 20)

# host NAME [DROP-IN LINES] [EXTRA sshd_config LINES]: our key installed for every account
# and for root (through /etc/ssh/root_authorized_keys)
host() {
	mkdir -p "$TB_ROOT/$1/etc/ssh/sshd_config.d"
	[ -n "${2:-}" ] && printf '%s\n' "$2" >"$TB_ROOT/$1/etc/ssh/sshd_config.d/50-cloud-init.conf"
	testbed_host_up "$1" "${3:-}
Match User root
	AuthorizedKeysFile /etc/ssh/root_authorized_keys" || fail "host $1"
	cp id.pub "$TB_ROOT/$1/etc/ssh/root_authorized_keys"
	local u
	for u in "$A" "$B" "$C"; do testbed_authorize "$1" "$u" id.pub; done
}
target() { echo "${2:-$A}@127.0.0.1:$(testbed_port "$1")"; }
password_login() { # HOST [USER] [METHODS]
	sshpass -f pw ssh -F /dev/null -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no \
		-o PreferredAuthentications="${3:-password,keyboard-interactive}" \
		-o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1 \
		-p "$(testbed_port "$1")" "${2:-$A}@127.0.0.1" true 2>/dev/null
}
key_login() { # HOST [USER]
	ssh -F /dev/null -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o BatchMode=yes \
		-o IdentitiesOnly=yes -i id -p "$(testbed_port "$1")" "${2:-$A}@127.0.0.1" true 2>/dev/null
}
# snapshot HOST: every file under the host's /etc/ssh, hashed (to compare before and after)
snapshot() { (cd "$TB_ROOT/$1/etc/ssh" && find . -type f ! -name sshd.pid -print0 | sort -z |
	xargs -0 sha256sum 2>/dev/null); }
eff() { testbed_exec "$1" sshd -T -C "user=${3:-$A},host=127.0.0.1,addr=127.0.0.1" | awk -v k="$2" '$1 == k { print $2 }'; }

# 1. Debian's layout with cloud-init's drop-in saying yes; through sudo with a password
host cloud "PasswordAuthentication yes"
password_login cloud || fail "setup: password login should work before"
before=$(snapshot cloud)
"$K" harden "${COMMON[@]}" --dry-run --password-file pw "$(target cloud)" >out.txt ||
	fail "dry run: $(cat out.txt)"
grep -q "would change" out.txt || fail "dry run result: $(cat out.txt)"
grep -q '^+PasswordAuthentication no' out.txt || fail "dry run diff: $(cat out.txt)"
[ "$(snapshot cloud)" = "$before" ] || fail "dry run changed files"
pass
"$K" harden "${COMMON[@]}" --password-file pw --users "$C" "$(target cloud)" >out.txt ||
	fail "harden cloud: $(cat out.txt)"
grep -q "password login off, proven" out.txt || fail "cloud result: $(cat out.txt)"
grep -q "SIGHUP" out.txt || fail "reload way: $(cat out.txt)"
grep "warning: account.* a password and no authorized key" out.txt | grep -qw -- "$D" ||
	fail "no warning for $D: $(cat out.txt)"
grep -q "warning: account $A " out.txt && fail "$A has a key: no warning expected"
dropin=$TB_ROOT/cloud/etc/ssh/sshd_config.d/00-sshkeyctl.conf
grep -qx "PasswordAuthentication no" "$dropin" || fail "drop-in: $(cat "$dropin")"
[ "$(eff cloud passwordauthentication)" = no ] || fail "sshd -T still yes"
password_login cloud && fail "password login still works (cloud-init drop-in)"
password_login cloud "$C" && fail "password login still works for $C"
key_login cloud || fail "key login broken"
grep -qx "PasswordAuthentication yes" "$TB_ROOT/cloud/etc/ssh/sshd_config.d/50-cloud-init.conf" ||
	fail "the cloud-init drop-in was touched"
pass

# --undo puts it back, proven
"$K" harden "${COMMON[@]}" --password-file pw --undo "$(target cloud)" >out.txt ||
	fail "undo: $(cat out.txt)"
grep -q "undone, proven" out.txt || fail "undo result: $(cat out.txt)"
[ "$(snapshot cloud)" = "$before" ] || fail "undo: files differ from before"
password_login cloud || fail "undo: password login should work again"
pass


# 2. no Include, a main file whose last block is a Match, PasswordAuthentication yes early
host nomatch
sed -i '/^Include /d; s/^KbdInteractiveAuthentication no/PasswordAuthentication yes/' \
	"$TB_ROOT/nomatch/etc/ssh/sshd_config"
testbed_reload nomatch
sleep 0.5
password_login nomatch || fail "setup: password login should work before"
expect_status 0 "harden as root" -- "$K" harden "${COMMON[@]}" "$(target nomatch root)" >out.txt
cfg=$TB_ROOT/nomatch/etc/ssh/sshd_config
grep -qx "# sshkeyctl: PasswordAuthentication yes" "$cfg" || fail "competing line not commented: $(cat "$cfg")"
# the settings sit before the Match block, not inside it
awk '/^Match/ { exit } /^PasswordAuthentication no$/ { found = 1 } END { exit !found }' "$cfg" ||
	fail "settings not before the first Match: $(cat "$cfg")"
[ "$(eff nomatch permitrootlogin root)" = without-password ] || fail "PermitRootLogin not prohibit-password"
password_login nomatch && fail "nomatch: password login still works"
key_login nomatch root || fail "nomatch: root key login broken"
pass

# 3. KbdInteractiveAuthentication yes with UsePAM yes: PAM would still take the password
host kbd "KbdInteractiveAuthentication yes
PasswordAuthentication no"
password_login kbd "$A" keyboard-interactive || fail "setup: keyboard-interactive should work before"
expect_status 0 "harden kbd" -- "$K" harden "${COMMON[@]}" --password-file pw "$(target kbd)" >out.txt
password_login kbd "$A" keyboard-interactive && fail "keyboard-interactive still takes the password"
key_login kbd || fail "kbd: key login broken"
pass

# 4. a Match User block enabling passwords: reported (warning status), fixed with --fix-match
host matchuser "" "Match User $C
	PasswordAuthentication yes"
expect_status 5 "Match reported" -- "$K" harden "${COMMON[@]}" --password-file pw --users "$C" \
	"$(target matchuser)" >out.txt
grep -q "Match User $C" out.txt || fail "Match block not named: $(cat out.txt)"
password_login matchuser && fail "matchuser: $A still has password login"
password_login matchuser "$C" || fail "the Match block was changed without --fix-match"
expect_status 0 "--fix-match" -- "$K" harden "${COMMON[@]}" --password-file pw --users "$C" \
	--fix-match "$(target matchuser)" >out.txt
grep -q "# sshkeyctl: PasswordAuthentication yes" "$TB_ROOT/matchuser/etc/ssh/sshd_config" ||
	fail "Match line not commented out"
[ "$(ls "$TB_ROOT/matchuser/etc/ssh/sshd_config.d")" = 00-sshkeyctl.conf ] ||
	fail "a second run must rewrite its drop-in: $(ls "$TB_ROOT/matchuser/etc/ssh/sshd_config.d")"
password_login matchuser "$C" && fail "--fix-match: $C still has password login"
key_login matchuser "$C" || fail "matchuser: key login broken"
pass

# 4b. the same without --users, on the first run and the next: the headline, the summary,
# --json and the status say "with warnings"; the account the Match block still lets in is
# not called locked out (its own sshd -T -C user=... tells), and the accounts that are, are
# named on one line
host matchonly "" "Match User $D
	PasswordAuthentication yes"
for run in first second; do
	expect_status 5 "Match, $run run" -- "$K" harden "${COMMON[@]}" --password-file pw \
		"$(target matchonly)" >out.txt
	head -1 out.txt | grep -q "hardened with warnings" || fail "$run run headline: $(cat out.txt)"
	grep -q "0 OK, 1 with warnings" out.txt || fail "$run run summary: $(cat out.txt)"
	grep "no authorized key" out.txt | grep -qw -- "$D" &&
		fail "$run run: $D is said to be locked out, but Match lets it in: $(cat out.txt)"
	[ "$(grep -c "no authorized key" out.txt)" -le 1 ] || fail "one line per account: $(cat out.txt)"
done
password_login matchonly "$D" || fail "matchonly: the Match block must still let $D in"
"$K" harden "${COMMON[@]}" --password-file pw --json "$(target matchonly)" >out.json
python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; assert r[0]["status"] == "warn", r' out.json ||
	fail "--json status: $(cat out.json)"
pass

# 5. refusals change nothing: no sudo, no key login, a configuration that fails sshd -t
host refuse
before=$(snapshot refuse)
expect_status 1 "no sudo" -- "$K" harden "${COMMON[@]}" --password-file pw "$(target refuse "$B")" >out.txt
grep -q "refused: no way to root" out.txt || fail "no sudo message: $(cat out.txt)"
"$K" keygen -q -f other --no-passphrase -C other || fail "keygen"
expect_status 1 "no key login" -- "$K" harden -i other --accept-new -o "UserKnownHostsFile=$KH" \
	--password-file pw "$(target refuse)" >out.txt
grep -q "key login does not work" out.txt || fail "no key message: $(cat out.txt)"
echo "NoSuchOption yes" >"$TB_ROOT/refuse/etc/ssh/sshd_config.d/90-broken.conf"
before_broken=$(snapshot refuse)
expect_status 1 "sshd -t fails" -- "$K" harden "${COMMON[@]}" --password-file pw "$(target refuse)" >out.txt
grep -q "already fails sshd -t" out.txt || fail "sshd -t message: $(cat out.txt)"
[ "$(snapshot refuse)" = "$before_broken" ] || fail "a refusal changed files"
rm "$TB_ROOT/refuse/etc/ssh/sshd_config.d/90-broken.conf"
[ "$(snapshot refuse)" = "$before" ] || fail "a refusal changed files"
password_login refuse || fail "refusals: password login should still work"
pass
# sudo without a password: no password asked or needed
expect_status 0 "sudo NOPASSWD" -- "$K" harden "${COMMON[@]}" "$(target refuse "$C")" </dev/null >out.txt
password_login refuse && fail "NOPASSWD: password login still works"
pass

# the installed program has no fault hook: only the test build (sshkeyctl-faults) reads it
grep -q SSHKEYCTL_TEST_FAULT "$SSHKEYCTL_FAULTS" || fail "the test build lost its fault hook"
grep -q SSHKEYCTL_TEST_FAULT "$K" && fail "the installed program reads SSHKEYCTL_TEST_FAULT"
pass

# 6. a failure after the reload: rolled back, files byte-identical, password login back
host inject "PasswordAuthentication yes"
before=$(snapshot inject)
expect_status 1 "injected failure" -- env SSHKEYCTL_TEST_FAULT=fail-after-reload \
	"$SSHKEYCTL_FAULTS" harden "${COMMON[@]}" --password-file pw "$(target inject)" >out.txt
grep -q "rolled back: failure injected after the reload" out.txt || fail "rollback: $(cat out.txt)"
[ "$(snapshot inject)" = "$before" ] || fail "rollback: files differ"
password_login inject || fail "rollback: password login should work again"
key_login inject || fail "rollback: key login broken"
pass

# 6b. a reload that reports success and does nothing: caught by the proof, rolled back
expect_status 1 "reload without effect" -- env SSHKEYCTL_TEST_FAULT=reload-no-effect \
	"$SSHKEYCTL_FAULTS" harden "${COMMON[@]}" --password-file pw "$(target inject)" >out.txt
grep -q "rolled back: the proof failed: .*the reload did not take effect" out.txt ||
	fail "reload without effect: $(cat out.txt)"
[ "$(snapshot inject)" = "$before" ] || fail "reload without effect: files differ"
password_login inject || fail "reload without effect: password login should work again"
pass

# 6c. settings that make the new configuration fail sshd -t (2FA for all but the admin):
# restored before any reload, files byte-identical
host twofa "" "AuthenticationMethods publickey,password
Match User $A
	AuthenticationMethods publickey"
before=$(snapshot twofa)
expect_status 1 "sshd -t after the write" -- "$K" harden "${COMMON[@]}" --password-file pw \
	"$(target twofa)" >out.txt
grep -q "rolled back: the new configuration fails sshd -t" out.txt || fail "sshd -t rollback: $(cat out.txt)"
[ "$(snapshot twofa)" = "$before" ] || fail "sshd -t rollback: files differ"
key_login twofa || fail "sshd -t rollback: key login broken"
pass

# 7. the connection cut after the reload: the dead-man restores within its timeout
host cut "PasswordAuthentication yes"
before=$(snapshot cut)
expect_status 1 "connection cut" -- env SSHKEYCTL_TEST_FAULT=cut-after-reload \
	"$SSHKEYCTL_FAULTS" harden -i id --accept-new -o "UserKnownHostsFile=$KH" --confirm-timeout 10 \
	--password-file pw "$(target cut)" >out.txt
grep -q "dead-man" out.txt || fail "cut message: $(cat out.txt)"
# the summary lists what the servers will still do by themselves, and when
grep -q "^the dead-man on 1 host will restore the backup by itself:" out.txt ||
	fail "no dead-man list: $(cat out.txt)"
grep -q "^  $(target cut): by [0-9:]* [A-Z]* (in [0-9]* s)" out.txt || fail "dead-man when: $(cat out.txt)"
password_login cut && fail "cut: the change should be live until the dead-man acts"
for i in $(seq 40); do
	[ "$(snapshot cut)" = "$before" ] && break
	sleep 0.5
done
[ "$(snapshot cut)" = "$before" ] || fail "the dead-man did not restore the files"
sleep 1
password_login cut || fail "dead-man: password login should work again"
key_login cut || fail "dead-man: key login broken"
pass

# 7b. kill -9 of harden at each step of the transaction: nobody is locked out meanwhile, and
# the next run (here --undo) finds what was left open and restores it byte for byte first
for step in kill-before-backup kill-after-first-write kill-after-test kill-after-reload; do
	h=k${step#kill-}
	host "$h" "PasswordAuthentication yes"
	before=$(snapshot "$h")
	SSHKEYCTL_TEST_FAULT=$step "$SSHKEYCTL_FAULTS" harden "${COMMON[@]}" --password-file pw \
		"$(target "$h")" >out.txt 2>&1
	[ $? = 137 ] || fail "$step: not killed: $(cat out.txt)"
	# (a SIGHUP'd sshd re-executes itself: a moment without a listener)
	for i in $(seq 20); do key_login "$h" && break; sleep 0.25; done
	key_login "$h" || fail "$step: key login broken after the kill"
	[ "$step" = kill-after-reload ] || [ "$(snapshot "$h")" = "$before" ] ||
		[ -n "$(ls "$TB_ROOT/$h/var/lib/sshkeyctl/harden/"*/manifest 2>/dev/null)" ] ||
		fail "$step: files changed with no backup to restore them"
	"$K" harden "${COMMON[@]}" --password-file pw --undo "$(target "$h")" >out.txt 2>&1
	[ "$(snapshot "$h")" = "$before" ] || fail "$step: the next run did not restore the files: $(cat out.txt)"
	if [ "$step" != kill-before-backup ]; then
		grep -q "an interrupted harden run had left .* open: its backup is restored" out.txt ||
			fail "$step: the recovery is not reported: $(cat out.txt)"
	fi
	grep -q '"*open"*' "$TB_ROOT/$h/var/lib/sshkeyctl/harden/"*/state 2>/dev/null &&
		fail "$step: a transaction is still open"
	password_login "$h" || fail "$step: password login should work again"
	key_login "$h" || fail "$step: key login broken"
	pass
done
# a kill after the first write, and no later run: the dead-man restores by itself
host kdead "PasswordAuthentication yes"
before=$(snapshot kdead)
SSHKEYCTL_TEST_FAULT=kill-after-first-write "$SSHKEYCTL_FAULTS" harden -i id --accept-new \
	-o "UserKnownHostsFile=$KH" --confirm-timeout 10 --password-file pw "$(target kdead)" >out.txt 2>&1
[ "$(snapshot kdead)" = "$before" ] && fail "kill-after-first-write: nothing was written: $(cat out.txt)"
for i in $(seq 60); do
	[ "$(snapshot kdead)" = "$before" ] && break
	sleep 0.5
done
[ "$(snapshot kdead)" = "$before" ] || fail "the dead-man armed before the first write did not restore"
pass
# two runs at once: the second is refused and told who holds the lock; a lock whose owner
# has gone is taken over
lockdir=$TB_ROOT/kdead/var/lib/sshkeyctl/harden/lock
sleep 60 &
holder=$!
mkdir -p "$lockdir"
echo "pid $holder login someone from 192.0.2.1 since 2026-01-01T00:00:00Z" >"$lockdir/owner"
expect_status 1 "busy lock" -- "$K" harden "${COMMON[@]}" --password-file pw "$(target kdead)" >out.txt
grep -q "another harden run holds this server's lock (pid $holder login someone" out.txt ||
	fail "busy lock: $(cat out.txt)"
[ "$(snapshot kdead)" = "$before" ] || fail "busy lock: files changed"
kill "$holder"
wait "$holder" 2>/dev/null
"$K" harden "${COMMON[@]}" --password-file pw "$(target kdead)" >out.txt || fail "stale lock: $(cat out.txt)"
grep -q "password login off, proven" out.txt || fail "stale lock: $(cat out.txt)"
for i in $(seq 50); do [ -e "$lockdir" ] || break; sleep 0.1; done
[ ! -e "$lockdir" ] || fail "the lock was not released: $(cat "$lockdir/owner")"
pass

# 8. setup --harden: a fresh host with a password only, a new key, the whole procedure; --json
testbed_host_up fresh "Match User root
	AuthorizedKeysFile /etc/ssh/root_authorized_keys" || fail "host fresh"
testbed_home fresh "$A" >/dev/null
expect_status 0 "setup --harden" -- "$K" setup -i newkey --no-passphrase --harden --json \
	--accept-new -o "UserKnownHostsFile=$KH" --password-file pw "$(target fresh)" >out.txt
grep -q '"status":"installed"' out.txt || fail "setup: key not installed: $(cat out.txt)"
grep -q '"status":"done"' out.txt || fail "setup: not hardened: $(cat out.txt)"
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' out.txt ||
	fail "setup --json: not JSON Lines"
password_login fresh && fail "setup --harden: password login still works"
ssh -F /dev/null -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o BatchMode=yes \
	-o IdentitiesOnly=yes -i newkey -p "$(testbed_port fresh)" "$A@127.0.0.1" true 2>/dev/null ||
	fail "setup --harden: key login broken"
pass

done_checks
