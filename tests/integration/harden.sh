#!/bin/bash
# harden against real sshd hosts configured the ways real servers are: every case ends with
# real logins through OpenSSH (a password login must fail, the key must log in) and a look at
# the host's files.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../testbed/testbed.sh"
need_cmd ssh
need_cmd sshpass
need_cmd sudo
testbed_init "$WORK/tb"
cleanup_hooks+=("testbed_cleanup")
unset SSH_AUTH_SOCK

A=sktest-h$$ # a sudo user with a password
B=sktest-n$$ # no sudo
C=sktest-c$$ # a third account, for --users and Match User
PW="pw of $A"
for u in "$A" "$B" "$C"; do testbed_add_user "$u" "$PW" || fail "useradd"; done
SUDOERS=/etc/sudoers.d/sshkeyctl-test-$$
echo "$A ALL=(ALL:ALL) ALL" >"$SUDOERS"
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
	local u home
	for u in "$A" "$B" "$C"; do
		home=$(testbed_home "$1" "$u")
		mkdir -m 700 "$home/.ssh"
		cp id.pub "$home/.ssh/authorized_keys"
		chown -R "$u" "$home/.ssh"
	done
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
	xargs -0 sha256sum); }
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

done_checks
