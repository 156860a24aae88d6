#!/bin/bash
# known-hosts remove does what ssh-keygen -R does: the same lines go (plain, wildcard and
# hashed names; marker lines stay), the same report, FILE.old kept, the file's mode kept.
. "$(dirname "$0")/lib.sh"
need_cmd ssh-keygen
# ssh-keygen -R refuses files with invalid lines: OpenSSH's test file without its last section
head -n 35 "$TEST_DATA/openssh/hostkeys/known_hosts" >orig
for h in sisyphus.example.com 192.0.2.1 prometheus.example.com 2001:db8::1 foo.example.com \
	192.0.2.77 '[sisyphus.example.com]:2222' nothere; do
	cp orig ours && cp orig theirs
	chmod 640 ours
	"$K" known-hosts remove -f ours "$h" >ours.out 2>&1 || fail "remove $h"
	ssh-keygen -f theirs -R "$h" 2>&1 | tr -d '\r' | sed 's/\btheirs\b/ours/g' >theirs.out
	same ours theirs "known-hosts remove $h"
	same ours.out theirs.out "report for $h"
	if [ -e theirs.old ]; then
		same ours.old orig "$h: original kept as .old"
		[ "$(mode_of ours)" = 640 ] || fail "mode not kept"
	fi
	rm -f ours.old theirs.old
done
# a non-default port is its [host]:port entry
printf '[h.example]:2222 %s\nh.example %s\n' "$(cut -d' ' -f1,2 "$TEST_DATA/openssh/sshkey/ed25519_1.pub")" \
	"$(cut -d' ' -f1,2 "$TEST_DATA/openssh/sshkey/ed25519_2.pub")" >ports
"$K" known-hosts remove -f ports h.example:2222 >/dev/null || fail "remove host:port"
[ "$(cut -d' ' -f1 ports)" = h.example ] || fail "port entry: $(cat ports)"
expect_status 2 "user@host refused" -- "$K" known-hosts remove -f ports u@h.example 2>/dev/null
done_checks
