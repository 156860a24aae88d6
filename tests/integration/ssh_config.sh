#!/bin/bash
# ~/.ssh/config as ssh reads it (issue 15): every connection takes what `ssh -G` resolves for
# the target (HostName, Port from a wildcard block, User, IdentityFile + IdentitiesOnly,
# ProxyJump to an alias of the -F file, Match, -o IdentityFile=), and each scenario is
# compared with what `ssh HOST true` does on the same configuration. Keys ssh-agent holds
# are used without a passphrase prompt.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../testbed/testbed.sh"
testbed_suite
need_cmd ssh-agent
need_cmd python3

V=sktest-c$$
PW="pw of $V"
testbed_add_user "$V" "$PW" || fail "useradd"
echo "$PW" >pw
"$K" keygen -q -f id_a --no-passphrase -C key-a || fail "keygen a"
"$K" keygen -q -f id_b --no-passphrase -C key-b || fail "keygen b"
KH=$WORK/known_hosts
testbed_host_up web "PasswordAuthentication yes" || fail "host web"
testbed_host_up jump || fail "host jump"
testbed_authorize web "$V" id_a.pub
testbed_authorize jump "$V" id_a.pub
WP=$(testbed_port web)
JP=$(testbed_port jump)
{
	testbed_known_hosts_line web
	testbed_known_hosts_line jump
} >"$KH"
AK=$TB_ROOT/web/home/$V/.ssh/authorized_keys

cat >cfg <<CFG
Host web1
	HostName 127.0.0.1
	Port $WP
	IdentityFile $WORK/id_b
	IdentitiesOnly yes
Host prod-*
	Port $WP
Host prod-web
	HostName 127.0.0.1
	IdentityFile $WORK/id_a
Host jumpy
	HostName 127.0.0.1
	Port $JP
	IdentityFile $WORK/id_a
	IdentitiesOnly yes
Host behind
	HostName 127.0.0.1
	Port $WP
	IdentityFile $WORK/id_a
	ProxyJump jumpy
Host viacmd
	HostName 127.0.0.1
	Port $WP
	IdentityFile $WORK/id_a
	ProxyCommand ssh -F $WORK/cfg -W %h:%p jumpy
Match originalhost matchy
	HostName 127.0.0.1
	Port $WP
	IdentityFile $WORK/id_a
Host *
	User $V
	UserKnownHostsFile $KH
	StrictHostKeyChecking yes
CFG
chmod 600 cfg

# ssh's own answer: 0 when `ssh HOST true` logs in with keys alone
ssh_says() { ssh -F cfg -o BatchMode=yes "$@" true </dev/null >/dev/null 2>&1; echo $?; }
verdict() { # verify's verdict word for one target
	"$K" verify -F cfg "$@" >out.txt 2>&1
	echo $? >status
	sed -n '1s/^[^ ]*: \([A-Z]*\):.*/\1/p' out.txt
}

# ssh-agent holds key a: IdentitiesOnly must keep it out of web1's login, as ssh does
eval "$(ssh-agent -s)" >/dev/null
cleanup_hooks+=("kill $SSH_AGENT_PID")
ssh-add -q id_a 2>/dev/null || fail "ssh-add"

# 1. IdentityFile + IdentitiesOnly: web1 means key b, which is not installed
[ "$(ssh_says web1)" != 0 ] || fail "ssh web1 should fail: key b is not installed"
[ "$(verdict web1)" = FAIL ] || fail "web1: verify must fail as ssh does: $(cat out.txt)"
grep -q "id_b" out.txt || fail "web1: the key tried is key b: $(cat out.txt)"
pass
# copy installs the key ssh uses for web1 (b), logging in with the password (IdentitiesOnly:
# not with the agent's key a), and the proof holds
"$K" copy -F cfg --password-file pw web1 >out.txt 2>&1 || fail "copy web1: $(cat out.txt)"
grep -q "$(cut -d' ' -f2 id_b.pub)" "$AK" || fail "copy web1: key b not installed: $(cat "$AK")"
grep -q "installed and verified" out.txt || fail "copy web1: $(cat out.txt)"
[ "$(ssh_says web1)" = 0 ] || fail "ssh web1 should now log in"
[ "$(verdict web1)" = OK ] || [ "$(verdict web1)" = WARN ] || fail "web1 after copy: $(cat out.txt)"
grep -q "id_b" out.txt || fail "web1: verify used another key: $(cat out.txt)"
pass

# 2. Port in a wildcard block, HostName in another (the Host prod-* layout)
[ "$(ssh_says prod-web)" = 0 ] || fail "ssh prod-web should log in"
v=$(verdict prod-web)
[ "$v" = OK ] || [ "$v" = WARN ] || fail "prod-web: $(cat out.txt)"
grep -q "Connection refused" out.txt && fail "prod-web: the port was lost: $(cat out.txt)"
pass

# through_jump ALIAS: ssh and verify both log in to ALIAS, and the jump host saw both
through_jump() {
	local before after v
	before=$(grep -c "Accepted publickey for $V" "$TB_ROOT/jump/log")
	[ "$(ssh_says "$1")" = 0 ] || fail "ssh $1 should log in through the jump host"
	v=$(verdict "$1")
	[ "$v" = OK ] || [ "$v" = WARN ] || fail "$1: $(cat out.txt)"
	after=$(grep -c "Accepted publickey for $V" "$TB_ROOT/jump/log")
	[ "$after" -ge $((before + 2)) ] || fail "$1: the jump host was not used ($before -> $after)"
	pass
}

# 3. ProxyJump to an alias of the -F file: the jump host sees a login, and the alias
#    resolves only because -F goes down the chain
through_jump behind
# a jump that cannot work says why (the proxy's own words), as ssh does
sed -i "s/^\tPort $JP\$/\tPort 1/" cfg
[ "$(ssh_says behind)" != 0 ] || fail "ssh behind should fail with the jump host's port wrong"
[ "$(verdict behind)" = UNREACHABLE ] || fail "broken jump: $(cat out.txt)"
grep -q "ProxyJump jumpy" out.txt || fail "broken jump: the proxy is not named: $(cat out.txt)"
sed -i "s/^\tPort 1\$/\tPort $JP/" cfg
pass

# 3b. ProxyCommand, run in the shell as ssh runs it, with its tokens
through_jump viacmd

# 4. Match originalhost
[ "$(ssh_says matchy)" = 0 ] || fail "ssh matchy should log in"
v=$(verdict matchy)
[ "$v" = OK ] || [ "$v" = WARN ] || fail "matchy: $(cat out.txt)"
pass

# 5. -o IdentityFile= on the command line names the key, for the login and for copy
rm -f "$AK"
testbed_authorize web "$V" id_a.pub
"$K" keygen -q -f id_c --no-passphrase -C key-c || fail "keygen c"
"$K" copy -F cfg -o "IdentityFile=$WORK/id_c" -o IdentitiesOnly=yes --password-file pw \
	prod-web >out.txt 2>&1 || fail "copy -o IdentityFile: $(cat out.txt)"
grep -q "$(cut -d' ' -f2 id_c.pub)" "$AK" || fail "-o IdentityFile: key c not installed"
grep -q "$(cut -d' ' -f2 id_b.pub)" "$AK" && fail "-o IdentityFile: key b installed"
[ "$(ssh_says -o "IdentityFile=$WORK/id_c" -o IdentitiesOnly=yes prod-web)" = 0 ] ||
	fail "ssh with key c should log in"
pass

# 5b. a configuration without Host blocks (one ssh -G serves every host): its Port, User
#     and IdentityFile apply, and the command line's port and user still win
printf 'Port %s\nUser %s\nIdentityFile %s\nIdentitiesOnly yes\nUserKnownHostsFile %s\n' \
	"$WP" "$V" "$WORK/id_c" "$KH" >flat_cfg
[ "$(ssh -F flat_cfg -o BatchMode=yes 127.0.0.1 true </dev/null >/dev/null 2>&1; echo $?)" = 0 ] ||
	fail "ssh with the flat configuration should log in"
v=$("$K" verify -F flat_cfg 127.0.0.1 2>&1 | sed -n '1s/^[^ ]*: \([A-Z]*\):.*/\1/p')
[ "$v" = OK ] || [ "$v" = WARN ] || fail "flat config: $("$K" verify -F flat_cfg 127.0.0.1 2>&1)"
"$K" verify -F flat_cfg -l nobody-here 127.0.0.1 >out.txt 2>&1
grep -q "nobody-here may use" out.txt || fail "flat config: -l lost: $(cat out.txt)"
# the jump host does not know key c: reaching it (not the config's port) means a refusal
"$K" verify -F flat_cfg "127.0.0.1:$JP" >out.txt 2>&1
grep -q "^127.0.0.1:$JP: FAIL: the server refused" out.txt ||
	fail "flat config: the target's port lost: $(cat out.txt)"
pass

# 6. a configuration ssh rejects: the same error, nothing tried
printf 'Host *\n\tNoSuchOption yes\n' >bad_cfg
"$K" verify -F bad_cfg web1 >out.txt 2>&1 && fail "bad config: should fail"
grep -q "NoSuchOption\|Bad configuration option" out.txt || fail "bad config: $(cat out.txt)"
pass

# 7. an encrypted key that ssh-agent holds: used through the agent, no passphrase asked
#    (at a terminal, where a prompt would show)
ssh-keygen -q -t ed25519 -N "secret words" -C enc -f id_enc || fail "keygen enc"
testbed_authorize web "$V" id_enc.pub
echo "secret words" >enc_pass
SSH_ASKPASS_REQUIRE=never ssh-add -q id_enc </dev/null 2>/dev/null ||
	python3 -c '
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp("ssh-add", ["ssh-add", "-q", "id_enc"])
buf = b""
while b"assphrase" not in buf:
    buf += os.read(fd, 1024)
os.write(fd, b"secret words\n")
try:
    while os.read(fd, 1024): pass
except OSError: pass
_, st = os.waitpid(pid, 0)
sys.exit(os.WEXITSTATUS(st))' || fail "ssh-add id_enc"
timeout 60 python3 -c '
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b""
try:
    while True:
        c = os.read(fd, 4096)
        if not c: break
        out += c
except OSError: pass
_, st = os.waitpid(pid, 0)
open("tty.txt", "wb").write(out)
sys.exit(os.WEXITSTATUS(st))' "$K" verify -F cfg -i id_enc prod-web
st=$?
grep -q "assphrase" tty.txt && fail "agent key: a passphrase was asked: $(cat tty.txt)"
[ "$st" = 0 ] || [ "$st" = 5 ] || fail "agent key: status $st: $(cat tty.txt)"
grep -q "OK\|WARN" tty.txt || fail "agent key: $(cat tty.txt)"
pass

done_checks
