#!/bin/bash
# Login shells that print: accounts whose shell is bash, zsh, fish, tcsh or busybox sh, with
# rc files that echo text even when not interactive (.bashrc, .zshenv, config.fish, .tcshrc),
# and a nologin account with Debian's external sftp-server. Every helper's answer is framed,
# so copy, perms, doctor (its root view through sudo too) and harden work through them; SFTP
# through such a shell fails with the reason named. Results are checked on the host's files
# and with a real OpenSSH key login.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../testbed/testbed.sh"
testbed_suite

PW="pw of the shells"
echo "$PW" >pw
"$K" keygen -q -f id --no-passphrase -C shells || fail "keygen"
KH=$WORK/known_hosts
COMMON=(-i id --accept-new -o "UserKnownHostsFile=$KH")
SUDOERS=/etc/sudoers.d/sshkeyctl-shells-$$
cleanup_hooks+=("rm -f $SUDOERS")
testbed_host_up chatty || fail "host"
PORT=$(testbed_port chatty)
# busybox is a shell when called by an applet name (in a directory every account can reach)
BIN=$(mktemp -d /tmp/sshkeyctl-shells.XXXXXX) && chmod 755 "$BIN" || fail "mktemp"
cleanup_hooks+=("rm -rf $BIN")
ln -sf "$(command -v busybox)" "$BIN/ash"

key_login() { # USER: the key logs in and runs a command (the shell's chatter aside)
	ssh -F /dev/null -o UserKnownHostsFile="$KH" -o BatchMode=yes -o IdentitiesOnly=yes -i id \
		-p "$PORT" "$1@127.0.0.1" 'echo sshkeyctl-login-ok' 2>/dev/null | grep -qx sshkeyctl-login-ok
}

n=0
for shell in /bin/bash /usr/bin/zsh /usr/bin/fish /usr/bin/tcsh "$BIN/ash"; do
	[ -x "$shell" ] || { echo "no $shell here: not tested"; continue; }
	n=$((n + 1))
	u=sktest-sh$n-$$
	testbed_add_user "$u" "$PW" "$shell" || fail "useradd $u"
	echo "$u ALL=(ALL:ALL) ALL" >>"$SUDOERS"
	chmod 440 "$SUDOERS"
	home=$(testbed_home chatty "$u")
	mkdir -p "$home/.config/fish"
	# every rc file a non-interactive shell reads, printing
	for rc in .bashrc .zshenv .tcshrc .cshrc .config/fish/config.fish; do
		echo 'echo "This is the rc file talking"' >"$home/$rc"
	done
	chown -R "$u:" "$home"
	t="$u@127.0.0.1:$PORT"
	# the chatter is real: ssh sees it before the command's output
	sshpass -f pw ssh -F /dev/null -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no \
		-o PubkeyAuthentication=no -p "$PORT" "$u@127.0.0.1" true 2>/dev/null >chatter.txt
	[ "$shell" = "$BIN/ash" ] || grep -q "rc file talking" chatter.txt ||
		fail "$shell: the rc file does not print (the test would prove nothing)"

	"$K" copy "${COMMON[@]}" --password-file pw "$t" >out.txt || fail "$shell copy: $(cat out.txt)"
	grep -q "installed and verified" out.txt || fail "$shell copy: $(cat out.txt)"
	same "$home/.ssh/authorized_keys" id.pub "$shell: authorized_keys holds exactly the key"
	[ "$(stat -c '%a %U' "$home/.ssh/authorized_keys")" = "600 $u" ] || fail "$shell: mode/owner"
	key_login "$u" || fail "$shell: no key login after copy"

	"$K" verify "${COMMON[@]}" "$t" >out.txt
	[ $? = 5 ] || fail "$shell verify: $(cat out.txt)"
	grep -q "key login works" out.txt || fail "$shell verify: $(cat out.txt)"

	chmod 666 "$home/.ssh/authorized_keys"
	"$K" perms --fix "${COMMON[@]}" --password-file pw "$t" >out.txt || fail "$shell perms --fix: $(cat out.txt)"
	[ "$(mode_of "$home/.ssh/authorized_keys")" = 664 ] || fail "$shell: perms did not fix: $(cat out.txt)"
	key_login "$u" || fail "$shell: no key login after perms"

	# doctor's root view (it looks when the key is refused) runs through sudo: sshd -T,
	# the account, the log, SELinux
	cp "$home/.ssh/authorized_keys" saved
	: >"$home/.ssh/authorized_keys"
	"$K" doctor "${COMMON[@]}" --password-file pw "$t" >out.txt && fail "$shell doctor: $(cat out.txt)"
	grep -q "PASS server: key type" out.txt || fail "$shell doctor: no root view: $(cat out.txt)"
	grep -Eq "SKIP server: sshd's view|invalid format|cannot run commands" out.txt &&
		fail "$shell doctor root view: $(cat out.txt)"
	grep -q "not listed\|not installed\|does not list" out.txt || fail "$shell doctor cause: $(cat out.txt)"
	cat saved >"$home/.ssh/authorized_keys"

	"$K" harden "${COMMON[@]}" --password-file pw --dry-run "$t" >out.txt ||
		fail "$shell harden --dry-run: $(cat out.txt)"
	grep -q "would change" out.txt || fail "$shell harden --dry-run: $(cat out.txt)"

	# SFTP through the chatty shell: the reason is named (busybox sh reads no rc file)
	if [ "$shell" = "$BIN/ash" ]; then
		"$K" copy "${COMMON[@]}" --password-file pw --sftp "$t" >out.txt ||
			fail "$shell sftp: $(cat out.txt)"
	else
		"$K" copy "${COMMON[@]}" --password-file pw --sftp "$t" >out.txt &&
			fail "$shell sftp: $(cat out.txt)"
		grep -q "the login shell printed text before SFTP started (\"This is the rc file talking\")" \
			out.txt || fail "$shell sftp reason: $(cat out.txt)"
	fi
	pass
done
[ "$n" -ge 4 ] || skip "fewer than four shells here"

# a nologin account and Debian's external sftp-server: nologin's notice comes first
v=sktest-nl-$$
testbed_add_user "$v" "$PW" /usr/sbin/nologin || fail "useradd $v"
testbed_home chatty "$v" >/dev/null
"$K" copy "${COMMON[@]}" --password-file pw --sftp "$v@127.0.0.1:$PORT" >out.txt &&
	fail "nologin sftp: $(cat out.txt)"
grep -q "the account's shell is nologin .* use Subsystem sftp internal-sftp" out.txt ||
	fail "nologin sftp reason: $(cat out.txt)"
[ -e "$TB_ROOT/chatty/home/$v/.ssh" ] && fail "nologin: something was written"
pass
# harden itself through a chatty shell (bash), for real: password login off, the key logs in
u=sktest-sh1-$$
"$K" harden "${COMMON[@]}" --password-file pw --confirm-timeout 20 "$u@127.0.0.1:$PORT" >out.txt ||
	fail "harden through bash's chatter: $(cat out.txt)"
grep -q "password login off, proven" out.txt || fail "harden: $(cat out.txt)"
sshpass -f pw ssh -F /dev/null -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no \
	-o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1 -p "$PORT" "$u@127.0.0.1" true \
	2>/dev/null && fail "password login still works after harden"
key_login "$u" || fail "no key login after harden"
pass

done_checks
