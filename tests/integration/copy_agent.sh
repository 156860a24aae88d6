#!/bin/bash
# copy logging in through ssh-agent without tripping MaxAuthTries: an agent full of other
# keys (ssh itself would be cut off with "Too many authentication failures") still logs in
# with the one key the server accepts, or falls back to the password; a server with a lower
# MaxAuthTries is learnt. The server's log must never show the limit reached.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../testbed/testbed.sh"
need_cmd ssh
need_cmd ssh-agent
need_cmd ssh-add
testbed_init "$WORK/tb"
cleanup_hooks+=("testbed_cleanup")

U=sktest-ag$$
PW="pw of $U"
testbed_add_user "$U" "$PW" || fail "useradd"
echo "$PW" >pw
KH=$WORK/known_hosts
export SSH_AUTH_SOCK=$WORK/agent.sock
ssh-agent -D -a "$SSH_AUTH_SOCK" >/dev/null 2>&1 &
agent_pid=$!
cleanup_hooks=("kill $agent_pid 2>/dev/null" "${cleanup_hooks[@]}")
for i in $(seq 50); do [ -S "$SSH_AUTH_SOCK" ] && break; sleep 0.05; done
# seven keys the servers do not know, then the one they accept
for i in $(seq 7); do
	ssh-keygen -q -t ed25519 -N '' -C "other$i" -f "other$i"
	ssh-add -q "other$i" 2>/dev/null || fail "ssh-add"
done
ssh-keygen -q -t ed25519 -N '' -C agentkey -f agentkey
ssh-add -q agentkey 2>/dev/null || fail "ssh-add"
[ "$(ssh-add -l | wc -l)" = 8 ] || fail "the agent holds $(ssh-add -l | wc -l) keys"
"$K" keygen -q -f id --no-passphrase -C new || fail "keygen"

ak() { echo "$TB_ROOT/$1/home/$U/.ssh/authorized_keys"; }
limit_pattern="too many authentication failures|maximum authentication attempts"
# log lines before byte $2 belong to earlier connections (sshd may still be writing them)
limit_reached() { tail -c +"$((${2:-0} + 1))" "$TB_ROOT/$1/log" | grep -qiE "$limit_pattern"; }
key_login() { # HOST KEY
	ssh -F /dev/null -i "$2" -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes \
		-o UserKnownHostsFile="$KH" -p "$(testbed_port "$1")" "$U@127.0.0.1" true 2>/dev/null
}
trust_agent_key() { testbed_authorize "$1" "$U" agentkey.pub; } # HOST

# what users see today: ssh offers the agent's keys in order and is cut off
testbed_host_up plain
trust_agent_key plain
ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-p "$(testbed_port plain)" "$U@127.0.0.1" true 2>ssh.err && fail "ssh was expected to be cut off"
grep -q "Too many authentication failures" ssh.err || fail "ssh: $(cat ssh.err)"
# the cut-off connection's own log lines may come after ssh has exited: wait for them, then
# look only at what comes after
for _ in $(seq 50); do
	grep -qiE "$limit_pattern" "$TB_ROOT/plain/log" && break
	sleep 0.1
done
sleep 0.5
plain_log_start=$(wc -c <"$TB_ROOT/plain/log")
pass

# 1. no password: logs in with the eighth agent key, installs, proves; the limit never hit
"$K" copy -i id --accept-new -o "UserKnownHostsFile=$KH" "$U@127.0.0.1:$(testbed_port plain)" </dev/null >out.txt 2>&1 ||
	fail "agent login: $(cat out.txt)"
grep -q "installed and verified" out.txt || fail "agent login: $(cat out.txt)"
key_login plain id || fail "agent login: the new key does not log in"
limit_reached plain "$plain_log_start" &&
	fail "MaxAuthTries reached: $(tail -c +"$((plain_log_start + 1))" "$TB_ROOT/plain/log" | grep -i auth | tail -3)"
pass

# 2. no agent key accepted: the password still gets its turn on a fresh connection
testbed_host_up nokey
testbed_home nokey "$U" >/dev/null
"$K" copy -i id --password-file pw --accept-new -o "UserKnownHostsFile=$KH" \
	"$U@127.0.0.1:$(testbed_port nokey)" >out.txt 2>&1 || fail "password after agent: $(cat out.txt)"
grep -q "installed and verified" out.txt || fail "password after agent: $(cat out.txt)"
limit_reached nokey && fail "MaxAuthTries reached on nokey"
pass
# without a password there: a clear failure that says what was tried
"$K" keygen -q -f id2 --no-passphrase -C new2
testbed_host_up nopw "PasswordAuthentication no"
testbed_home nopw "$U" >/dev/null
"$K" copy -i id2 --accept-new -o "UserKnownHostsFile=$KH" "$U@127.0.0.1:$(testbed_port nopw)" </dev/null >out.txt 2>&1 &&
	fail "nothing accepted, no password: must fail"
grep -q "refused all 9 keys" out.txt || fail "no login: $(cat out.txt)"
limit_reached nopw && fail "MaxAuthTries reached on nopw"
pass

# 3. a server with MaxAuthTries 3: its limit is learnt, the agent key still logs in
testbed_host_up strict "MaxAuthTries 3"
trust_agent_key strict
"$K" copy -i id --accept-new -o "UserKnownHostsFile=$KH" "$U@127.0.0.1:$(testbed_port strict)" </dev/null >out.txt 2>&1 ||
	fail "MaxAuthTries 3: $(cat out.txt)"
grep -q "installed and verified" out.txt || fail "MaxAuthTries 3: $(cat out.txt)"
key_login strict id || fail "MaxAuthTries 3: the new key does not log in"
pass

# 4. a key with a passphrase and no terminal: its private half cannot be opened here, but
#    ssh-agent holds it, so the login goes through the agent with that key alone
echo "agent passphrase" >passphrase
"$K" keygen -q -f enc --passphrase-file passphrase -C enc || fail "keygen enc"
printf '#!/bin/sh\ncat "%s"\n' "$WORK/passphrase" >askpass
chmod 700 askpass
DISPLAY=: SSH_ASKPASS="$WORK/askpass" SSH_ASKPASS_REQUIRE=force ssh-add -q enc </dev/null 2>/dev/null ||
	fail "ssh-add enc"
testbed_host_up encagent
testbed_authorize encagent "$U" enc.pub
"$K" perms -i enc --accept-new -o "UserKnownHostsFile=$KH" "$U@127.0.0.1:$(testbed_port encagent)" </dev/null >out.txt 2>&1 ||
	fail "encrypted key through the agent: $(cat out.txt)"
grep -q ": OK" out.txt || fail "encrypted key through the agent: $(cat out.txt)"
limit_reached encagent && fail "MaxAuthTries reached on encagent"
pass

done_checks
