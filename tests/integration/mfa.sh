#!/bin/bash
# mfa: a key and then a TOTP code (pam_google_authenticator), on real sshd hosts. Every claim
# is checked by real logins (ssh with sshpass answering "Verification code:" with a code
# oathtool computes, the independent oracle) and on the host's files.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../testbed/testbed.sh"
testbed_suite
need_cmd oathtool
[ -e /lib/x86_64-linux-gnu/security/pam_google_authenticator.so ] ||
	skip "needs libpam-google-authenticator"

A=sktest-m$$ # the rollout's account, a sudo user without a password
B=sktest-o$$ # an account outside the rollout
PW="pw of $A"
for u in "$A" "$B"; do testbed_add_user "$u" "$PW" || fail "useradd"; done
C=sktest-c$$ # members of the group G
D=sktest-d$$
G=sktest-g$$
for u in "$C" "$D"; do testbed_add_user "$u" "$PW" || fail "useradd"; done
groupadd "$G" && cleanup_hooks+=("groupdel $G") || fail "groupadd"
usermod -a -G "$G" "$C" && usermod -a -G "$G" "$D" || fail "usermod"
SUDOERS=/etc/sudoers.d/sshkeyctl-test-$$
printf '%s ALL=(ALL:ALL) NOPASSWD: ALL\n' "$A" >"$SUDOERS"
chmod 440 "$SUDOERS"
cleanup_hooks+=("rm -f $SUDOERS")
echo "$PW" >pw
"$K" keygen -q -f id --no-passphrase -C mfa || fail "keygen"
KH=$WORK/known_hosts
: >"$KH"
SECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP

target() { echo "${2:-$A}@127.0.0.1:$(testbed_port "$1")"; }
ssh_opts() { echo -F /dev/null -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no \
	-o IdentitiesOnly=yes -p "$(testbed_port "$1")"; }
# key_code_login HOST USER SECRET [OFFSET]: the key, then the code oathtool computes from
# SECRET for now + OFFSET seconds (the module takes one step either way; each step's code
# once: sshkeyctl's proof spent the current one)
key_code_login() {
	# shellcheck disable=SC2046
	sshpass -P "Verification code" -p "$(oathtool --totp -b "$3" -N "@$(($(date +%s) + ${4:-0}))")" \
		ssh $(ssh_opts "$1") -i id "$2@127.0.0.1" true 2>/dev/null
}
key_login() { # HOST USER: the key alone
	# shellcheck disable=SC2046
	ssh $(ssh_opts "$1") -o BatchMode=yes -i id "$2@127.0.0.1" true 2>/dev/null
}
# pty_code_login HOST USER SECRET OFFSET: OpenSSH's ssh in a terminal, as a person: after the
# key it asks "Verification code:" and no password at any point; the code typed logs in
cp "$(dirname "$0")/pty_drive.py" .
pty_code_login() {
	# shellcheck disable=SC2046
	python3 - "$(oathtool --totp -b "$3" -N "@$(($(date +%s) + $4))")" ssh $(ssh_opts "$1") \
		-i id "$2@127.0.0.1" true <<'PY'
import sys
from pty_drive import Pty
t = Pty(sys.argv[2:], timeout=30)
t.expect("Verification code:")
if b"assword" in t.transcript:
    sys.exit("a password prompt: %s" % t.text())
t.send(sys.argv[1])
status = t.wait()
if status != 0 or b"assword" in t.transcript:
    sys.exit("status %d: %s" % (status, t.text()))
PY
}
password_login() { # HOST USER
	# shellcheck disable=SC2046
	sshpass -f pw ssh $(ssh_opts "$1") -o PubkeyAuthentication=no \
		-o NumberOfPasswordPrompts=1 "$2@127.0.0.1" true 2>/dev/null
}
# host NAME: Debian's sshd, our key for both accounts, password login off (harden's work)
host() {
	mkdir -p "$TB_ROOT/$1/etc/ssh/sshd_config.d"
	printf 'PasswordAuthentication no\n' >"$TB_ROOT/$1/etc/ssh/sshd_config.d/00-sshkeyctl.conf"
	testbed_host_up "$1" || fail "host $1"
	local u
	for u in "$A" "$B" "$C" "$D"; do testbed_authorize "$1" "$u" id.pub; done
}
COMMON=(-i id -o "UserKnownHostsFile=$KH" --accept-new --confirm-timeout 30)
# snapshot HOST: the host's /etc/ssh and pam.d/sshd, hashed (to compare before and after)
snapshot() { (cd "$TB_ROOT/$1/etc" && find ssh pam.d/sshd -type f ! -name sshd.pid -print0 |
	sort -z | xargs -0 sha256sum); }
# secret_of OUT ACCOUNT: the base32 key sshkeyctl showed for ACCOUNT
secret_of() { awk -v a="$2@" 'index($0, "new secret for " a) { f = 1 } f && $1 == "key:" { print $2; exit }' "$1"; }

# 1. A host set up by hand as the tutorials do: verify and doctor say what it requires
host byhand
printf 'KbdInteractiveAuthentication yes\nAuthenticationMethods publickey,keyboard-interactive\n' \
	>"$TB_ROOT/byhand/etc/ssh/sshd_config.d/10-mfa.conf"
sed -i 's/^@include common-auth/auth required pam_google_authenticator.so/' \
	"$TB_ROOT/byhand/etc/pam.d/sshd"
home=$(testbed_home byhand "$A")
printf '%s\n" TOTP_AUTH\n' "$SECRET" >"$home/.google_authenticator"
chown "$A" "$home/.google_authenticator"
chmod 400 "$home/.google_authenticator"
testbed_reload byhand || fail "reload"
key_login byhand "$A" && fail "setup: the key alone logs in"
key_code_login byhand "$A" "$SECRET" || fail "setup: key and code do not log in"
pass
expect_status 0 "verify" -- "$K" verify -i id --accept-new -o "UserKnownHostsFile=$KH" \
	"$(target byhand)" >out.txt
grep -q 'OK: key and second factor required: the key is accepted (id), then sshd asks keyboard-interactive ("Verification code: ")' out.txt ||
	fail "verify's words: $(cat out.txt)"
"$K" verify -i id -o "UserKnownHostsFile=$KH" --json "$(target byhand)" >out.json
python3 - out.json <<'PY' || fail "verify --json: $(cat out.json)"
import json, sys
r = json.loads(open(sys.argv[1]).readline())
assert r["verdict"] == "ok" and r["key_login"] is False, r
f = r["second_factor"]
assert f["methods"] == ["keyboard-interactive"] and f["prompt"] == "Verification code: ", f
assert r["password_login"] is False, r
PY
pass
expect_status 0 "doctor" -- "$K" doctor -i id -o "UserKnownHostsFile=$KH" "$(target byhand)" >out.txt
head -1 out.txt | grep -q 'no problem found: key and second factor required' ||
	fail "doctor's cause: $(cat out.txt)"
grep -q 'PASS server: key: the key is accepted for .*sshd then asks a second factor (keyboard-interactive: "Verification code: ")' out.txt ||
	fail "doctor's check: $(cat out.txt)"
pass
# work that logs in (copy) stops at the second factor and says why, sending no password
"$K" copy -i id -o "UserKnownHostsFile=$KH" --password-file pw "$(target byhand)" >out.txt 2>&1
st=$?
[ $st = 1 ] || fail "copy: status $st, expected 1: $(cat out.txt)"
grep -q 'accepts the key for .*, then asks a second factor (keyboard-interactive)' out.txt ||
	fail "copy's words: $(cat out.txt)"
grep -q "Failed password\|Failed keyboard-interactive" "$TB_ROOT/byhand/log" &&
	fail "a password was sent: $(grep Failed "$TB_ROOT/byhand/log")"
pass

# 2. One account (--users), the login account outside: secrets, files, real logins, status,
# and disable puts every file back byte for byte
host one
before=$(snapshot one)
expect_status 0 "mfa enable --dry-run" -- "$K" mfa enable "${COMMON[@]}" --dry-run --users "$B" \
	"$(target one)" >out.txt
grep -q '^+auth required pam_google_authenticator.so nullok' out.txt || fail "dry run diff: $(cat out.txt)"
[ "$(snapshot one)" = "$before" ] || fail "the dry run changed files"
[ -e "$TB_ROOT/one/home/$B/.google_authenticator" ] && fail "the dry run wrote a secret"
pass
expect_status 0 "mfa enable" -- "$K" mfa enable "${COMMON[@]}" --users "$B" "$(target one)" >out.txt
grep -q "mfa on, proven" out.txt || fail "enable: $(cat out.txt)"
grep -q "proven: $A: outside the rollout, the key alone logs in as before; no password offered" out.txt ||
	fail "proof of $A: $(cat out.txt)"
grep -q "proven: $B: the key alone is not enough (sshd asks keyboard-interactive); the key and a code computed here log in; no password offered" out.txt ||
	fail "proof of $B: $(cat out.txt)"
sb=$(secret_of out.txt "$B")
[ ${#sb} = 32 ] || fail "no secret shown for $B: $(cat out.txt)"
grep -q "uri: otpauth://totp/$B@[^?]*?secret=$sb&issuer=" out.txt || fail "uri: $(cat out.txt)"
[ "$(grep -c 'emergency scratch codes' out.txt)" = 1 ] || fail "scratch codes: $(cat out.txt)"
pass
ga=$TB_ROOT/one/home/$B/.google_authenticator
[ "$(stat -c '%a %U' "$ga")" = "400 $B" ] || fail "secret file: $(stat -c '%a %U' "$ga")"
[ "$(head -1 "$ga")" = "$sb" ] || fail "the file's secret is not the one shown"
grep -q '^" TOTP_AUTH$' "$ga" && grep -q '^" DISALLOW_REUSE' "$ga" || fail "file: $(cat "$ga")"
# every scratch code shown is in the file
for c in $(sed -n 's/.*emergency scratch codes (each works once)://p' out.txt); do
	grep -qx "$c" "$ga" || fail "scratch code $c not in the file"
done
grep -qx '# sshkeyctl: @include common-auth' "$TB_ROOT/one/etc/pam.d/sshd" || fail "pam: $(cat "$TB_ROOT/one/etc/pam.d/sshd")"
[ -e "$TB_ROOT/one/home/$A/.google_authenticator" ] && fail "a secret for $A, outside the rollout"
pass
# real logins: the key alone no; the key and oathtool's code yes; a password no; A as before
key_login one "$B" && fail "$B: the key alone logs in"
pty_code_login one "$B" "$sb" 30 || fail "$B: the key and the code do not log in"
password_login one "$B" && fail "$B: a password logs in"
key_login one "$A" || fail "$A (outside the rollout) cannot log in with the key"
# scan counts B's logins with its key and a code (sshd logs "Partial publickey", then
# "Accepted keyboard-interactive/pam"): sshkeyctl's proof and the one above, not "never"
# (the test bed's sshd -E lines carry no date: uses, not last_used); logs counts it too
"$K" scan --all-accounts --json -i id -o "UserKnownHostsFile=$KH" "$(target one)" >scan.json 2>&1
python3 - scan.json "$B" <<'PY' || fail "scan after a login with a code: $(cat scan.json)"
import json, sys
keys = [r for r in map(json.loads, open(sys.argv[1])) if r.get("record") == "key" and r.get("account") == sys.argv[2]]
assert keys and keys[0]["uses"] == 2 and keys[0]["last_from"] == "127.0.0.1", keys
PY
"$K" logs --json "$TB_ROOT/one/log" >logs.json 2>&1
grep -q '"method":"publickey,keyboard-interactive/pam"' logs.json || fail "logs: $(cat logs.json)"
key_login one "$C" || fail "$C (outside the rollout) cannot log in with the key"
pass
expect_status 0 "verify $B" -- "$K" verify -i id -o "UserKnownHostsFile=$KH" "$(target one "$B")" >out.txt
grep -q "OK: key and second factor required" out.txt || fail "verify $B: $(cat out.txt)"
expect_status 0 "mfa status" -- "$K" mfa status -i id -o "UserKnownHostsFile=$KH" --users "$B" \
	"$(target one)" >out.txt
grep -q "^  $A: the key alone (no second factor); no secret$" out.txt || fail "status $A: $(cat out.txt)"
grep -q "^  $B: a key and a code; a secret (mode 0400)$" out.txt || fail "status $B: $(cat out.txt)"
grep -q "PAM (/etc/pam.d/sshd): asks a TOTP code (nullok" out.txt || fail "status PAM: $(cat out.txt)"
pass
# again: nothing to change, B's secret kept (not shown again), proven
expect_status 0 "mfa enable again" -- "$K" mfa enable "${COMMON[@]}" --users "$B" "$(target one)" >out.txt
grep -q "mfa already set up, proven" out.txt || fail "again: $(cat out.txt)"
grep -q "kept $B's ~/.google_authenticator" out.txt || fail "again, kept: $(cat out.txt)"
grep -q "new secret" out.txt && fail "a secret shown again: $(cat out.txt)"
[ "$(head -1 "$ga")" = "$sb" ] || fail "the secret changed"
pass
# doctor as root's view (--for-user, through A's sudo): what B's code needs is in place;
# then B's secret readable by others: named as the cause
expect_status 0 "doctor --for-user" -- "$K" doctor --for-user "$B" -i id -o "UserKnownHostsFile=$KH" \
	"$(target one)" >out.txt
for want in "PASS server: second factor: sshd's PAM stack asks a TOTP code after the key (nullok)" \
	"PASS server: second factor: $B's ~/.google_authenticator: mode 0400, its own" \
	"PASS server: second factor: the server's clock is within [0-9]* s of ours"; do
	grep -q "$want" out.txt || fail "doctor: no '$want': $(cat out.txt)"
done
chmod 644 "$ga"
"$K" doctor --for-user "$B" -i id -o "UserKnownHostsFile=$KH" "$(target one)" >out.txt
[ $? != 0 ] || fail "doctor with a readable secret: $(cat out.txt)"
head -1 out.txt | grep -q "$B's ~/.google_authenticator is readable or writable by others (mode 0644): the module refuses it" ||
	fail "doctor's cause: $(cat out.txt)"
chmod 400 "$ga"
chown root "$ga"
"$K" doctor --for-user "$B" -i id -o "UserKnownHostsFile=$KH" "$(target one)" >out.txt
head -1 out.txt | grep -q "$B's ~/.google_authenticator is owned by uid 0, not the account (uid $(id -u "$B")): the module refuses it" ||
	fail "doctor, a secret owned by root: $(cat out.txt)"
chown "$B" "$ga"
pass
# enable for C adds C to the block; B keeps its second factor
expect_status 0 "mfa enable --users C" -- "$K" mfa enable "${COMMON[@]}" --users "$C" "$(target one)" >out.txt
grep -qx "Match User $B,$C" "$TB_ROOT/one/etc/ssh/sshd_config.d/00-sshkeyctl-mfa.conf" ||
	fail "the block after adding $C: $(cat "$TB_ROOT/one/etc/ssh/sshd_config.d/00-sshkeyctl-mfa.conf")"
key_login one "$B" && fail "$B lost its second factor when $C was added"
key_login one "$C" && fail "$C: the key alone logs in"
expect_status 1 "mfa enable --group over a Match User block" -- "$K" mfa enable "${COMMON[@]}" \
	--group "$G" "$(target one)" >out.txt
grep -q "refused: mfa is set up here for \"User $B,$C\"" out.txt || fail "group over users: $(cat out.txt)"
# harden again, even --fix-match, leaves mfa's block alone: keyboard-interactive after a key
# is no password way in (commenting it out would lock B and C out)
block_before=$(sha256sum <"$TB_ROOT/one/etc/ssh/sshd_config.d/00-sshkeyctl-mfa.conf")
expect_status 0 "harden --fix-match under mfa" -- "$K" harden "${COMMON[@]}" --fix-match "$(target one)" >out.txt
grep -q "already hardened, proven" out.txt || fail "harden under mfa: $(cat out.txt)"
[ "$(sha256sum <"$TB_ROOT/one/etc/ssh/sshd_config.d/00-sshkeyctl-mfa.conf")" = "$block_before" ] ||
	fail "harden --fix-match changed mfa's block"
pass
# disable --users C: C out of the block, B keeps it, the PAM stack stays
expect_status 0 "mfa disable --users C" -- "$K" mfa disable "${COMMON[@]}" --users "$C" "$(target one)" >out.txt
grep -q "proven: $C: the key alone logs in again" out.txt || fail "disable C: $(cat out.txt)"
grep -qx "Match User $B" "$TB_ROOT/one/etc/ssh/sshd_config.d/00-sshkeyctl-mfa.conf" ||
	fail "the block after removing $C: $(cat "$TB_ROOT/one/etc/ssh/sshd_config.d/00-sshkeyctl-mfa.conf")"
key_login one "$C" || fail "$C: the key alone does not log in after disable --users"
key_login one "$B" && fail "$B lost its second factor when $C was taken out"
pass
# harden --undo would bring password login back while PAM asks a code: refused
expect_status 1 "harden --undo under mfa" -- "$K" harden "${COMMON[@]}" --undo "$(target one)" >out.txt
grep -q "refused: mfa is set up here" out.txt || fail "undo under mfa: $(cat out.txt)"
expect_status 0 "mfa disable" -- "$K" mfa disable "${COMMON[@]}" "$(target one)" >out.txt
grep -q "mfa off, proven" out.txt || fail "disable: $(cat out.txt)"
[ "$(snapshot one)" = "$before" ] || fail "disable did not restore the files byte for byte"
key_login one "$B" || fail "$B: the key alone does not log in after disable"
[ -e "$ga" ] || fail "disable removed $B's secret"
expect_status 0 "mfa disable again" -- "$K" mfa disable "${COMMON[@]}" "$(target one)" >out.txt
grep -q "mfa is not set up here" out.txt || fail "disable again: $(cat out.txt)"
pass

# --qr-dir: the QR codes as PNG (read back by zbarimg to the same URI) and SVG, 0600, never
# over an existing file
host qr
mkdir -p qrs
# (-q hides the hosts that end OK, never a secret shown once)
expect_status 0 "mfa enable --qr-dir" -- "$K" mfa enable -q "${COMMON[@]}" --users "$B" --qr-dir qrs \
	"$(target qr)" >out.txt
grep -q "new secret for $B@" out.txt || fail "-q hid the secret: $(cat out.txt)"
uri=$(sed -n 's/^    uri: //p' out.txt)
png=$(ls qrs/*.png)
[ "$(zbarimg --raw -q "$png" 2>/dev/null)" = "$uri" ] || fail "the PNG does not read back as the URI"
grep -q '<svg' qrs/*.svg || fail "no SVG: $(ls qrs)"
[ "$(stat -c %a "$png")" = 600 ] || fail "PNG mode $(stat -c %a "$png")"
grep -q "written: qrs/$B@" out.txt || fail "the files are not named: $(cat out.txt)"
pass

# 3. A group (Match Group): a member with a secret of its own keeps it; its code logs in
host grp
dh=$(testbed_home grp "$D")
printf '%s\n" TOTP_AUTH\n' "$SECRET" >"$dh/.google_authenticator"
chown "$D" "$dh/.google_authenticator"
chmod 400 "$dh/.google_authenticator"
expect_status 0 "mfa enable --group" -- "$K" mfa enable "${COMMON[@]}" --group "$G" "$(target grp)" >out.txt
grep -q "mfa on, proven" out.txt || fail "group: $(cat out.txt)"
grep -q "^Match Group $G\$" "$TB_ROOT/grp/etc/ssh/sshd_config.d/00-sshkeyctl-mfa.conf" ||
	fail "group block: $(cat "$TB_ROOT/grp/etc/ssh/sshd_config.d/00-sshkeyctl-mfa.conf")"
grep -q "kept $D's ~/.google_authenticator" out.txt || fail "group, kept: $(cat out.txt)"
grep -q "proven: $D: the key alone is not enough: sshd then asks a code (not answered: its secret was there before)" out.txt ||
	fail "group, $D's proof: $(cat out.txt)"
sc=$(secret_of out.txt "$C")
[ -n "$sc" ] || fail "no secret for $C: $(cat out.txt)"
[ "$(head -1 "$dh/.google_authenticator")" = "$SECRET" ] || fail "$D's own secret was changed"
key_code_login grp "$D" "$SECRET" || fail "$D: its own code does not log in"
key_code_login grp "$C" "$sc" 30 || fail "$C: the code shown does not log in"
key_login grp "$C" && fail "$C: the key alone logs in"
key_login grp "$B" || fail "$B (not in the group) cannot log in with the key"
pass

# 4. --all: the login account too (its secret proven by sshkeyctl's own login with a code);
# an account without a secret gets in with its key alone (nullok) until --enforce
host all
expect_status 0 "mfa enable --all" -- "$K" mfa enable "${COMMON[@]}" --all "$(target all)" >out.txt
grep -q "mfa on, proven" out.txt || fail "all: $(cat out.txt)"
grep -q "warning: $A, this login, is in the rollout" out.txt || fail "all: no warning: $(cat out.txt)"
sa=$(secret_of out.txt "$A")
key_code_login all "$A" "$sa" 30 || fail "$A: the code shown does not log in"
# B has no secret: the module lets it pass (nullok), pam_permit ends the stack, no prompt
# shellcheck disable=SC2046
sshpass -P "Verification code" -p 000000 ssh $(ssh_opts all) -i id "$B@127.0.0.1" true 2>/dev/null ||
	fail "$B (no secret, not enforced) cannot log in with its key"
# verify says so: the key logs in, no second factor in force (never "second factor required")
expect_status 0 "verify $B under nullok" -- "$K" verify -i id -o "UserKnownHostsFile=$KH" \
	"$(target all "$B")" >out.txt
grep -q "OK: key login works (id); no password login; sshd asks keyboard-interactive after the key and lets it in without a question (no second factor in force" out.txt ||
	fail "verify $B under nullok: $(cat out.txt)"
# sshkeyctl's own later work as A stops at the code, said so
"$K" mfa status -i id -o "UserKnownHostsFile=$KH" "$(target all)" >out.txt 2>&1
[ $? = 1 ] || fail "status as $A after --all: $(cat out.txt)"
grep -q "then asks a second factor" out.txt || fail "status as $A: $(cat out.txt)"
pass
host enforce
expect_status 0 "mfa enable --all --enforce" -- "$K" mfa enable "${COMMON[@]}" --all --enforce \
	"$(target enforce)" >out.txt
grep -q "mfa on, proven" out.txt || fail "enforce: $(cat out.txt)"
grep -q "warning: --all --enforce: every account without a ~/.google_authenticator can no longer log in" out.txt ||
	fail "enforce warning: $(cat out.txt)"
grep -q "pam_permit\|nullok" "$TB_ROOT/enforce/etc/pam.d/sshd" && fail "enforce: nullok left"
# shellcheck disable=SC2046
sshpass -P "Verification code" -p 000000 ssh $(ssh_opts enforce) -i id "$B@127.0.0.1" true 2>/dev/null &&
	fail "$B (no secret, enforced) still logs in"
pass

# 5. Refusals change nothing and leave no secret: password login still on; a PAM stack
# without the password line sshkeyctl knows; the module missing; the server's clock off
refused() { # HOST WHAT PATTERN [OPTIONS]: refused, files and homes as before
	local before
	before=$(snapshot "$1")
	"$K" mfa enable "${COMMON[@]}" "${@:4}" --users "$B" "$(target "$1")" >out.txt 2>&1
	[ $? = 1 ] || fail "$2: not refused: $(cat out.txt)"
	grep -q "refused: .*$3" out.txt || fail "$2: $(cat out.txt)"
	[ "$(snapshot "$1")" = "$before" ] || fail "$2: files changed"
	[ -e "$TB_ROOT/$1/home/$B/.google_authenticator" ] && [ ! -L "$TB_ROOT/$1/home/$B/.google_authenticator" ] &&
		[ ! -p "$TB_ROOT/$1/home/$B/.google_authenticator" ] && [ "$2" != "a secret others can read" ] &&
		fail "$2: a secret was left"
	pass
}
mkdir -p "$TB_ROOT/pwon/etc/ssh/sshd_config.d"
testbed_host_up pwon || fail "host pwon"
for u in "$A" "$B"; do testbed_authorize pwon "$u" id.pub; done
refused pwon "password login on" "password login is still on .*run sshkeyctl harden first"
host nopam
sed -i 's/^@include common-auth/auth required pam_unix.so/' "$TB_ROOT/nopam/etc/pam.d/sshd"
refused nopam "PAM stack" 'no "@include common-auth" or "auth substack password-auth" line'
host nomodule
mkdir -p "$WORK/security"
cp -a /lib/x86_64-linux-gnu/security/. "$WORK/security/"
rm "$WORK/security/pam_google_authenticator.so"
testbed_exec nomodule mount --bind "$WORK/security" /lib/x86_64-linux-gnu/security || fail "bind"
refused nomodule "module missing" "apt-get install libpam-google-authenticator"
host skew
# the server's clock an hour ahead: a date(1) first in the root helper's PATH, on that host
mkdir -p "$WORK/sbin"
printf '#!/bin/sh
exec /bin/date -d @$(( $(/bin/date +%%s) + 3600 )) "$@"
' >"$WORK/sbin/date"
chmod 755 "$WORK/sbin/date"
testbed_exec skew mount --bind "$WORK/sbin" /usr/local/sbin || fail "bind"
refused skew "clock" "the server's clock is 3[56][0-9][0-9] s ahead of ours"
expect_status 0 "status with a skewed clock" -- "$K" mfa status -i id -o "UserKnownHostsFile=$KH" \
	"$(target skew)" >out.txt
grep -q "warning: the server's clock is .* ahead of ours" out.txt || fail "status skew: $(cat out.txt)"
# set up by hand there, the PAM stack left asking the password: doctor names both
printf 'Match User %s\n\tKbdInteractiveAuthentication yes\n\tAuthenticationMethods publickey,keyboard-interactive\n' \
	"$B" >"$TB_ROOT/skew/etc/ssh/sshd_config.d/10-mfa.conf"
testbed_reload skew
"$K" doctor --for-user "$B" -i id -o "UserKnownHostsFile=$KH" "$(target skew)" >out.txt
[ $? != 0 ] || fail "doctor on skew: $(cat out.txt)"
grep -q "FAIL server: second factor: after the key sshd's PAM stack asks the password too (common-auth:" out.txt ||
	fail "doctor: PAM asking the password: $(cat out.txt)"
grep -q "FAIL server: second factor: the server's clock is 3[56][0-9][0-9] s ahead of ours" out.txt ||
	fail "doctor: the clock: $(cat out.txt)"
grep -q "FAIL server: second factor: $B has no ~/.google_authenticator" out.txt ||
	fail "doctor: no secret: $(cat out.txt)"
pass

# 6. Failures after the write, each restored: files byte for byte, the new secret removed,
# nobody locked out. An earlier Match block that wins (found before the reload), a reload
# without effect and a failure after it (found by the proof), the connection cut (the
# dead-man restores by itself)
host early
printf 'Match User %s\n\tAuthenticationMethods publickey\n' "$B" \
	>"$TB_ROOT/early/etc/ssh/sshd_config.d/00-aaa.conf"
testbed_reload early
before=$(snapshot early)
expect_status 1 "an earlier Match block" -- "$K" mfa enable "${COMMON[@]}" --users "$B" \
	"$(target early)" >out.txt
grep -q "rolled back: the Match block did not take effect for $B: sshd -T shows AuthenticationMethods publickey" out.txt ||
	fail "earlier Match: $(cat out.txt)"
[ "$(snapshot early)" = "$before" ] || fail "earlier Match: files differ"
[ -e "$TB_ROOT/early/home/$B/.google_authenticator" ] && fail "earlier Match: the secret stayed"
grep -q "removed $B's new ~/.google_authenticator" out.txt || fail "earlier Match: $(cat out.txt)"
key_login early "$B" || fail "earlier Match: $B locked out"
pass
for fault in sshd-test-fails wrong-pam-line reload-no-effect fail-after-reload; do
	host "$fault"
	before=$(snapshot "$fault")
	expect_status 1 "$fault" -- env SSHKEYCTL_TEST_FAULT=$fault "$SSHKEYCTL_FAULTS" mfa enable \
		"${COMMON[@]}" --users "$B" "$(target "$fault")" >out.txt
	grep -q "rolled back: " out.txt || fail "$fault: $(cat out.txt)"
	case $fault in
	sshd-test-fails) why="the new configuration fails sshd -t: (injected)" ;;
	wrong-pam-line) why="the proof failed: the code computed here was refused for $B" ;;
	reload-no-effect) why="the proof failed: the key alone logs in as $B" ;;
	*) why="failure injected after the reload" ;;
	esac
	grep -q "rolled back: $why" out.txt || fail "$fault: $(cat out.txt)"
	grep -q "removed $B's new ~/.google_authenticator (with the backup)" out.txt ||
		fail "$fault: the secret's removal not said: $(cat out.txt)"
	[ "$(snapshot "$fault")" = "$before" ] || fail "$fault: files differ"
	[ -e "$TB_ROOT/$fault/home/$B/.google_authenticator" ] && fail "$fault: the secret stayed"
	key_login "$fault" "$B" || fail "$fault: $B locked out"
	key_login "$fault" "$A" || fail "$fault: $A locked out"
	pass
done
host cut
before=$(snapshot cut)
expect_status 1 "connection cut" -- env SSHKEYCTL_TEST_FAULT=cut-after-reload "$SSHKEYCTL_FAULTS" \
	mfa enable -i id -o "UserKnownHostsFile=$KH" --accept-new --confirm-timeout 10 --users "$B" \
	"$(target cut)" >out.txt
grep -q "dead-man" out.txt || fail "cut: $(cat out.txt)"
key_login cut "$B" && fail "cut: the change should stand until the dead-man acts"
for i in $(seq 40); do
	[ "$(snapshot cut)" = "$before" ] && break
	sleep 0.5
done
[ "$(snapshot cut)" = "$before" ] || fail "cut: the dead-man did not restore the files"
sleep 1
key_login cut "$B" || fail "cut: $B locked out after the dead-man"
[ -e "$TB_ROOT/cut/home/$B/.google_authenticator" ] && fail "cut: the dead-man left the unseen secret"
pass
# killed after the first write: the next run restores what was left open, the secret that
# was never shown with it, then does the work (a new secret, shown)
host killed
before=$(snapshot killed)
SSHKEYCTL_TEST_FAULT=kill-after-first-write "$SSHKEYCTL_FAULTS" mfa enable "${COMMON[@]}" \
	--users "$B" "$(target killed)" >out.txt 2>&1
[ $? = 137 ] || fail "kill: not killed: $(cat out.txt)"
[ -e "$TB_ROOT/killed/home/$B/.google_authenticator" ] || fail "kill: no secret written before the kill"
key_login killed "$A" || fail "kill: $A locked out"
expect_status 0 "the run after a kill" -- "$K" mfa enable "${COMMON[@]}" --users "$B" "$(target killed)" >out.txt
grep -q "an interrupted harden run had left .* open: its backup is restored" out.txt ||
	fail "kill: the recovery is not said: $(cat out.txt)"
grep -q "mfa on, proven" out.txt || fail "kill: the next run: $(cat out.txt)"
sk=$(secret_of out.txt "$B")
[ -n "$sk" ] && [ "$(head -1 "$TB_ROOT/killed/home/$B/.google_authenticator")" = "$sk" ] ||
	fail "kill: the secret in place is not the one shown: $(cat out.txt)"
pass

# 7. Hostile accounts: a secret file that is a link to root's file, or a FIFO (a reader
# would hang): refused, nothing written through them, nothing changed
host hostile
bh=$TB_ROOT/hostile/home/$B
ln -s /etc/ssh/ssh_host_ed25519_key "$bh/.google_authenticator"
chown -h "$B" "$bh/.google_authenticator"
key_sum=$(sha256sum <"$TB_ROOT/hostile/etc/ssh/ssh_host_ed25519_key")
refused hostile "a link" "$B's ~/.google_authenticator is a symbolic link: the module refuses it"
[ "$(sha256sum <"$TB_ROOT/hostile/etc/ssh/ssh_host_ed25519_key")" = "$key_sum" ] ||
	fail "the host key behind the link changed"
[ "$(stat -c %a "$TB_ROOT/hostile/etc/ssh/ssh_host_ed25519_key")" = 600 ] || fail "its mode changed"
rm "$bh/.google_authenticator"
mkfifo "$bh/.google_authenticator"
chown "$B" "$bh/.google_authenticator"
refused hostile "a FIFO" "$B's ~/.google_authenticator is not a regular file"
rm "$bh/.google_authenticator"
printf '%s\n" TOTP_AUTH\n' "$SECRET" >"$bh/.google_authenticator"
chown "$B" "$bh/.google_authenticator"
chmod 644 "$bh/.google_authenticator"
refused hostile "a secret others can read" "readable or writable by others"

done_checks
