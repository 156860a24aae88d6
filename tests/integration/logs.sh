#!/bin/bash
# logs against what a real sshd wrote: key and password logins, failed passwords, an invalid
# user whose name holds " from 6.6.6.6 port 1 ssh2" (the source is never 6.6.6.6), a
# StrictModes refusal, DenyUsers; the same log as Debian's rsyslog writes it (RFC 3339
# header) and gzip'ed, one cut short; bad input (a 1 MB line, NUL bytes, a FIFO) said with
# file:line and the status, never a crash.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../testbed/testbed.sh"
testbed_suite
need_cmd sshpass

U=sktest-lg$$
V=sktest-lh$$
PW="pw of logs"
for u in "$U" "$V"; do testbed_add_user "$u" "$PW" || fail "useradd $u"; done
"$K" keygen -q -f id --no-passphrase -C "me@laptop" || fail "keygen"
testbed_host_up h1 "DenyUsers $V" || fail "host"
testbed_authorize h1 "$U" id.pub
P=$(testbed_port h1)
LOG=$(testbed_root h1)/var/log/auth.log
SSHO=(-F /dev/null -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -p "$P")
ssh "${SSHO[@]}" -o BatchMode=yes -i id -o IdentitiesOnly=yes "$U@127.0.0.1" true || fail "key login"
sshpass -p "$PW" ssh "${SSHO[@]}" -o PubkeyAuthentication=no "$U@127.0.0.1" true ||
	fail "password login"
sshpass -p wrong ssh "${SSHO[@]}" -o PubkeyAuthentication=no \
	-o NumberOfPasswordPrompts=1 "$U@127.0.0.1" true 2>/dev/null && fail "a wrong password logged in"
sshpass -p wrong ssh "${SSHO[@]}" -o PubkeyAuthentication=no \
	-o NumberOfPasswordPrompts=1 "bad user from 6.6.6.6 port 1 ssh2@127.0.0.1" true 2>/dev/null
sshpass -p "$PW" ssh "${SSHO[@]}" -o PubkeyAuthentication=no \
	-o NumberOfPasswordPrompts=1 "$V@127.0.0.1" true 2>/dev/null && fail "DenyUsers let $V in"
chmod 777 "$(testbed_home h1 "$U" 777)"
ssh "${SSHO[@]}" -o BatchMode=yes -i id -o IdentitiesOnly=yes "$U@127.0.0.1" true 2>/dev/null && fail "0777 home let the key in"
chmod 755 "$(testbed_home h1 "$U")"
sleep 0.3
FP=$(ssh-keygen -lf id.pub | awk '{print $2}')

"$K" logs --keys id.pub "$LOG" >out.txt 2>&1 || fail "logs: $(cat out.txt)"
grep -Eq "^  publickey +$U +1 " out.txt || fail "key login: $(cat out.txt)"
grep -Eq "^  password +$U +1 " out.txt || fail "password login: $(cat out.txt)"
grep -Eq "^Password logins that worked: 1$" out.txt || fail "password logins: $(cat out.txt)"
grep -F "  $FP " out.txt | grep -Eq "ED25519 +$U +1 .*me@laptop, id.pub" || fail "key named: $(cat out.txt)"
# the wrong password, the forged user's, and the one DenyUsers refused; one invalid user
grep -Eq "^  127.0.0.1 +3 +1 " out.txt || fail "failures by source: $(cat out.txt)"
grep -q "^  6.6.6.6 " out.txt && fail "the forged address was taken: $(cat out.txt)"
grep -q "bad-modes /home/$U" out.txt || fail "StrictModes refusal: $(cat out.txt)"
grep -q "not-allowed listed in DenyUsers" out.txt || fail "DenyUsers: $(cat out.txt)"
pass

# JSON: the same facts
"$K" logs --json --keys id.pub "$LOG" >out.json || fail "logs --json"
python3 - out.json "$U" "$FP" <<'PY' || fail "logs --json: $(cat out.json)"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
u, fp = sys.argv[2], sys.argv[3]
assert {"record": "login", "method": "publickey", "account": u, "count": 1} .items() <= [r for r in recs if r.get("method") == "publickey"][0].items()
keys = [r for r in recs if r["record"] == "key"]
assert keys and keys[0]["fingerprint"] == fp and keys[0]["known_as"].startswith("me@laptop"), keys
src = [r for r in recs if r["record"] == "source"]
assert [s["address"] for s in src] == ["127.0.0.1"], src
summary = recs[-1]
assert summary["record"] == "summary" and summary["password_logins"] == 1, summary
PY
pass

# the same lines as Debian's rsyslog writes them, among another program's, and gzip'ed; a
# copy cut short is said, with what came before counted
awk '{ printf "2026-11-30T21:00:%02d.123456+00:00 h1 sshd[%d]: %s\n", NR % 60, 100 + NR, $0 }
	NR == 1 { print "2026-11-30T21:00:00.000000+00:00 h1 CRON[5]: Accepted password for root from 1.1.1.1 port 1 ssh2" }' \
	"$LOG" >rsyslog.log
gzip -c rsyslog.log >rsyslog.log.gz
"$K" logs rsyslog.log rsyslog.log.gz >out.txt 2>&1 || fail "rsyslog form: $(cat out.txt)"
grep -Eq "^  publickey +$U +2 " out.txt || fail "rsyslog form twice: $(cat out.txt)"
grep -q "root" out.txt && grep -q "^  password +root" out.txt && fail "CRON's line counted"
head -c $(($(stat -c %s rsyslog.log.gz) / 2)) rsyslog.log.gz >cut.gz
expect_status 5 "a gzip cut short" -- "$K" logs cut.gz >out.txt 2>&1
grep -q "^note: cut.gz: not read to its end: unexpected end of file" out.txt || fail "cut.gz: $(cat out.txt)"

# bad input: a 1 MB line, NUL bytes, binary garbage: said with file:line, never a crash
{
	head -c 1048576 /dev/zero | tr '\0' 'x'
	echo
	printf 'Accepted password for a\0b from 10.0.0.1 port 1 ssh2\n'
	head -c 4096 /dev/urandom
	echo
	cat "$LOG"
} >bad.log
expect_status 5 "bad input" -- "$K" logs bad.log >out.txt 2>&1
grep -q "^note: bad.log:1: a line longer than sshd writes: skipped" out.txt || fail "bad input: $(cat out.txt)"
grep -Eq "^  publickey +$U +1 " out.txt || fail "bad input: the good lines after: $(cat out.txt)"
mkfifo fifo
expect_status 1 "a FIFO" -- timeout 10 "$K" logs fifo
"$K" logs - <"$LOG" >out.txt 2>&1 || fail "standard input: $(cat out.txt)"
grep -Eq "^  publickey +$U +1 " out.txt || fail "standard input: $(cat out.txt)"
pass

# a file large enough to be read in ranges on every CPU reads as the same stream does (the
# numbers of the lines skipped too)
python3 -c 'import sys; d = open(sys.argv[1]).read(); sys.stdout.write(d * (9000000 // len(d) + 1))' \
	"$LOG" | head -c 9000000 >big.log
{ head -c 4500000 big.log; head -c 20000 /dev/zero | tr '\0' 'z'; echo; tail -c +4500001 big.log; } >big2.log
"$K" logs --json big2.log | sed 's/big2.log:/SRC:/g' >ranges.json
"$K" logs --json - <big2.log | sed 's/(standard input):/SRC:/g' >stream.json
same ranges.json stream.json "a large file read in ranges"
grep -q '"notes":\["SRC:[0-9]*: a line longer' ranges.json || fail "ranges: $(tail -1 ranges.json)"

done_checks
