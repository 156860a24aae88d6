#!/bin/bash
# agent against OpenSSH's own ssh-agent: list -l, -E md5 and the plain listing byte for
# byte what ssh-add -l and ssh-add -L print, for every key type, a certificate, an empty and
# a UTF-8 comment; remove (with the certificate, as ssh-add -d) and remove-all, checked with
# ssh-add; an empty agent, no agent, a dead socket and a hostile agent (a huge length,
# garbage) each end with a clear message and status 1, at once.
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

# no agent; a socket nobody listens on
env -u SSH_AUTH_SOCK "$K" agent list >out.txt 2>&1
[ $? = 1 ] && grep -q "no ssh-agent here" out.txt || fail "no agent: $(cat out.txt)"
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
