#!/bin/bash
# doctor against real sshd hosts, each broken one way: the first line must name that cause,
# and every claim must come from something observed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../testbed/testbed.sh"
need_cmd ssh
need_cmd ssh-agent
testbed_init "$WORK/tb"
cleanup_hooks+=("testbed_cleanup")
unset SSH_AUTH_SOCK

U=sktest-d$$
PW="pw of $U"
testbed_add_user "$U" "$PW" || fail "useradd"
echo "$PW" >pw
"$K" keygen -q -f id --no-passphrase -C doctor || fail "keygen"
KH=$WORK/known_hosts
COMMON=(-i id --accept-new -o "UserKnownHostsFile=$KH")

# host NAME [EXTRA sshd_config LINES]: our key installed for U
host() {
	testbed_host_up "$1" "${2:-}" || fail "host $1"
	testbed_authorize "$1" "$U" id.pub || fail "authorize on $1"
}
target() { echo "$U@127.0.0.1:${2:-$(testbed_port "$1")}"; }
# first_line_says WHAT PATTERN: doctor's first line (stdout) matches
first_line_says() {
	head -1 out.txt | grep -q -- "$2" || fail "$1: first line: $(head -1 out.txt); all: $(cat out.txt)"
	pass
}

# nothing wrong
host fine
expect_status 0 "fine" -- "$K" doctor "${COMMON[@]}" "$(target fine)" >out.txt
first_line_says "fine" "no problem found: the key logs in as $U"
# SELinux: the hosts share this machine's kernel
if [ -e /sys/fs/selinux/enforce ]; then
	grep -q "server: SELinux: " out.txt || fail "SELinux not looked at: $(cat out.txt)"
else
	grep -q "PASS server: SELinux: not enabled on the server" out.txt || fail "SELinux: $(cat out.txt)"
fi
pass

# a .pub that is not the private key's other half: ssh offers one key and signs with another
cp id.pub id.pub.saved
ssh-keygen -q -t ed25519 -N '' -C stray -f stray
cp stray.pub id.pub
expect_status 1 "key pair mismatch" -- "$K" doctor "${COMMON[@]}" "$(target fine)" >out.txt
first_line_says "key pair mismatch" "id.pub does not belong to the private key id"
ssh -F /dev/null -o UserKnownHostsFile="$KH" -o BatchMode=yes -o IdentitiesOnly=yes -i id \
	-p "$(testbed_port fine)" "$U@127.0.0.1" true 2>/dev/null && fail "ssh should fail with a stray .pub"
mv id.pub.saved id.pub
pass

# a lock another run left beside authorized_keys: named, with its owner and the fix
lk=$TB_ROOT/fine/home/$U/.ssh/.sshkeyctl.lock
mkdir "$lk" && echo "sshkeyctl pid 4242 from 10.1.2.3 since 2026-11-30T10:00:00Z" >"$lk/owner"
chown -R "$U" "$lk"
touch -d '5 minutes ago' "$lk"
"$K" doctor "${COMMON[@]}" "$(target fine)" >out.txt
grep -q "WARN server: lock: .*/.sshkeyctl.lock was left by sshkeyctl pid 4242 from 10.1.2.3 since 2026-11-30T10:00:00Z more than a minute ago" out.txt ||
	fail "stale lock: $(cat out.txt)"
grep -q "fix: when no sshkeyctl runs there: rmdir .*/.sshkeyctl.lock" out.txt || fail "lock fix: $(cat out.txt)"
rm -rf "$lk"
"$K" doctor "${COMMON[@]}" "$(target fine)" >out.txt
grep -q "server: lock" out.txt && fail "a lock reported where there is none: $(cat out.txt)"
pass

# a local private key others can read: ssh refuses it
chmod 644 id
expect_status 1 "private key 0644" -- "$K" doctor "${COMMON[@]}" "$(target fine)" >out.txt
first_line_says "private key 0644" "ssh refuses to use the private key .*id because others can read it (mode 0644)"
grep -q "fix: chmod 600 .*id" out.txt || fail "0644: no fix given"
chmod 600 id

# ssh-agent holding seven other keys: ssh is cut off before it offers ours
eval "$(ssh-agent -s)" >/dev/null
cleanup_hooks+=("kill $SSH_AGENT_PID 2>/dev/null")
for i in 1 2 3 4 5 6 7; do
	ssh-keygen -q -t ed25519 -N '' -C "other$i" -f "other$i"
	ssh-add -q "other$i" 2>/dev/null
done
expect_status 1 "agent" -- "$K" doctor "${COMMON[@]}" "$(target fine)" >out.txt
first_line_says "agent" "ssh offers 7 other keys first (ssh-agent's)"
grep -q "(ssh itself says so: checked)" out.txt || fail "agent: not confirmed with ssh: $(cat out.txt)"
# and it is so: ssh itself fails, while IdentitiesOnly logs in
ssh -F /dev/null -o UserKnownHostsFile="$KH" -o BatchMode=yes -i id -p "$(testbed_port fine)" \
	"$U@127.0.0.1" true 2>/dev/null && fail "agent: ssh should be cut off"
pass
# ours in the agent too, last of eight: ssh offers an identity file the agent holds first,
# so it logs in, and doctor says so
ssh-add -q id 2>/dev/null
ssh -F /dev/null -o UserKnownHostsFile="$KH" -o BatchMode=yes -i id -p "$(testbed_port fine)" \
	"$U@127.0.0.1" true 2>/dev/null || fail "agent: ssh should log in with its agent's copy"
expect_status 0 "agent holds ours last" -- "$K" doctor "${COMMON[@]}" "$(target fine)" >out.txt
first_line_says "agent holds ours last" "no problem found"
kill "$SSH_AGENT_PID"
unset SSH_AUTH_SOCK SSH_AGENT_PID
pass

# a closed port
closed=$(testbed_free_port)
expect_status 1 "closed port" -- "$K" doctor "${COMMON[@]}" "$(target x "$closed")" >out.txt
first_line_says "closed port" "nothing listens on 127.0.0.1 port $closed (connection refused)"

# a port that speaks something else
other=$(testbed_free_port)
python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
while True:
    c, _ = s.accept(); c.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n"); c.close()
' "$other" &
web=$!
cleanup_hooks+=("kill $web 2>/dev/null")
for i in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$other") 2>/dev/null && break; sleep 0.1; done
expect_status 1 "not SSH" -- "$K" doctor "${COMMON[@]}" "$(target x "$other")" >out.txt
first_line_says "not SSH" "127.0.0.1 port $other does not speak SSH (it said \"HTTP/1.0 400 Bad Request\")"
kill "$web"

# a server whose only key exchange method libssh lacks (sntrup761x25519): ssh still gets in,
# so doctor must not blame the connection; with ssh's own list narrowed, ssh cannot either
host sntrup "KexAlgorithms sntrup761x25519-sha512@openssh.com"
ssh -F /dev/null -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o BatchMode=yes \
	-o IdentitiesOnly=yes -i id -p "$(testbed_port sntrup)" "$U@127.0.0.1" true 2>/dev/null ||
	fail "sntrup: ssh should log in"
expect_status 5 "kex: ssh can" -- "$K" doctor "${COMMON[@]}" "$(target sntrup)" >out.txt
first_line_says "kex: ssh can" "no cause found: sshkeyctl cannot talk to this server (no common key exchange method: it offers only sntrup761x25519-sha512@openssh.com), while ssh can"
grep -q "WARN ssh: negotiation: .*ssh does (sntrup761x25519-sha512@openssh.com)" out.txt ||
	fail "kex: ssh can: $(cat out.txt)"
ssh -F /dev/null -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o BatchMode=yes \
	-o KexAlgorithms=curve25519-sha256 -i id -p "$(testbed_port sntrup)" "$U@127.0.0.1" true \
	2>ssh.err && fail "sntrup: ssh with curve25519 only should fail"
grep -q "no matching key exchange method" ssh.err || fail "sntrup: ssh said $(cat ssh.err)"
expect_status 1 "kex: nobody can" -- "$K" doctor "${COMMON[@]}" -o KexAlgorithms=curve25519-sha256 \
	"$(target sntrup)" >out.txt
first_line_says "kex: nobody can" "ssh and the server share no key exchange method: the server offers only sntrup761x25519-sha512@openssh.com, which ssh's KexAlgorithms leaves out"
grep -q 'fix: if ssh -Q kex lists one of them: "KexAlgorithms +sntrup761x25519-sha512@openssh.com"' out.txt ||
	fail "kex: no fix: $(cat out.txt)"

# the client's ~/.ssh/config writable by others: ssh stops before connecting (a local account
# with its own home, since ssh reads the passwd entry's home, not $HOME)
C=sktest-dc$$
testbed_add_user "$C" "$PW" || fail "useradd $C"
chmod 711 "$WORK"
mkdir -p "$WORK/client/.ssh"
usermod -d "$WORK/client" "$C" || fail "usermod"
cp id "$WORK/client/.ssh/id_ed25519"
cp id.pub "$WORK/client/.ssh/id_ed25519.pub"
printf 'Host *\n\tServerAliveInterval 30\n' >"$WORK/client/.ssh/config"
chown -R "$C" "$WORK/client"
chmod 700 "$WORK/client/.ssh"
chmod 666 "$WORK/client/.ssh/config"
as_client() { runuser -u "$C" -- "$@"; }
as_client ssh -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o BatchMode=yes \
	-p "$(testbed_port fine)" "$U@127.0.0.1" true 2>ssh.err && fail "config 0666: ssh should stop"
grep -q "Bad owner or permissions" ssh.err || fail "config 0666: ssh said $(cat ssh.err)"
expect_status 1 "config 0666" -- as_client "$K" doctor --accept-new -o "UserKnownHostsFile=$WORK/client/.ssh/known_hosts" \
	"$(target fine)" >out.txt
first_line_says "config 0666" "ssh refuses to run because others can write $WORK/client/.ssh/config"
# (ssh stopped before connecting: the host key is first seen now)
chmod 644 "$WORK/client/.ssh/config"
expect_status 0 "config 0644" -- as_client "$K" doctor --accept-new -o "UserKnownHostsFile=$WORK/client/.ssh/known_hosts" \
	"$(target fine)" >out.txt
first_line_says "config 0644" "no problem found"

# a changed host key
host rekeyed
"$K" doctor "${COMMON[@]}" "$(target rekeyed)" >/dev/null || fail "rekeyed: first contact"
rm "$TB_ROOT/rekeyed/etc/ssh/ssh_host_"*
ssh-keygen -q -t ed25519 -N '' -f "$TB_ROOT/rekeyed/etc/ssh/ssh_host_ed25519_key"
ssh-keygen -q -t ecdsa -N '' -f "$TB_ROOT/rekeyed/etc/ssh/ssh_host_ecdsa_key"
testbed_reload rekeyed
sleep 0.5
expect_status 1 "host key changed" -- "$K" doctor "${COMMON[@]}" "$(target rekeyed)" >out.txt
first_line_says "host key changed" "host key is not the one known_hosts has"
grep -q "fix: .*known-hosts remove '\[127.0.0.1\]:$(testbed_port rekeyed)'" out.txt ||
	fail "host key: no fix: $(cat out.txt)"

# PubkeyAuthentication no
host nopubkey "PubkeyAuthentication no"
expect_status 1 "PubkeyAuthentication no" -- "$K" doctor "${COMMON[@]}" "$(target nopubkey)" >out.txt
first_line_says "PubkeyAuthentication no" "does not take public keys from $U at all"

# Causes only a look inside shows: doctor logs in with the password (read-only)
"$K" keygen -q -f other --no-passphrase -C other || fail "keygen"
inside() { # inside NAME WHAT PATTERN: a host broken by the commands on stdin (run with $h =
	# its home), then doctor's first line
	host "$1"
	h=$(testbed_root "$1")/home/$U
	. /dev/stdin
	expect_status 1 "$2" -- "$K" doctor "${COMMON[@]}" --password-file pw "$(target "$1")" >out.txt
	first_line_says "$2" "$3"
}
inside noinst "key not installed" "the key is not installed for $U: /home/$U/.ssh/authorized_keys lists 1 other key, not this one" <<'EOS'
cp other.pub "$h/.ssh/authorized_keys"
EOS
inside nofile "no authorized_keys" "the key is not installed for $U: /home/$U/.ssh/authorized_keys does not exist" <<'EOS'
rm "$h/.ssh/authorized_keys"
EOS
inside home777 "home 0777" "sshd ignores /home/$U/.ssh/authorized_keys because of the permissions .* /home/$U is writable" <<'EOS'
chmod 777 "$h"
EOS
inside ssh777 ".ssh 0777" "StrictModes.*/home/$U/.ssh is writable" <<'EOS'
chmod 777 "$h/.ssh"
EOS
inside ak666 "authorized_keys 0666" "StrictModes.*/home/$U/.ssh/authorized_keys is writable" <<'EOS'
chmod 666 "$h/.ssh/authorized_keys"
EOS
inside rootak "owned by root, unreadable" "sshd reads /home/$U/.ssh/authorized_keys as $U, who cannot read it (owner root (uid 0), mode 0600)" <<'EOS'
chown root "$h/.ssh/authorized_keys"
chmod 600 "$h/.ssh/authorized_keys"
EOS
# owned by root but readable through a supplementary group of the account: nothing wrong
host groupread
G=sktest-dg$$
groupadd "$G" && cleanup_hooks+=("groupdel $G 2>/dev/null") || fail "groupadd"
usermod -a -G "$G" "$U" || fail "usermod -G"
chown "root:$G" "$(testbed_root groupread)/home/$U/.ssh/authorized_keys"
chmod 640 "$(testbed_root groupread)/home/$U/.ssh/authorized_keys"
expect_status 0 "group-readable" -- "$K" doctor "${COMMON[@]}" --password-file pw "$(target groupread)" >out.txt
first_line_says "group-readable" "no problem found: the key logs in"
chmod 600 "$(testbed_root groupread)/home/$U/.ssh/authorized_keys"
expect_status 1 "group bits off" -- "$K" doctor "${COMMON[@]}" --password-file pw "$(target groupread)" >out.txt
first_line_says "group bits off" "sshd reads /home/$U/.ssh/authorized_keys as $U, who cannot read it"
gpasswd -d "$U" "$G" >/dev/null || fail "gpasswd -d"
groupdel "$G"
inside broken "line broken in two" "broken in two (lines 1 and 2)" <<'EOS'
line=$(cat id.pub)
printf '%s
%s
' "${line:0:40}" "${line:40}" >"$h/.ssh/authorized_keys"
EOS
inside fromx "from= excludes us" "allows it only from=\"10.1.2.3\", and this connection comes from 127.0.0.1" <<'EOS'
printf 'from="10.1.2.3" %s
' "$(cat id.pub)" >"$h/.ssh/authorized_keys"
EOS
inside expired "expiry-time passed" "the key expired: .*expiry-time=\"20200101\"" <<'EOS'
printf 'expiry-time="20200101" %s
' "$(cat id.pub)" >"$h/.ssh/authorized_keys"
EOS
inside bom "byte-order mark" "starts with a byte-order mark" <<'EOS'
{ printf '\xef\xbb\xbf'; cat id.pub; } >"$h/.ssh/authorized_keys"
EOS
inside nohome "home directory missing" "sshd finds no authorized_keys for $U: the home directory /home/$U does not exist" <<'EOS'
rm -rf "$h"
EOS
grep -q "fix: on the server, as root: mkhomedir_helper $U" out.txt || fail "no home: fix: $(cat out.txt)"
pass
# StrictModes no: a home others can write is a warning, since the key logs in anyway
host nostrict "StrictModes no"
chmod 777 "$(testbed_root nostrict)/home/$U"
expect_status 5 "StrictModes no" -- "$K" doctor "${COMMON[@]}" "$(target nostrict)" >out.txt
first_line_says "StrictModes no" "no problem found: the key logs in as $U"
grep -q "WARN server: StrictModes: .*(yet the key logs in)" out.txt || fail "StrictModes no: $(cat out.txt)"
# a CRLF file: this sshd reads it, so it is a warning and never the cause
host crlf
sed 's/$/\r/' id.pub >"$(testbed_root crlf)/home/$U/.ssh/authorized_keys"
expect_status 5 "CRLF" -- "$K" doctor "${COMMON[@]}" --password-file pw "$(target crlf)" >out.txt
first_line_says "CRLF" "no problem found: the key logs in"
grep -q "WARN server: line endings: .*CRLF" out.txt || fail "CRLF not noticed: $(cat out.txt)"

# Causes only sshd's configuration or the account show: doctor looks in as root (our key
# also logs in as root here) and diagnoses U's key login with --for-user
rooted() { # rooted NAME WHAT PATTERN [EXTRA sshd_config LINES]: then commands on stdin
	host "$1" "${4:-}
Match User root
	AuthorizedKeysFile /etc/ssh/root_authorized_keys
	AllowUsers root"
	cp id.pub "$(testbed_root "$1")/etc/ssh/root_authorized_keys"
	h=$(testbed_root "$1")/home/$U
	. /dev/stdin
	expect_status 1 "$2" -- "$K" doctor "${COMMON[@]}" --for-user "$U" "root@127.0.0.1:$(testbed_port "$1")" >out.txt
	first_line_says "$2" "$3"
}
# AllowUsers leaves the account out; its right password is given: doctor cannot see the
# list from the account's side, and must not say the password needs giving
testbed_host_up allowpw "AllowUsers root other" || fail "host allowpw"
testbed_authorize allowpw "$U" id.pub || fail "authorize allowpw"
expect_status 1 "AllowUsers, right password" -- "$K" doctor "${COMMON[@]}" --password-file pw "$(target allowpw)" >out.txt
first_line_says "AllowUsers, right password" "the server refuses $U the key and the password given: it refuses the account itself (AllowUsers"
grep -q "give the password with --password-file" out.txt && fail "the password was given: $(cat out.txt)"
pass
# PubkeyAuthentication no from a drop-in (which wins over sshd_config): the cause and the fix
# name the drop-in's line
mkdir -p "$TB_ROOT/pkdropin/etc/ssh/sshd_config.d"
printf '# cloud image\nPubkeyAuthentication no\n' >"$TB_ROOT/pkdropin/etc/ssh/sshd_config.d/50-image.conf"
rooted pkdropin "PubkeyAuthentication no in a drop-in" \
	"PubkeyAuthentication no (/etc/ssh/sshd_config.d/50-image.conf:2)" "Match User root
	PubkeyAuthentication yes" </dev/null
grep -q "fix: on the server: PubkeyAuthentication yes at /etc/ssh/sshd_config.d/50-image.conf:2" out.txt ||
	fail "drop-in fix: $(cat out.txt)"
rooted akf "non-default AuthorizedKeysFile" "sshd reads $U's keys from /etc/ssh/keys/$U (AuthorizedKeysFile), not from /home/$U/.ssh/authorized_keys" \
	"AuthorizedKeysFile /etc/ssh/keys/%u" </dev/null
rooted allow "not in AllowUsers" "sshd refuses $U: it is not in AllowUsers (root other) (set at /etc/ssh/sshd_config:" \
	"AllowUsers root other" </dev/null
rooted rsaonly "key type not accepted" "the server does not accept ssh-ed25519 keys: its PubkeyAcceptedAlgorithms leaves the type out (set at /etc/ssh/sshd_config:" \
	"Match User $U
	PubkeyAcceptedAlgorithms rsa-sha2-512,rsa-sha2-256" </dev/null
rooted nohome2 "home directory missing (root's view)" "sshd finds no authorized_keys for $U: the home directory /home/$U does not exist" <<'EOS'
rm -rf "$h"
EOS
# (UsePAM no in a drop-in: the first value wins, and Debian's UsePAM yes comes after)
mkdir -p "$TB_ROOT/locked/etc/ssh/sshd_config.d"
echo "UsePAM no" >"$TB_ROOT/locked/etc/ssh/sshd_config.d/10-nopam.conf"
rooted locked "account locked, UsePAM no" "sshd refuses $U: the account is locked (passwd -l)" <<'EOS'
usermod -L "$U"
cleanup_hooks+=("usermod -U $U 2>/dev/null")
EOS
ssh -F /dev/null -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o BatchMode=yes \
	-o IdentitiesOnly=yes -i id -p "$(testbed_port locked)" "$U@127.0.0.1" true 2>/dev/null &&
	fail "locked: ssh should be refused"
# with PAM (Debian's default) a locked password does not stop keys: not a cause
host lockedpam
expect_status 0 "account locked, UsePAM yes" -- "$K" doctor "${COMMON[@]}" "$(target lockedpam)" >out.txt
first_line_says "account locked, UsePAM yes" "no problem found: the key logs in"
usermod -U "$U"
rooted acctexp "account expired" "the account $U expired on 1970-01-02, so PAM refuses every login" <<'EOS'
usermod -e 1 "$U"
cleanup_hooks+=("usermod -e '' $U 2>/dev/null")
EOS
usermod -e '' "$U"
grep -q "sshd's log: .*$U" out.txt || fail "sshd's log not quoted: $(cat out.txt)"
pass
# the log lines quoted are those of doctor's own attempts: sshd's refusal for bad modes is
# found, and root's own session lines (doctor's way in) are not quoted
rooted badmodes "StrictModes, root's view" "StrictModes.*/home/$U/.ssh is writable" <<'EOS'
chmod 777 "$h/.ssh"
EOS
grep -q "sshd's log: .*Authentication refused: bad ownership or modes" out.txt ||
	fail "sshd's refusal not found in the log: $(cat out.txt)"
grep "sshd's log" out.txt | grep -Eq "session (opened|closed)|Accepted publickey for root" &&
	fail "doctor quotes its own session lines: $(cat out.txt)"
pass

# --fix: the safe fixes, then the checks again, proven by a real login with OpenSSH
key_login() {
	ssh -F /dev/null -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o BatchMode=yes \
		-o IdentitiesOnly=yes -i id -p "$(testbed_port "$1")" "$U@127.0.0.1" true 2>/dev/null
}
host_state() { (cd "$(testbed_root "$1")/home" && find . -printf '%p %m %u\n' | sort && cat "$U/.ssh/authorized_keys" 2>/dev/null); }
fixed() { # fixed NAME: doctor --fix turns host NAME into a working key login
	local before
	before=$(host_state "$1")
	expect_status 1 "$1 (dry run)" -- "$K" doctor "${COMMON[@]}" --password-file pw --fix --dry-run \
		"$(target "$1")" >out.txt
	[ "$(host_state "$1")" = "$before" ] || fail "$1: --dry-run changed the host"
	"$K" doctor "${COMMON[@]}" --password-file pw --fix "$(target "$1")" >out.txt ||
		fail "$1 --fix: status $?: $(cat out.txt)"
	grep -q -- "--fix: fixed" out.txt || fail "$1: --fix: $(cat out.txt)"
	key_login "$1" || fail "$1: ssh still cannot log in after --fix"
	pass
}
for h in noinst nofile home777 ssh777 ak666 broken bom; do fixed "$h"; done
grep -qxF "$(cat id.pub)" "$(testbed_root broken)/home/$U/.ssh/authorized_keys" || fail "broken: line not joined"
[ "$(grep -c . "$(testbed_root broken)/home/$U/.ssh/authorized_keys")" = 1 ] || fail "broken: key added instead of mended"
chmod 644 id
expect_status 0 "private key --fix" -- "$K" doctor "${COMMON[@]}" --fix "$(target fine)" >out.txt
[ "$(stat -c %a id)" = 600 ] || fail "private key --fix: mode $(stat -c %a id)"
pass
# as root, a root-owned 0600 authorized_keys is given back to the account
rooted rootown "owned by root, as root" "sshd reads /home/$U/.ssh/authorized_keys as $U, who cannot read it" <<'EOS'
chown root "$h/.ssh/authorized_keys"
chmod 600 "$h/.ssh/authorized_keys"
EOS
"$K" doctor "${COMMON[@]}" --fix --for-user "$U" "root@127.0.0.1:$(testbed_port rootown)" >out.txt ||
	fail "root-owned --fix: $(cat out.txt)"
[ "$(stat -c %U "$(testbed_root rootown)/home/$U/.ssh/authorized_keys")" = "$U" ] || fail "root-owned: not given back"
key_login rootown || fail "root-owned: ssh still cannot log in"
pass
# what needs a decision is left alone, and said so
expect_status 1 "from= --fix" -- "$K" doctor "${COMMON[@]}" --password-file pw --fix "$(target fromx)" >out.txt
grep -q -- "--fix: no safe fix applies" out.txt || fail "from= --fix: $(cat out.txt)"
pass

# --json: one object per host, the cause and the checks
expect_status 0 "json" -- "$K" doctor --json "${COMMON[@]}" "$(target fine)" >out.txt
python3 -c 'import json,sys; o=json.loads(open(sys.argv[1]).readline()); assert o["key_login"] and o["checks"]' out.txt ||
	fail "json: $(cat out.txt)"
python3 -c 'import json,sys; s=[json.loads(l) for l in open(sys.argv[1])][-1]["summary"]; assert s == {"hosts": 1, "ok": 1, "warnings": 0, "failed": 0}, s' out.txt ||
	fail "json summary: $(cat out.txt)"
pass

[ -n "${DOCTOR_SHOW:-}" ] && cat out.txt
done_checks
