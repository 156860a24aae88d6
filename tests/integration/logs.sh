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
testbed_host_up h1 "DenyUsers $V
Match User root
	AuthorizedKeysFile /etc/ssh/root_keys" || fail "host"
cp id.pub "$(testbed_root h1)/etc/ssh/root_keys"
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
# the histogram: one row per hour, the logins and failures of that hour
grep -Eq "^Over time, a row per hour" out.txt || fail "histogram: $(cat out.txt)"
grep -Eq "^  2026-11-30 21:00 +4 +[0-9]+  \+" out.txt || fail "histogram row: $(cat out.txt)"
# --since: a date (the lines from then on, the others counted), harden (the start of the
# last completed harden, in its backup directory)
expected=$(awk '$3 ~ /^sshd/ && substr($1, 18, 2) >= 30' rsyslog.log | wc -l)
"$K" logs --json --since "2026-11-30 21:00:30" rsyslog.log >since.json || fail "--since"
python3 - since.json "$expected" <<'PY' || fail "--since: $(tail -1 since.json)"
import json, sys
s = [json.loads(l) for l in open(sys.argv[1])][-1]
assert s["since"] == "2026-11-30T21:00:30Z" and s["sshd_lines"] == int(sys.argv[2]), s
assert s["before_since"] > 0 and s["undated"] == 0, s
assert s["first"] >= "2026-11-30T21:00:30Z", s
PY
need_cmd unshare
mkdir -p /var/lib/sshkeyctl state/harden/20261130T210030Z-1-harden \
	state/harden/20261130T210050Z-2-harden state/harden/20991130T210050Z-3-harden-not
echo done >state/harden/20261130T210030Z-1-harden/state
echo open >state/harden/20261130T210050Z-2-harden/state
echo done >state/harden/20991130T210050Z-3-harden-not/state
harden_since() {
	unshare --mount --propagation private -- /bin/sh -c \
		'mount --bind "$1" /var/lib/sshkeyctl && shift && exec "$@"' sh "$PWD/state" "$K" logs "$@"
}
harden_since --json --since harden rsyslog.log >harden.json || fail "--since harden"
cmp <(grep -v '"since"' since.json) <(grep -v '"since"' harden.json) || fail "--since harden: not the done one's time"
grep -q '"since":"2026-11-30T21:00:30Z"' harden.json || fail "--since harden: $(tail -1 harden.json)"
harden_since --since harden rsyslog.log >out.txt || fail "--since harden text"
grep -q "^Since 2026-11-30 21:00 UTC (harden began: /var/lib/sshkeyctl/harden/20261130T210030Z-1-harden)" out.txt ||
	fail "--since harden: $(head -3 out.txt)"
rm state/harden/20261130T210030Z-1-harden/state
expect_status 1 "--since harden, none completed" -- harden_since --since harden rsyslog.log
expect_status 2 "--since, a date that is none" -- "$K" logs --since 2026-02-30 rsyslog.log
pass

# the journal (journalctl -o json, real journal files made by systemd-journal-remote from
# the same lines): the same report; an entry tagged sshd by another program (journald's own
# _COMM says logger) is not sshd's, nor one of a program named sshd run by another user
# (journald's _UID); a message that is not UTF-8 (journalctl's byte array)
# is read
[ -x /lib/systemd/systemd-journal-remote ] || skip "needs systemd-journal-remote"
python3 - "$LOG" journal.export <<'PY'
import struct, sys
lines = open(sys.argv[1], "rb").read().splitlines()
out = open(sys.argv[2], "wb")
def entry(t, fields):
    out.write(b"__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n_BOOT_ID=0123456789abcdef0123456789abcdef\n" % (t, t))
    for k, v in fields:
        if b"\n" in v or any(c >= 0x80 for c in v):
            out.write(k + b"\n" + struct.pack("<Q", len(v)) + v + b"\n")
        else:
            out.write(k + b"=" + v + b"\n")
    out.write(b"\n")
base = 1764536400 * 1000000
for i, l in enumerate(lines):
    entry(base + i * 1000000, [(b"_COMM", b"sshd"), (b"_PID", b"%d" % (100 + i)), (b"_HOSTNAME", b"h1"),
                               (b"SYSLOG_IDENTIFIER", b"sshd"), (b"MESSAGE", l)])
entry(base + 10**9, [(b"_COMM", b"logger"), (b"_PID", b"7"), (b"SYSLOG_IDENTIFIER", b"sshd"),
                     (b"MESSAGE", b"Accepted password for root from 6.6.6.6 port 1 ssh2")])
entry(base + 10**9, [(b"_COMM", b"sshd"), (b"_UID", b"1000"), (b"_PID", b"7"), (b"SYSLOG_IDENTIFIER", b"sshd"),
                     (b"MESSAGE", b"Accepted password for root from 6.6.6.7 port 1 ssh2")])
entry(base + 10**9 + 1, [(b"_COMM", b"sshd"), (b"_PID", b"8"), (b"SYSLOG_IDENTIFIER", b"sshd"),
                         (b"MESSAGE", b"Invalid user caf\xe9 from 10.9.9.9 port 22")])
PY
mkdir journal
/lib/systemd/systemd-journal-remote -o journal/remote.journal journal.export 2>/dev/null ||
	fail "systemd-journal-remote"
journalctl --directory journal -o json | grep -q '"MESSAGE":\[' || fail "no byte-array message in the journal"
"$K" logs --json --journal=journal >journal.json || fail "--journal: $(cat journal.json)"
"$K" logs --json "$LOG" >file.json || fail "logs file"
python3 - file.json journal.json <<'PY' || fail "--journal: $(cat journal.json)"
import json, sys
f = [json.loads(l) for l in open(sys.argv[1])]
j = [json.loads(l) for l in open(sys.argv[2])]
pick = lambda recs, kind: sorted(json.dumps({k: v for k, v in r.items() if k not in ("first", "last")}, sort_keys=True) for r in recs if r["record"] == kind)
for kind in ("login", "password_login", "key", "refusal"):
    assert pick(f, kind) == pick(j, kind), (kind, pick(f, kind), pick(j, kind))
src = {r["address"]: r for r in j if r["record"] == "source"}
assert not [r for r in j if "6.6.6." in json.dumps(r)] and src["10.9.9.9"]["invalid_users"] == 1, src
s = j[-1]
assert s["logins"] == f[-1]["logins"] == 2 and s["first"] == "2025-11-30T21:00:00Z", s
PY
expect_status 1 "--journal, no such directory" -- "$K" logs --journal=nothing-here
pass

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
# dates a log should not have: a line over an hour before the one before it, one from the
# future; said with file:line, still counted
{
	echo "2026-11-30T21:00:00.000000+00:00 h sshd[1]: Accepted password for a from 10.0.0.1 port 2 ssh2"
	echo "2026-11-30T19:00:00.000000+00:00 h sshd[1]: Accepted password for a from 10.0.0.1 port 2 ssh2"
	echo "$(($(date -u +%Y) + 2))-11-30T19:00:00.000000+00:00 h sshd[1]: Accepted password for a from 10.0.0.1 port 2 ssh2"
} >dates.log
expect_status 5 "dates out of order and from the future" -- "$K" logs dates.log >out.txt 2>&1
grep -q "^note: dates.log:2: dated over an hour before the line before it" out.txt || fail "out of order: $(cat out.txt)"
grep -q "^note: dates.log:3: dated more than a day after now" out.txt || fail "future: $(cat out.txt)"
grep -q "^Password logins that worked: 3$" out.txt || fail "dates: still counted: $(cat out.txt)"
# a key and a second factor (AuthenticationMethods publickey,keyboard-interactive): sshd's
# "Partial publickey" then "Accepted keyboard-interactive/pam" on the same connection is one
# login with the key, never a password login; a keyboard-interactive login alone still is
{
	echo "Partial publickey for mfa from 10.1.1.1 port 4000 ssh2: ED25519 SHA256:2zucR/LGOTU2Ixw7gBOirOl3U6AhWNmZTvUAp+COune"
	echo "Accepted keyboard-interactive/pam for pw from 10.1.1.2 port 4001 ssh2"
	echo "Accepted keyboard-interactive/pam for mfa from 10.1.1.1 port 4000 ssh2"
} >mfa.log
"$K" logs --json mfa.log >mfa.json || fail "mfa.log: $(cat mfa.json)"
python3 - mfa.json <<'PY' || fail "key and second factor: $(cat mfa.json)"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
logins = {(r["method"], r["account"]) for r in recs if r["record"] == "login"}
assert logins == {("publickey,keyboard-interactive/pam", "mfa"), ("keyboard-interactive/pam", "pw")}, logins
assert [r["account"] for r in recs if r["record"] == "password_login"] == ["pw"], recs
keys = [r for r in recs if r["record"] == "key"]
assert len(keys) == 1 and keys[0]["account"] == "mfa", keys
PY
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

# --html: one page, drawn by headless Chromium: the chart's bars, the tables, and a user
# name holding markup shown as text (never markup)
printf '2026-11-30T21:00:01.000000+00:00 h sshd[1]: Invalid user <img src=x onerror=alert(1)> from 10.0.0.1 port 2\n' >forged.log
printf '2026-11-30T23:00:02.000000+00:00 h sshd[1]: Accepted password for </script><b>x from 10.0.0.2 port 3 ssh2\n' >>forged.log
"$K" logs --html page.html rsyslog.log forged.log >out.txt || fail "--html: $(cat out.txt)"
grep -q "^report written to page.html$" out.txt || fail "--html: $(cat out.txt)"
[ "$(stat -c %a page.html)" = 600 ] || fail "--html: mode $(stat -c %a page.html)"
grep -q "<img\|</script><b>" page.html && fail "--html: markup from the log in the page"
if command -v chromium >/dev/null; then
	timeout 120 chromium --headless=new --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --user-data-dir="$PWD/chromium" \
		--dump-dom "file://$PWD/page.html" >dom.html 2>/dev/null || fail "chromium"
	[ "$(grep -o '<rect' dom.html | wc -l)" -ge 4 ] || fail "--html: no chart"
	grep -q '&lt;/script&gt;&lt;b&gt;x' dom.html || fail "--html: the forged name not shown as text"
	grep -q '<img' dom.html && fail "--html: markup from the log became markup"
	grep -q "<td>publickey</td><td>$U</td>" dom.html || fail "--html: the logins table"
fi
pass

# --- servers over SSH: the host's own log, read there ---
C=(-i id --accept-new -o "UserKnownHostsFile=$PWD/kh")
HLOG=$(testbed_root h1)/var/log/auth.log
# as root: the report of the host's file as read here (after the run, which logged its own
# login), its accounts named ACCOUNT@HOST:PORT
"$K" logs "${C[@]}" --json "root@127.0.0.1:$P" >remote.json || fail "logs root@h1: $(cat remote.json)"
"$K" logs --json "$HLOG" >here.json || fail "logs of h1's file"
python3 - remote.json here.json "127.0.0.1:$P" <<'PY' || fail "remote report: $(cat remote.json)"
import json, sys
remote = [json.loads(l) for l in open(sys.argv[1])]
here = [json.loads(l) for l in open(sys.argv[2])]
suffix = "@" + sys.argv[3]
host = remote[0]
assert host["record"] == "host" and host["status"] == "ok" and host["as_root"] is True, host
assert host["log_source"] == "/var/log/auth.log", host
def norm(recs, strip):
    out = []
    for r in recs:
        if r.get("record") in (None, "host", "summary"):
            continue
        r = dict(r)
        if "account" in r and strip:
            assert r["account"].endswith(suffix), r
            r["account"] = r["account"][: -len(suffix)]
        out.append(json.dumps(r, sort_keys=True))
    return sorted(out)
assert norm(remote, True) == norm(here, False), (norm(remote, True), norm(here, False))
s = [r for r in remote if r.get("record") == "summary"][0]
assert s["logins"] >= 3 and s["lines"] == host["lines"], s
PY
# as the account, without sudo's password: read with its own rights, and said so
"$K" logs "${C[@]}" "$U@127.0.0.1:$P" >out.txt 2>&1 || fail "logs as $U: $(cat out.txt)"
grep -q "^$U@127.0.0.1:$P: OK: /var/log/auth.log (not as root), " out.txt || fail "as $U: $(cat out.txt)"
grep -Eq "^  publickey +root@127.0.0.1:$P +[0-9]+ " out.txt || fail "as $U, the table: $(cat out.txt)"
# a log the account may not read, and no way to root: said, status 1, nothing counted
chmod 600 "$HLOG"
expect_status 1 "an unreadable log" -- "$K" logs "${C[@]}" "$U@127.0.0.1:$P" >out.txt 2>&1
grep -q "NO LOG: /var/log/auth.log cannot be read by $U, and root is out of reach: " out.txt ||
	fail "unreadable: $(cat out.txt)"
grep -q "^Logins" out.txt && fail "a report of nothing: $(cat out.txt)"
chmod 644 "$HLOG"
# --since harden: the host's own last completed harden (none yet: said, status 1); then
# the host's log is the rsyslog form (times 2026-11-30T21:00:SS) with the run's own lines
# after it (sshd -E's, no time: left out, and said: status 5)
expect_status 1 "--since harden, none on the host" -- "$K" logs "${C[@]}" --since harden "root@127.0.0.1:$P" >out.txt 2>&1
grep -q "FAILED: no harden has completed on this host" out.txt || fail "no harden: $(cat out.txt)"
HST=$(testbed_root h1)/var/lib/sshkeyctl/harden
mkdir -p "$HST/20261130T210030Z-1-harden" "$HST/20261130T210050Z-2-harden"
echo done >"$HST/20261130T210030Z-1-harden/state"
echo open >"$HST/20261130T210050Z-2-harden/state"
cp rsyslog.log "$HLOG"
expect_status 5 "--since harden on the host" -- "$K" logs "${C[@]}" --json --since harden "root@127.0.0.1:$P" >remote.json
python3 - remote.json since.json <<'PY' || fail "--since harden remote: $(cat remote.json)"
import json, sys
remote = [json.loads(l) for l in open(sys.argv[1])]
local = [json.loads(l) for l in open(sys.argv[2])][-1]
host = remote[0]
assert host["status"] == "incomplete" and host["harden"] == "20261130T210030Z-1-harden", host
assert host["since"] == "2026-11-30T21:00:30Z", host
assert any("carry no time" in n for n in host["notes"]), host
s = [r for r in remote if r.get("record") == "summary"][0]
assert s["sshd_lines"] == local["sshd_lines"] and s["before_since"] == local["before_since"], (s, local)
PY
pass

# --- --follow: alerts from a real sshd's log as it grows ---
# the failures of one source (maxretry in findtime; a user name holding "from 6.6.6.6"
# decides nothing), a password login, a key not in --keys; the hook gets KIND ADDRESS
# [ACCOUNT] and the alert's JSON, no shell; a line rotated in (logrotate's create), a
# truncation, and a source that is no IP address (the hook not run, said, status 5)
cat >hook.sh <<'HOOK'
#!/bin/sh
{ printf '%s|' "$@"; echo; cat; echo; } >>"$(dirname "$0")/hook.out"
HOOK
chmod 755 hook.sh
"$K" keygen -q -f other --no-passphrase -C other || fail "keygen other"
: >hook.out
"$K" logs --follow --maxretry 3 --findtime 1h --keys other.pub --exec "$PWD/hook.sh" "$HLOG" \
	>follow.txt 2>follow.err &
FPID=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s follow.txt ] && break; sleep 0.2; done
for _ in 1 2 3; do
	sshpass -p wrong ssh "${SSHO[@]}" -o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1 \
		"x from 6.6.6.6 port 1 ssh2@127.0.0.1" true 2>/dev/null
done
sshpass -p "$PW" ssh "${SSHO[@]}" -o PubkeyAuthentication=no "$U@127.0.0.1" true || fail "password login"
ssh "${SSHO[@]}" -o BatchMode=yes -i id -o IdentitiesOnly=yes "$U@127.0.0.1" true || fail "key login"
sleep 1.5
mv "$HLOG" "$HLOG.1"
for _ in 1 2 3; do echo "Failed password for root from evil-name port 2 ssh2"; done >"$HLOG"
sleep 1.5
# cut to nothing (copytruncate), then a source's failures written after: read from the start
: >"$HLOG"
sleep 1.5
for _ in 1 2 3; do echo "Failed password for root from 192.0.2.9 port 2 ssh2"; done >>"$HLOG"
sleep 1.5
kill -TERM $FPID
wait $FPID
st=$?
[ $st = 5 ] || fail "--follow status $st (want 5: a hook not run): $(cat follow.txt follow.err)"
grep -Eq "ALERT failures: 127\.0\.0\.1 reached 3 failures in 3600 s" follow.txt || fail "failures alert: $(cat follow.txt)"
grep -q "6\.6\.6\.6" follow.txt hook.out && fail "the forged address was taken: $(cat follow.txt hook.out)"
grep -q "ALERT password-login: $U from 127.0.0.1 (password)" follow.txt || fail "password alert: $(cat follow.txt)"
grep -q "ALERT unknown-key: $U from 127.0.0.1 with ED25519 $FP" follow.txt || fail "unknown key alert: $(cat follow.txt)"
grep -q "ALERT failures: evil-name reached 3" follow.txt || fail "after the rotation: $(cat follow.txt follow.err)"
grep -q "note: $HLOG: rotated: the new file read from its start" follow.err || fail "rotation: $(cat follow.err)"
grep -q "note: $HLOG: truncated: read again from its start" follow.err || fail "truncation: $(cat follow.err)"
grep -q "ALERT failures: 192\.0\.2\.9 reached 3" follow.txt || fail "after the truncation: $(cat follow.txt)"
grep -q "the address is not an IP address: the hook is not run" follow.err || fail "evil-name hook: $(cat follow.err)"
python3 - hook.out "$U" "$FP" <<'PY' || fail "hook: $(cat hook.out)"
import json, sys
lines = open(sys.argv[1]).read().split("\n")
calls = [(lines[i].rstrip("|").split("|"), json.loads(lines[i + 1])) for i in range(0, len(lines) - 1, 2) if lines[i]]
kinds = [c[0][0] for c in calls]
# three wrong passwords of an invalid user: six lines that count (its "Invalid user" and
# "Failed password" lines, as fail2ban's sshd filter counts them): two alerts of three
assert kinds == ["failures", "failures", "password-login", "unknown-key", "failures"], calls
assert calls[0][0] == ["failures", "127.0.0.1"] and calls[0][1]["failures"] == 3, calls[0]
assert calls[2][0] == ["password-login", "127.0.0.1", sys.argv[2]], calls[2]
assert calls[3][1]["fingerprint"] == sys.argv[3] and calls[3][1]["account"] == sys.argv[2], calls[3]
PY
expect_status 2 "--exec, not an absolute path" -- "$K" logs --follow --exec hook.sh "$HLOG"
expect_status 2 "--exec without --follow" -- "$K" logs --exec "$PWD/hook.sh" "$HLOG"
expect_status 1 "--follow, a gzip file" -- "$K" logs --follow rsyslog.log.gz

# --db: scan's inventory; each key of the server read gets its last login from that
# server's log (--rotated: the rotated file too); a key never used says so
cat id.pub other.pub >both.pub
testbed_authorize h1 "$U" both.pub
"$K" scan "${C[@]}" --db inv.db "root@127.0.0.1:$P" >scan.txt 2>&1
[ -s inv.db ] || fail "scan --db: $(cat scan.txt)"
"$K" logs "${C[@]}" --rotated --db inv.db --json "root@127.0.0.1:$P" >inv.json ||
	[ $? = 5 ] || fail "logs --db: $(cat inv.json)"
python3 - inv.json "$U" "$FP" "$(ssh-keygen -lf other.pub | awk '{print $2}')" <<'PY' || fail "logs --db: $(cat inv.json)"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
u, used_fp, other_fp = sys.argv[2:5]
inv = {(r["account"], r["fingerprint"]): r for r in recs if r.get("record") == "inventory_key"}
assert inv[(u, used_fp)]["used"] is True, inv
assert inv[(u, other_fp)]["used"] is False and inv[(u, other_fp)]["last_used"] is None, inv
assert inv[(u, other_fp)]["comment"] == "other", inv
PY
"$K" logs "${C[@]}" --rotated --db inv.db "root@127.0.0.1:$P" >inv.txt 2>&1
grep -F " $FP " inv.txt | grep -Eq "^  root@127.0.0.1:$P +$U +SHA256:[^ ]+ +(logged, no date|2026-)" ||
	fail "logs --db text: $(cat inv.txt)"
grep -q "not in its log  other$" inv.txt || fail "logs --db, the unused key: $(cat inv.txt)"
expect_status 1 "--db, no such inventory" -- "$K" logs --db nothing.db "$HLOG"
[ ! -e nothing.db ] || fail "--db made a database"

done_checks
