#!/bin/bash
# agent against OpenSSH's own ssh-agent: list -l, -E md5 and the plain listing byte for
# byte what ssh-add -l and ssh-add -L print, for every key type, a certificate, an empty and
# a UTF-8 comment; add (every format, certificates beside their keys, lifetime, confirm,
# the passphrase once), remove (with the certificate, as ssh-add -d), remove-all, lock and
# unlock, checked with ssh-add; an empty agent, no agent, a dead socket and a hostile agent
# (a huge length, garbage) each end with a clear message and status 1, at once.
. "$(dirname "$0")/lib.sh"
need_cmd ssh-agent
need_cmd ssh-add
need_cmd python3

eval "$(ssh-agent -s -a "$WORK/agent.sock")" >/dev/null || fail "ssh-agent"
cleanup_hooks+=("kill $SSH_AGENT_PID 2>/dev/null")

ssh-add -l >theirs.out 2>&1
"$K" agent list -l >ours.out 2>&1
expect_status 1 "empty agent" -- "$K" agent list -l
same ours.out theirs.out "empty agent: the message"

ssh-keygen -q -t ed25519 -N '' -C 'alice@laptop' -f ed
ssh-keygen -q -t rsa -b 3072 -N '' -C 'rsa key' -f rsa
ssh-keygen -q -t ecdsa -b 384 -N '' -C 'ecdsa' -f ec
ssh-keygen -q -t dsa -N '' -C 'old dsa' -f dsa
ssh-keygen -q -t ed25519 -N '' -C '' -f nocomment
ssh-keygen -q -t ed25519 -N '' -C 'Zoë’s key' -f utf8
ssh-keygen -q -t ed25519 -N '' -C ca -f ca
ssh-keygen -q -t ed25519 -N '' -C 'with cert' -f certified
ssh-keygen -q -s ca -I certified -n alice certified.pub || fail "certificate"
for k in ed rsa ec dsa nocomment utf8 certified; do ssh-add -q "$k" 2>/dev/null || fail "ssh-add $k"; done
[ "$(ssh-add -l | grep -c CERT)" = 1 ] || fail "the certificate is not in the agent: $(ssh-add -l)"
for args in "-l" "-l -E md5" "-l -E sha256" ""; do
	# shellcheck disable=SC2086
	LC_ALL=C.UTF-8 "$K" agent list $args >ours.out 2>&1 || fail "agent list $args: $(cat ours.out)"
	# shellcheck disable=SC2086
	ssh-add ${args:--L} >theirs.out 2>&1
	same ours.out theirs.out "agent list $args"
done

# remove: a private key's path takes its key and its certificate out, a .pub its key; a key
# the agent does not hold is status 1; remove-all empties it (ssh-add agrees each time)
"$K" agent remove certified >out.txt 2>&1 || fail "remove certified: $(cat out.txt)"
grep -q "removed from ssh-agent: certified (with cert)" out.txt && grep -q "certified-cert.pub" out.txt ||
	fail "remove certified: $(cat out.txt)"
ssh-add -l | grep -q "with cert" && fail "the key or its certificate is still held: $(ssh-add -l)"
"$K" agent remove rsa.pub >out.txt 2>&1 || fail "remove rsa.pub: $(cat out.txt)"
ssh-add -l | grep -q "rsa key" && fail "rsa key still held"
[ "$(ssh-add -l | wc -l)" = 5 ] || fail "other keys went too: $(ssh-add -l)"
"$K" agent remove rsa.pub >out.txt 2>&1
[ $? = 1 ] && grep -q "rsa.pub: ssh-agent does not hold it" out.txt || fail "remove again: $(cat out.txt)"
"$K" agent remove-all >out.txt 2>&1 || fail "remove-all: $(cat out.txt)"
ssh-add -l >/dev/null 2>&1 && fail "remove-all left keys: $(ssh-add -l)"
pass

# add: every private key format, the same keys and comments as ssh-add gives the agent (a
# key without a comment under its file name), compared in a second agent
ssh-keygen -q -t rsa -b 2048 -m PEM -N '' -C '' -f pem
ssh-keygen -q -t ecdsa -m PKCS8 -N '' -f pkcs8
ssh-keygen -q -t ed25519 -N 'sekrit' -C 'enc one' -f enc1
ssh-keygen -q -t ecdsa -N 'sekrit' -C 'enc two' -f enc2
echo sekrit >pw
ssh-keygen -q -t rsa -N '' -C 'rsa with cert' -f certrsa
ssh-keygen -q -s ca -I certrsa -n alice certrsa.pub || fail "certificate"
"$K" agent add ed rsa ec dsa pem pkcs8 certified certrsa >out.txt 2>&1 || fail "agent add: $(cat out.txt)"
grep -q "added to ssh-agent: certrsa-cert.pub (rsa with cert)" out.txt || fail "certificate: $(cat out.txt)"
"$K" agent add --passphrase-file pw enc1 enc2 >>out.txt 2>&1 || fail "agent add encrypted: $(cat out.txt)"
grep -q "added to ssh-agent: pem (pem)" out.txt || fail "agent add: $(cat out.txt)"
ssh-add -l >ours.out
(
	eval "$(ssh-agent -s -a "$WORK/agent2.sock")" >/dev/null
	ssh-add -q ed rsa ec dsa pem pkcs8 certified certrsa 2>/dev/null
	SSH_ASKPASS_REQUIRE=never ssh-add -q enc1 enc2 </dev/null 2>/dev/null ||
		for k in enc1 enc2; do ssh-keygen -q -p -P sekrit -N '' -f $k >/dev/null &&
			ssh-add -q $k 2>/dev/null; done
	ssh-add -l
	kill "$SSH_AGENT_PID"
) >theirs.out
same ours.out theirs.out "agent add: the agent holds what ssh-add gives it"
"$K" agent remove-all >/dev/null || fail "remove-all"
ssh-keygen -q -t ed25519 -N 'sekrit' -C 'enc one' -f enc1 <<<y >/dev/null 2>&1
ssh-keygen -q -t ecdsa -N 'sekrit' -C 'enc two' -f enc2 <<<y >/dev/null 2>&1
pass

# a wrong passphrase: status 4, nothing added
echo wrong >badpw
expect_status 4 "wrong passphrase" -- "$K" agent add --passphrase-file badpw enc1
ssh-add -l >/dev/null 2>&1 && fail "a key was added with a wrong passphrase"

# at a terminal: the passphrase asked once for two keys that share it
PYTHONPATH=$(dirname "$0") python3 - "$K" <<'PY' || fail "agent add at a terminal"
import sys
from pty_drive import Pty
t = Pty([sys.argv[1], "agent", "add", "enc1", "enc2"])
t.expect("Passphrase for enc1: ")
t.send("sekrit")
t.expect("added to ssh-agent: enc2")
if b"Passphrase for enc2" in t.transcript:
    sys.exit("asked twice:\n" + t.transcript.decode(errors="replace"))
sys.exit(t.wait())
PY
[ "$(ssh-add -l | grep -c 'enc ')" = 2 ] || fail "agent add at a terminal: $(ssh-add -l)"
pass

# a certificate added beside its key signs through the agent (the agent checked its private
# fields against the certified key when it took it)
mkdir -p certonly && cp certrsa-cert.pub certonly/
"$K" agent add certrsa >/dev/null || fail "agent add certrsa"
echo data >data
SSH_ASKPASS=/bin/false ssh-keygen -Y sign -f certonly/certrsa-cert.pub -n file data >/dev/null 2>&1 ||
	fail "the certificate does not sign through the agent"
rm -f data.sig
pass

# -t: the agent forgets the key (ssh-add -l shows it gone); -c: each use needs a
# confirmation (no ssh-askpass here: the agent refuses to sign), without -c it signs
"$K" agent add -t 1 ed >out.txt 2>&1 || fail "agent add -t: $(cat out.txt)"
grep -q "for 1 seconds" out.txt || fail "agent add -t: $(cat out.txt)"
for _ in $(seq 100); do ssh-add -l | grep -q alice@laptop || break; sleep 0.1; done
ssh-add -l | grep -q alice@laptop && fail "-t 1: the key is still held"
expect_status 2 "-t nonsense" -- "$K" agent add -t 5x ed
echo data >data
# the public half alone, so that ssh-keygen -Y sign can only sign through the agent
mkdir -p pubonly && cp ed.pub pubonly/ed.pub
"$K" agent add ed >/dev/null || fail "agent add ed"
SSH_ASKPASS=/bin/false ssh-keygen -Y sign -f pubonly/ed.pub -n file data >/dev/null 2>&1 || fail "no signature without -c"
rm -f data.sig
"$K" agent add -c ed >/dev/null || fail "agent add -c ed"
SSH_ASKPASS=/bin/false SSH_ASKPASS_REQUIRE=force ssh-keygen -Y sign -f pubonly/ed.pub -n file data >/dev/null 2>&1 &&
	fail "-c: the agent signed without a confirmation"
pass

# lock: the agent lists nothing and signs nothing until unlocked with the same password
echo "lock words" >lockpw
echo "other words" >otherpw
"$K" agent add ed >/dev/null || fail "agent add ed"
"$K" agent lock --passphrase-file lockpw >out.txt 2>&1 || fail "lock: $(cat out.txt)"
ssh-add -l >/dev/null 2>&1 && fail "a locked agent lists keys: $(ssh-add -l)"
rm -f data.sig
SSH_ASKPASS=/bin/false ssh-keygen -Y sign -f pubonly/ed.pub -n file data >/dev/null 2>&1 && fail "a locked agent signed"
expect_status 1 "unlock with another password" -- "$K" agent unlock --passphrase-file otherpw
ssh-add -l >/dev/null 2>&1 && fail "unlocked by another password"
"$K" agent unlock --passphrase-file lockpw >out.txt 2>&1 || fail "unlock: $(cat out.txt)"
ssh-add -l | grep -q alice@laptop || fail "after unlock: $(ssh-add -l)"
pass

# no agent; a socket nobody listens on
env -u SSH_AUTH_SOCK "$K" agent list >out.txt 2>&1
[ $? = 1 ] && grep -q "no ssh-agent here" out.txt || fail "no agent: $(cat out.txt)"
# no agent: said before a passphrase is asked (none can come here: no terminal, no file)
env -u SSH_AUTH_SOCK setsid "$K" agent add enc1 </dev/null >out.txt 2>&1
[ $? = 1 ] && grep -q "no ssh-agent here" out.txt || fail "add without an agent: $(cat out.txt)"
SSH_AUTH_SOCK=$WORK/nobody "$K" agent list >out.txt 2>&1
[ $? = 1 ] && grep -q "cannot ask ssh-agent ($WORK/nobody)" out.txt || fail "dead socket: $(cat out.txt)"
pass

# hostile agents: a length past the cap, and an answer of the wrong type
for answer in huge garbage; do
	rm -f "$WORK/bad.sock"
	python3 - "$WORK/bad.sock" "$answer" <<'PY' &
import socket, struct, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(1)
s.settimeout(30)  # a client that never comes does not hang the test
c, _ = s.accept()
c.recv(5)
if sys.argv[2] == "huge":
    c.sendall(struct.pack(">I", 0x7fffffff) + b"\x0c" * 64)
else:
    c.sendall(struct.pack(">I", 9) + b"\x05garbage!")
c.close()
PY
	pid=$!
	for _ in $(seq 100); do [ -S "$WORK/bad.sock" ] && break; sleep 0.05; done
	SSH_AUTH_SOCK=$WORK/bad.sock timeout 20 "$K" agent list -l >out.txt 2>&1
	st=$?
	wait "$pid"
	[ "$st" = 1 ] && grep -q "cannot ask ssh-agent" out.txt || fail "hostile agent ($answer): status $st: $(cat out.txt)"
done
pass
done_checks
