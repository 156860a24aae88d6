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
# key_code_login HOST USER SECRET: the key, then the code oathtool computes from SECRET
key_code_login() {
	# shellcheck disable=SC2046
	sshpass -P "Verification code" -p "$(oathtool --totp -b "$3")" ssh $(ssh_opts "$1") \
		-i id "$2@127.0.0.1" true 2>/dev/null
}
key_login() { # HOST USER: the key alone
	# shellcheck disable=SC2046
	ssh $(ssh_opts "$1") -o BatchMode=yes -i id "$2@127.0.0.1" true 2>/dev/null
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
	for u in "$A" "$B"; do testbed_authorize "$1" "$u" id.pub; done
}

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

done_checks
