#!/bin/bash
# The same work against every server kind of the test bed (TB_KIND): Debian's OpenSSH 9.2,
# upstream OpenSSH 10.5 (mixed-case sshd -T) and 8.0 (no Include, ChallengeResponse),
# Dropbear and tinysshd. Each success or cause is checked against the host's files and a
# real OpenSSH login; each statement the issue found untrue on these servers is a check.
# SERVERS_KINDS limits the kinds (default: all; a kind this machine cannot run is skipped).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../testbed/testbed.sh"
testbed_suite

A=sktest-sa$$ # sudo with a password
B=sktest-sb$$ # denied by DenyUsers on the OpenSSH hosts
C=sktest-sc$$ # served by root (--for-user)
PW="pw of the servers"
for u in "$A" "$B" "$C"; do testbed_add_user "$u" "$PW" || fail "useradd"; done
SUDOERS=/etc/sudoers.d/sshkeyctl-servers-$$
printf '%s ALL=(ALL:ALL) ALL\n' "$A" >"$SUDOERS"
chmod 440 "$SUDOERS"
cleanup_hooks+=("rm -f $SUDOERS")
echo "$PW" >pw
for k in id id2 id3; do "$K" keygen -q -f $k --no-passphrase -C "$k@servers" || fail "keygen"; done
KH=$WORK/known_hosts
COMMON=(--accept-new -o "UserKnownHostsFile=$KH")

target() { echo "${2:-$A}@127.0.0.1:$(testbed_port "$1")"; }
key_login() { # HOST KEY [USER]
	ssh -F /dev/null -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o BatchMode=yes \
		-o IdentitiesOnly=yes -i "$2" -p "$(testbed_port "$1")" "${3:-$A}@127.0.0.1" true 2>/dev/null
}
password_login() { # HOST [USER]
	sshpass -f pw ssh -F /dev/null -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no \
		-o PreferredAuthentications=password,keyboard-interactive -o PubkeyAuthentication=no \
		-o NumberOfPasswordPrompts=1 -p "$(testbed_port "$1")" "${2:-$A}@127.0.0.1" true 2>/dev/null
}
snapshot() { (cd "$TB_ROOT/$1/etc/ssh" && find . -type f ! -name sshd.pid -print0 | sort -z |
	xargs -0 sha256sum 2>/dev/null); }
ak() { echo "$TB_ROOT/$1/home/${2:-$A}/.ssh/authorized_keys"; }

# An OpenSSH host: the whole procedure, as the account and as root
openssh_kind() {
	local kind=$1 h=o-${1//./-}
	TB_KIND=$kind testbed_host_up "$h" "DenyUsers $B
Match User root
	AuthorizedKeysFile /etc/ssh/root_authorized_keys" || fail "$kind: host"
	cp id.pub "$TB_ROOT/$h/etc/ssh/root_authorized_keys"
	for u in "$A" "$B" "$C"; do testbed_home "$h" "$u" >/dev/null; done

	"$K" copy -i id2 "${COMMON[@]}" --password-file pw "$(target "$h")" >out.txt ||
		fail "$kind copy: $(cat out.txt)"
	grep -q "installed and verified" out.txt || fail "$kind copy: $(cat out.txt)"
	same "$(ak "$h")" id2.pub "$kind copy: the file holds the key"
	key_login "$h" id2 || fail "$kind: no key login after copy"

	"$K" verify -i id2 "${COMMON[@]}" "$(target "$h")" >out.txt
	[ $? = 5 ] || fail "$kind verify before harden: $(cat out.txt)"
	grep -q "password login is still offered" out.txt || fail "$kind verify: $(cat out.txt)"

	chmod 666 "$(ak "$h")"
	"$K" perms -i id2 "${COMMON[@]}" --password-file pw "$(target "$h")" >out.txt
	[ $? = 5 ] || fail "$kind perms: $(cat out.txt)"
	grep -Eq "writable by (group and )?others \(0666\)" out.txt || fail "$kind perms: $(cat out.txt)"
	chmod 600 "$(ak "$h")"

	# doctor's root view under DenyUsers (sshd -T, mixed-case on 10.5): the list is the
	# cause, never "let in"
	testbed_authorize "$h" "$B" id.pub
	"$K" doctor -i id "${COMMON[@]}" --for-user "$B" "$(target "$h" root)" >out.txt &&
		fail "$kind doctor DenyUsers: $(cat out.txt)"
	grep -q "let $B in" out.txt && fail "$kind doctor says the lists let $B in: $(cat out.txt)"
	head -1 out.txt | grep -q "DenyUsers" || fail "$kind doctor DenyUsers cause: $(cat out.txt)"
	pass

	# doctor's root view through sudo, a key refused for bad modes: sshd's own refusal is
	# found in its log (sshd, or sshd-session/sshd-auth from 9.8), and doctor's password
	# session (its way in) is not quoted
	chmod 777 "$(dirname "$(ak "$h")")"
	"$K" doctor -i id2 "${COMMON[@]}" --password-file pw "$(target "$h")" >out.txt &&
		fail "$kind doctor bad modes: $(cat out.txt)"
	grep -q "sshd's log: .*Authentication refused: bad ownership or modes" out.txt ||
		fail "$kind: sshd's refusal not found in its log: $(cat out.txt)"
	grep "sshd's log" out.txt | grep -Eq "session (opened|closed)|Accepted password" &&
		fail "$kind: doctor quotes its own session: $(cat out.txt)"
	chmod 700 "$(dirname "$(ak "$h")")"
	pass

	# as root, an absolute AuthorizedKeysFile: the key goes there, ~/.ssh stays untouched
	mkdir -m 755 "$TB_ROOT/$h/etc/ssh/authorized_keys"
	printf 'AuthorizedKeysFile /etc/ssh/authorized_keys/%%u\n' >"$TB_ROOT/$h/etc/ssh/akf.conf"
	sed -i "1i Include /etc/ssh/akf.conf" "$TB_ROOT/$h/etc/ssh/sshd_config"
	[ "$kind" = openssh-8.0 ] && # no Include: the line itself
		sed -i "1s|.*|AuthorizedKeysFile /etc/ssh/authorized_keys/%u|" "$TB_ROOT/$h/etc/ssh/sshd_config"
	testbed_reload "$h"
	sleep 0.3
	rm -rf "$TB_ROOT/$h/home/$C/.ssh"
	"$K" copy -i id3 -i id "${COMMON[@]}" --for-user "$C" "$(target "$h" root)" >out.txt ||
		fail "$kind copy --for-user with an absolute AuthorizedKeysFile: $(cat out.txt)"
	grep -q "/etc/ssh/authorized_keys/$C" out.txt || fail "$kind: path not used: $(cat out.txt)"
	cat id3.pub id.pub >want
	same "$TB_ROOT/$h/etc/ssh/authorized_keys/$C" want "$kind: the keys in /etc/ssh/authorized_keys/$C"
	key_login "$h" id3 "$C" || fail "$kind: no key login through /etc/ssh/authorized_keys/$C"
	[ -e "$TB_ROOT/$h/home/$C/.ssh" ] && fail "$kind: ~/.ssh written although sshd does not read it"
	# back to the default files for the rest
	sed -i "1d" "$TB_ROOT/$h/etc/ssh/sshd_config"
	testbed_reload "$h"
	sleep 0.3
	pass

	# harden through sudo: proven by real logins
	"$K" harden -i id2 "${COMMON[@]}" --password-file pw --confirm-timeout 20 "$(target "$h")" >out.txt ||
		fail "$kind harden: $(cat out.txt)"
	grep -q "password login off, proven" out.txt || fail "$kind harden: $(cat out.txt)"
	password_login "$h" && fail "$kind: password login still works after harden"
	key_login "$h" id2 || fail "$kind: no key login after harden"
	"$K" verify -i id2 "${COMMON[@]}" "$(target "$h")" >out.txt || fail "$kind verify after: $(cat out.txt)"
	"$K" harden -i id2 "${COMMON[@]}" --password-file pw --confirm-timeout 20 --undo "$(target "$h")" \
		>out.txt || fail "$kind harden --undo: $(cat out.txt)"
	password_login "$h" || fail "$kind: password login not back after --undo"
	pass

	# keyboard-interactive on, password off: a password logs in only where something (PAM)
	# asks for it; verify says what a real login shows
	local kbd=KbdInteractiveAuthentication
	[ "$kind" = openssh-8.0 ] && kbd=ChallengeResponseAuthentication
	sed -i "1i PasswordAuthentication no\n$kbd yes" "$TB_ROOT/$h/etc/ssh/sshd_config"
	testbed_reload "$h"
	sleep 0.3
	"$K" verify -i id2 "${COMMON[@]}" "$(target "$h")" >out.txt
	local status=$?
	if password_login "$h"; then
		[ $status = 5 ] || fail "$kind: a password logs in, verify: $(cat out.txt)"
		grep -q "still offered to $A (keyboard-interactive)" out.txt || fail "$kind verify: $(cat out.txt)"
	else
		[ $status = 0 ] || fail "$kind: no password logs in, verify: $(cat out.txt)"
	fi
	sed -i "1,2d" "$TB_ROOT/$h/etc/ssh/sshd_config"
	testbed_reload "$h"
	sleep 0.3
	pass
}

# Dropbear: copy, verify, perms, doctor work; harden refuses, naming it, and never touches
# the OpenSSH configuration lying inactive on the box
dropbear_kind() {
	local h=dropbear
	TB_KIND=dropbear testbed_host_up $h || fail "dropbear: host"
	printf 'AllowUsers nobody\nPasswordAuthentication yes\n' >"$TB_ROOT/$h/etc/ssh/sshd_config"
	testbed_home $h "$A" >/dev/null
	"$K" copy -i id2 "${COMMON[@]}" --password-file pw "$(target $h)" >out.txt ||
		fail "dropbear copy: $(cat out.txt)"
	same "$(ak $h)" id2.pub "dropbear copy: the file holds the key"
	key_login $h id2 || fail "dropbear: no key login after copy"
	"$K" perms -i id2 "${COMMON[@]}" "$(target $h)" >out.txt || fail "dropbear perms: $(cat out.txt)"
	"$K" doctor -i id2 "${COMMON[@]}" "$(target $h)" >out.txt || fail "dropbear doctor: $(cat out.txt)"
	# a key listed nowhere: the inactive config's AllowUsers is not blamed
	"$K" doctor -i id3 "${COMMON[@]}" --password-file pw "$(target $h)" >out.txt &&
		fail "dropbear doctor id3: $(cat out.txt)"
	grep -qi "allowusers" out.txt && fail "dropbear: doctor blames an inactive config: $(cat out.txt)"
	grep -q "SKIP server: sshd's view: this server is Dropbear .*: sshd_config does not govern it" out.txt ||
		fail "dropbear: sshd's view: $(cat out.txt)"
	before=$(snapshot $h)
	"$K" harden -i id2 "${COMMON[@]}" --password-file pw "$(target $h)" >out.txt &&
		fail "dropbear harden must refuse: $(cat out.txt)"
	grep -q "this server is Dropbear 20[0-9.]* (its banner), not OpenSSH" out.txt ||
		fail "dropbear harden: $(cat out.txt)"
	[ "$(snapshot $h)" = "$before" ] || fail "dropbear: harden changed /etc/ssh"
	password_login $h || fail "dropbear: password login must still work"
	# scan: Dropbear reads ~/.ssh/authorized_keys alone; a key in authorized_keys2 (which
	# OpenSSH would read) is no key that logs in here
	cp id3.pub "$(ak $h)2"
	chown "$A:" "$(ak $h)2"
	"$K" scan --json -i id2 "${COMMON[@]}" "$(target $h)" >out.txt 2>&1
	grep -q '"record":"key".*"file":"/home/'"$A"'/.ssh/authorized_keys"' out.txt ||
		fail "dropbear scan: $(cat out.txt)"
	grep -q 'authorized_keys2' out.txt && fail "dropbear scan lists authorized_keys2: $(cat out.txt)"
	pass
}

# tinysshd: keys only, one channel, PK_OK for any key
tinysshd_kind() {
	local h=tinysshd
	TB_KIND=tinysshd testbed_host_up $h || fail "tinysshd: host"
	testbed_authorize $h "$A" id.pub
	"$K" copy -i id2 -i id "${COMMON[@]}" "$(target $h)" >out.txt || fail "tinysshd copy: $(cat out.txt)"
	grep -q "installed and verified" out.txt || fail "tinysshd copy: $(cat out.txt)"
	key_login $h id2 || fail "tinysshd: no key login after copy"
	grep -qF "$(cut -d' ' -f2 id2.pub)" "$(ak $h)" || fail "tinysshd: key not in the file"
	"$K" verify -i id2 "${COMMON[@]}" "$(target $h)" >out.txt || fail "tinysshd verify: $(cat out.txt)"
	# a key listed nowhere: tinysshd's "would take it" is not evidence
	"$K" doctor -i id3 "${COMMON[@]}" "$(target $h)" >out.txt && fail "tinysshd doctor: $(cat out.txt)"
	grep -q "accepts the key but the login does not complete" out.txt &&
		fail "tinysshd: PK_OK taken as evidence: $(cat out.txt)"
	head -1 out.txt | grep -q "refuses the key" || fail "tinysshd doctor cause: $(cat out.txt)"
	"$K" harden -i id "${COMMON[@]}" "$(target $h)" >out.txt && fail "tinysshd harden: $(cat out.txt)"
	grep -q "this server is tinysshd .* not OpenSSH" out.txt || fail "tinysshd harden: $(cat out.txt)"
	# scan: an RSA key in the file is one tinysshd never takes
	"$K" keygen -q -t rsa -b 2048 -f rsa --no-passphrase -C rsa || fail "keygen rsa"
	cat rsa.pub >>"$(ak $h)"
	"$K" scan --json -i id2 "${COMMON[@]}" "$(target $h)" >out.txt 2>&1
	[ $? = 5 ] || fail "tinysshd scan status: $(cat out.txt)"
	grep -q '"comment":"rsa".*"type-not-accepted"' out.txt || fail "tinysshd scan: $(cat out.txt)"
	grep '"comment":"rsa"' out.txt >/dev/null || fail "tinysshd scan: no rsa line"
	grep '"record":"key"' out.txt | grep -v '"comment":"rsa"' | grep -q "type-not-accepted" &&
		fail "tinysshd: an Ed25519 key flagged: $(cat out.txt)"
	# revoke: removed from the file, but tinysshd answers every key query with yes: the
	# proof cannot be made, and revoke says so (5), never "proven"
	"$K" revoke -i id2 "${COMMON[@]}" id.pub "$(target $h)" >out.txt 2>&1
	[ $? = 5 ] || fail "tinysshd revoke status: $(cat out.txt)"
	grep -q "cannot be proven refused (tinysshd answers every key query with yes)" out.txt ||
		fail "tinysshd revoke: $(cat out.txt)"
	grep -q "revoked, proven" out.txt && fail "tinysshd revoke claims a proof: $(cat out.txt)"
	grep -qF "$(cut -d' ' -f2 id.pub)" "$(ak $h)" && fail "tinysshd revoke: key still in the file"
	pass
}

# OpenSSH 9.8+'s PerSourcePenalties: a penalised address gets "Not allowed at this time",
# which doctor names as such (not "wrong port")
penalties() {
	local h=penalised
	TB_KIND=openssh-10.5 testbed_host_up $h "PerSourcePenalties authfail:60s min:1s" ||
		fail "penalties: host"
	testbed_home $h "$A" >/dev/null
	local i
	for i in 1 2 3; do
		sshpass -p wrong ssh -F /dev/null -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no \
			-o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1 -p "$(testbed_port $h)" \
			"$A@127.0.0.1" true 2>/dev/null
	done
	"$K" doctor -i id "${COMMON[@]}" "$(target $h)" >out.txt && fail "penalties doctor: $(cat out.txt)"
	head -1 out.txt | grep -q "PerSourcePenalties" || fail "penalties: $(cat out.txt)"
	grep -q "does not speak SSH" out.txt && fail "penalties: 'does not speak SSH': $(cat out.txt)"
	pass
}

# A ProxyJump host whose name resolves only behind the bastion (its own /etc/hosts): ssh
# gets there; doctor's name, TCP and banner checks say they were skipped, never "does not
# resolve"
proxyjump() {
	local h=bastion port
	TB_KIND=debian testbed_host_up $h || fail "bastion: host"
	testbed_authorize $h "$A" id.pub
	port=$(testbed_port $h)
	printf '127.0.0.1 localhost\n127.0.0.1 inside.sshkeyctl.invalid\n' >"$WORK/hosts"
	testbed_exec $h mount --bind "$WORK/hosts" /etc/hosts || fail "bastion /etc/hosts"
	cat >"$WORK/pj_config" <<CFG
Host inside
	HostName inside.sshkeyctl.invalid
	Port $port
	User $A
	ProxyJump bastion
Host bastion
	HostName 127.0.0.1
	Port $port
	User $A
Host *
	IdentityFile $WORK/id
	UserKnownHostsFile $WORK/pj_known_hosts
	StrictHostKeyChecking accept-new
CFG
	getent hosts inside.sshkeyctl.invalid >/dev/null && fail "the name must not resolve here"
	ssh -F "$WORK/pj_config" -o BatchMode=yes inside true 2>/dev/null || fail "ssh through the bastion"
	"$K" doctor -i id -F "$WORK/pj_config" --accept-new inside >out.txt
	grep -q "does not resolve" out.txt && fail "ProxyJump: 'does not resolve': $(cat out.txt)"
	grep -q "SKIP network: route: ssh reaches inside.sshkeyctl.invalid through ProxyJump (bastion)" \
		out.txt || fail "ProxyJump: no route note: $(cat out.txt)"
	pass
}

# Every AuthorizedKeysFile form, as root (sshd -T tells the helper which file) and as the
# account (sshd's default pair): %h %u %U %%, several files, none with AuthorizedKeysCommand
akf_forms() {
	local kind=$1 h=akf-${1//./-} uid
	uid=$(id -u "$C")
	TB_KIND=$kind testbed_host_up "$h" "Match User $C
	AuthorizedKeysFile %h/.ssh/keys_%u /etc/ssh/keys/%U .ssh/per%%cent
Match User $B
	AuthorizedKeysFile none
	AuthorizedKeysCommand /bin/cat /etc/ssh/keys/%u
	AuthorizedKeysCommandUser nobody
Match User root
	AuthorizedKeysFile /etc/ssh/root_authorized_keys" || fail "$kind akf: host"
	cp id.pub "$TB_ROOT/$h/etc/ssh/root_authorized_keys"
	mkdir -m 755 "$TB_ROOT/$h/etc/ssh/keys"
	local u
	for u in "$A" "$B" "$C"; do testbed_home "$h" "$u" >/dev/null; done
	local home=$TB_ROOT/$h/home/$C

	# the key in the second entry (/etc/ssh/keys/UID): copy as root finds it there
	cp id2.pub "$TB_ROOT/$h/etc/ssh/keys/$uid"
	"$K" copy -i id2 -i id "${COMMON[@]}" --for-user "$C" "$(target "$h" root)" >out.txt ||
		fail "$kind akf copy: $(cat out.txt)"
	[ -e "$home/.ssh/keys_$C" ] && grep -qF "$(cut -d' ' -f2 id2.pub)" "$home/.ssh/keys_$C" &&
		fail "$kind: copy added a key already in /etc/ssh/keys/$uid"
	key_login "$h" id2 "$C" || fail "$kind: no key login through %U"
	# a new key goes into the first entry, %h/.ssh/keys_%u
	"$K" copy -i id3 -i id "${COMMON[@]}" --for-user "$C" "$(target "$h" root)" >out.txt ||
		fail "$kind akf copy id3: $(cat out.txt)"
	grep -qF "$(cut -d' ' -f2 id3.pub)" "$home/.ssh/keys_$C" || fail "$kind: id3 not in keys_$C: $(cat out.txt)"
	key_login "$h" id3 "$C" || fail "$kind: no key login through %h/.ssh/keys_%u"
	[ -e "$home/.ssh/authorized_keys" ] && fail "$kind: the default file was written"
	pass

	# perms: every file that exists is checked (and %% is a percent sign); none is "OK" when
	# none exists
	printf '%s\n' "$(cat id3.pub)" >"$home/.ssh/per%cent"
	chown "$C:" "$home/.ssh/per%cent"
	chmod 666 "$home/.ssh/per%cent"
	"$K" perms -i id "${COMMON[@]}" --for-user "$C" "$(target "$h" root)" >out.txt
	[ $? = 5 ] || fail "$kind perms: $(cat out.txt)"
	grep -q "$home/.ssh/per%cent: file writable by" out.txt ||
		grep -q "/home/$C/.ssh/per%cent: file writable by" out.txt || fail "$kind perms per%%cent: $(cat out.txt)"
	chmod 600 "$home/.ssh/per%cent"
	pass

	# AuthorizedKeysFile none, keys from a command: copy refuses, naming the command;
	# doctor names it
	"$K" copy -i id2 -i id "${COMMON[@]}" --for-user "$B" "$(target "$h" root)" >out.txt &&
		fail "$kind: copy with AuthorizedKeysFile none: $(cat out.txt)"
	grep -q "AuthorizedKeysFile none.*AuthorizedKeysCommand /bin/cat /etc/ssh/keys/%u run as nobody" out.txt ||
		fail "$kind: copy refusal: $(cat out.txt)"
	[ -e "$TB_ROOT/$h/home/$B/.ssh" ] && fail "$kind: copy wrote for $B"
	"$K" doctor -i id "${COMMON[@]}" --for-user "$B" "$(target "$h" root)" >out.txt &&
		fail "$kind doctor none: $(cat out.txt)"
	grep -q "AuthorizedKeysCommand /bin/cat /etc/ssh/keys/%u run as nobody" out.txt ||
		fail "$kind doctor: the command not named: $(cat out.txt)"
	grep -q "sshkeyctl copy" out.txt && fail "$kind doctor advises a copy that cannot work: $(cat out.txt)"
	pass

	# the account itself, without root: sshd's default pair; a key in authorized_keys2 is
	# present, and perms checks authorized_keys2 (and never calls a missing file OK)
	local ahome=$TB_ROOT/$h/home/$A
	mkdir -m 700 "$ahome/.ssh"
	cp id2.pub "$ahome/.ssh/authorized_keys2"
	chown -R "$A:" "$ahome/.ssh"
	"$K" copy -i id2 "${COMMON[@]}" --password-file pw "$(target "$h")" >out.txt ||
		fail "$kind copy _keys2: $(cat out.txt)"
	grep -q "already present" out.txt || fail "$kind copy _keys2: $(cat out.txt)"
	[ -e "$ahome/.ssh/authorized_keys" ] && fail "$kind: copy added a key already in authorized_keys2"
	chmod 666 "$ahome/.ssh/authorized_keys2"
	"$K" perms -i id2 "${COMMON[@]}" --password-file pw "$(target "$h")" >out.txt
	[ $? = 5 ] || fail "$kind perms _keys2: $(cat out.txt)"
	grep -q "authorized_keys2: file writable by" out.txt || fail "$kind perms _keys2: $(cat out.txt)"
	grep -q "^.*: OK" out.txt && fail "$kind perms says OK: $(cat out.txt)"
	"$K" doctor -i id2 "${COMMON[@]}" --password-file pw "$(target "$h")" >out.txt &&
		fail "$kind doctor _keys2: $(cat out.txt)"
	head -1 out.txt | grep -q "authorized_keys2" || fail "$kind doctor _keys2: $(cat out.txt)"
	grep -q "not installed" out.txt && fail "$kind doctor says not installed: $(cat out.txt)"
	rm "$ahome/.ssh/authorized_keys2"
	"$K" perms -i id2 "${COMMON[@]}" --password-file pw "$(target "$h")" >out.txt
	[ $? = 5 ] || fail "$kind perms with no file: $(cat out.txt)"
	grep -q "no file" out.txt || fail "$kind perms with no file: $(cat out.txt)"
	pass
}

# The sshd that listens is not the first in PATH (upstream 10.5 from its own directory,
# Debian's 9.2 in /usr/sbin, which rejects 10.5's PerSourcePenalties): the helpers ask the
# listener, so root's copy writes where the listener reads keys
listener_not_in_path() {
	local h=beside
	TB_KIND=openssh-10.5 TB_UPSTREAM_BESIDE=1 testbed_host_up $h "PerSourcePenalties authfail:1s
AuthorizedKeysFile /etc/ssh/keys/%u
Match User root
	AuthorizedKeysFile /etc/ssh/root_authorized_keys" || fail "beside: host"
	cp id.pub "$TB_ROOT/$h/etc/ssh/root_authorized_keys"
	mkdir -m 755 "$TB_ROOT/$h/etc/ssh/keys"
	testbed_home $h "$C" >/dev/null
	testbed_exec $h sshd -T -f /etc/ssh/sshd_config >/dev/null 2>&1 &&
		fail "beside: the sshd in PATH should not read this configuration"
	"$K" copy -i id3 -i id "${COMMON[@]}" --for-user "$C" "$(target $h root)" >out.txt ||
		fail "beside copy: $(cat out.txt)"
	grep -qF "$(cut -d' ' -f2 id3.pub)" "$TB_ROOT/$h/etc/ssh/keys/$C" || fail "beside: not in /etc/ssh/keys/$C"
	[ -e "$TB_ROOT/$h/home/$C/.ssh" ] && fail "beside: ~/.ssh written"
	key_login $h id3 "$C" || fail "beside: no key login"
	"$K" harden -i id "${COMMON[@]}" --dry-run "$(target $h root)" >out.txt ||
		fail "beside harden --dry-run: $(cat out.txt)"
	pass
}

# Every kind, from the client's side (issue 15): ~/.ssh/config as ssh reads it (Port in a
# wildcard block, IdentityFile + IdentitiesOnly) compared with ssh HOST true, and the JSON
# host fields (the host key's SHA256 against the host's own key file)
client_side() {
	local kind=$1 h=client-$1
	TB_KIND=$kind testbed_host_up $h || fail "$kind: client-side host"
	testbed_authorize $h "$A" id.pub
	cat >cfg-$kind <<CFG
Host tb-*
	Port $(testbed_port $h)
Host tb-one
	HostName 127.0.0.1
	User $A
	IdentityFile $WORK/id
	IdentitiesOnly yes
	UserKnownHostsFile $WORK/kh-$kind
	StrictHostKeyChecking accept-new
CFG
	ssh -F cfg-$kind -o BatchMode=yes tb-one true </dev/null >/dev/null 2>&1 ||
		fail "$kind: ssh tb-one should log in"
	"$K" verify -F cfg-$kind --json tb-one >out.json 2>&1
	python3 - out.json "$(ssh-keygen -l -f "$TB_ROOT/$h/hostkey.pub" | cut -d' ' -f2)" \
		"$(testbed_port $h)" "$A" <<'PY' || fail "$kind: verify through the config: $(cat out.json)"
import json, sys
host = json.loads(open(sys.argv[1]).readline())
assert host["status"] in ("ok", "warn"), host
assert host["host_key_sha256"] == sys.argv[2], host
assert (host["host"], host["port"], host["user"]) == ("127.0.0.1", int(sys.argv[3]), sys.argv[4]), host
PY
	pass
}

# rotate on each kind: the new key beside the old, proven by a real login; the old one
# removed and refused (tinysshd: removed, but it cannot be proven: status 5, never "proven")
rotate_on() {
	local kind=$1 h=rot-$1 key=rot-$1
	TB_KIND=$kind testbed_host_up "$h" || fail "$kind: rotate host"
	"$K" keygen -q -f "$key" --no-passphrase -C "$key@servers" || fail "keygen $key"
	# options kept (tinysshd reads no options: a plain line there)
	local opts='no-pty '
	[ "$kind" = tinysshd ] && opts=
	printf '%s%s\n' "$opts" "$(cat "$key.pub")" >"$key.line"
	cat id3.pub >>"$key.line"
	testbed_authorize "$h" "$A" "$key.line"
	cp "$key" "$key.old"
	"$K" rotate -i "$key" --no-passphrase "${COMMON[@]}" "$(target "$h")" >out.txt 2>&1
	local status=$?
	if [ "$kind" = tinysshd ]; then
		[ $status = 5 ] || fail "tinysshd rotate status $status: $(cat out.txt)"
		grep -q "cannot be proven refused (tinysshd answers every key query with yes)" out.txt ||
			fail "tinysshd rotate: $(cat out.txt)"
		grep -q "rotated, proven" out.txt && fail "tinysshd rotate claims a proof: $(cat out.txt)"
	else
		[ $status = 0 ] || fail "$kind rotate status $status: $(cat out.txt)"
		grep -q "OK: rotated, proven" out.txt || fail "$kind rotate: $(cat out.txt)"
		key_login "$h" "$key.old" && fail "$kind: the old key logs in after rotate"
	fi
	key_login "$h" "$key" || fail "$kind: the new key does not log in after rotate"
	printf '%s%s\n' "$opts" "$(cat "$key.pub")" >want
	cat id3.pub >>want
	same "$(ak "$h")" want "$kind: the file after rotate (options kept, the other key kept)"
}

# logs on each kind: OpenSSH's log read there, the key login just made in it (by the key's
# fingerprint); Dropbear's and tinysshd's named as not OpenSSH's, never counted as silence
logs_on() {
	local kind=$1 h=rot-$1 key=rot-$1
	"$K" logs -i "$key" "${COMMON[@]}" --json "$(target "$h")" >out.json 2>&1
	local status=$?
	case $kind in
	dropbear | tinysshd)
		[ $status = 1 ] || fail "$kind logs status $status: $(cat out.json)"
		grep -q '"status":"no-log"' out.json && grep -q "sshkeyctl reads OpenSSH's log lines only" out.json ||
			fail "$kind logs: $(cat out.json)"
		;;
	*)
		[ $status = 0 ] || fail "$kind logs status $status: $(cat out.json)"
		python3 - out.json "$(ssh-keygen -lf "$key.pub" | awk '{print $2}')" "$A" <<'PY' ||
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
host = recs[0]
assert host["status"] == "ok" and host["log_source"] == "/var/log/auth.log", host
keys = [r for r in recs if r.get("record") == "key" and r["fingerprint"] == sys.argv[2]]
assert keys and keys[0]["account"].startswith(sys.argv[3] + "@127.0.0.1:"), recs
PY
			fail "$kind logs: $(cat out.json)"
		;;
	esac
	pass
}

# mfa on each kind, on the host rotate made (password login still on there): refused with
# the reason that holds for that server, nothing changed, no secret written
mfa_on() {
	local kind=$1 h=rot-$1 key=rot-$1 why
	case $kind in
	debian) why="password login is still on .*run sshkeyctl harden first" ;;
	openssh-*) why="this sshd was built without PAM" ;;
	dropbear) why="this server is Dropbear .*not OpenSSH" ;;
	tinysshd) why="this server is tinysshd .*not OpenSSH" ;;
	esac
	local before
	before=$(snapshot "$h")
	"$K" mfa enable -i "$key" "${COMMON[@]}" --password-file pw --users "$A" "$(target "$h")" \
		>out.txt 2>&1
	[ $? = 1 ] || fail "$kind mfa: not refused: $(cat out.txt)"
	grep -q "refused: $why" out.txt || fail "$kind mfa: $(cat out.txt)"
	[ "$(snapshot "$h")" = "$before" ] || fail "$kind mfa: files changed"
	[ -e "$TB_ROOT/$h/home/$A/.google_authenticator" ] && fail "$kind mfa: a secret was written"
	pass
}

ran=0
for kind in ${SERVERS_KINDS:-${TB_KINDS_ALL[*]}}; do
	if ! testbed_kind_server "$kind" >/dev/null; then
		echo "$kind: cannot run here, not tested"
		continue
	fi
	echo "=== $kind"
	client_side "$kind"
	rotate_on "$kind"
	logs_on "$kind"
	mfa_on "$kind"
	case $kind in
	debian) openssh_kind "$kind" && proxyjump && akf_forms "$kind" ;;
	openssh-10.5) openssh_kind "$kind" && penalties && akf_forms "$kind" && listener_not_in_path ;;
	openssh-*) openssh_kind "$kind" ;;
	dropbear) dropbear_kind ;;
	tinysshd) tinysshd_kind ;;
	esac
	ran=$((ran + 1))
done
[ "$ran" -gt 0 ] || skip "no server kind can run here"
done_checks
