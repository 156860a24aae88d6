#!/bin/bash
# 50 hosts in one run: every host gets the key, proven; report lines in the order given,
# also when the hosts come from -H FILE (duplicates collapsed, comments skipped).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../testbed/testbed.sh"
need_cmd ssh
testbed_init "$WORK/tb"
cleanup_hooks+=("testbed_cleanup")
U=sktest-f$$
testbed_add_user "$U" "pw $U" || fail "useradd"
echo "pw $U" >pw
"$K" keygen -q -f id --no-passphrase -C fleet
"$K" keygen -q -f id2 --no-passphrase -C fleet2
N=${FLEET_HOSTS:-50}
echo "# the fleet" >hosts
for i in $(seq "$N"); do
	testbed_host_up "h$i" >/dev/null || fail "host h$i"
	testbed_home "h$i" "$U" >/dev/null
	echo "$U@127.0.0.1:$(testbed_port "h$i")  # host $i" >>hosts
	testbed_known_hosts_line "h$i" >>known_hosts
done
echo "$U@127.0.0.1:$(testbed_port h1)" >>hosts # a duplicate
"$K" copy -j 32 -i id --password-file pw -o "UserKnownHostsFile=$WORK/known_hosts" -H hosts >out.txt ||
	fail "fleet: $(tail -5 out.txt)"
[ "$(grep -c ": installed and verified" out.txt)" = "$N" ] || fail "not all installed: $(grep -v verified out.txt | head)"
grep -v '^#' hosts | sed 's/ .*//' | head -n "$N" >want_order
grep ": installed and verified" out.txt | sed 's/: .*//' >got_order
same got_order want_order "report lines in input order"
grep -q "^$N hosts: $N installed and verified" out.txt || fail "summary: $(tail -1 out.txt)"
# the same changes on every host: shown in full once, then named, then the hosts listed
[ "$(grep -c "^  write /home/$U/.ssh/authorized_keys" out.txt)" = 1 ] || fail "changes repeated"
[ "$(grep -c "^  changes: as for $(sed -n 2p hosts | sed 's/ .*//')\$" out.txt)" = $((N - 1)) ] ||
	fail "shared changes: $(head -8 out.txt)"
grep -q "^changes as for .*, on $N hosts: " out.txt || fail "shared changes not listed"
for i in $(seq "$N"); do
	grep -qF "$(cut -d' ' -f2 id.pub)" "$TB_ROOT/h$i/home/$U/.ssh/authorized_keys" || fail "h$i: no key"
done
ssh -F /dev/null -i id -o BatchMode=yes -o UserKnownHostsFile="$WORK/known_hosts" -p "$(testbed_port "h$N")" \
	"$U@127.0.0.1" true || fail "no key login on the last host"
pass

# on a terminal, a live progress line on stderr, cleared before each report line; verify
# runs the same way
if command -v script >/dev/null; then
	SHELL=/bin/sh script -qefc "'$K' verify -j 8 -i id -o 'UserKnownHostsFile=$WORK/known_hosts' -H hosts" \
		typescript >/dev/null 2>&1
	grep -q "/$N done, [0-9]* failed, [0-9]* pending" typescript || fail "no status line: $(tail -c 300 typescript)"
	[ "$(grep -c ": WARN: key login works" typescript)" = "$N" ] || fail "verify on a terminal: $(tail -3 typescript)"
	# without a terminal, no progress line
	"$K" verify -j 8 -i id -o "UserKnownHostsFile=$WORK/known_hosts" -H hosts >out.txt 2>err.txt
	grep -q " pending" err.txt out.txt && fail "a status line without a terminal"
	pass
fi
# a wrong password on 6 fresh hosts: one host tries it (the canary), the other five are
# never sent it; at most one "Failed password" line in all the hosts' logs
echo "not the password" >wrong
head -n 7 hosts | grep -v '^#' >six
for i in $(seq 6); do : >"$TB_ROOT/h$i/var/log/auth.log"; done
"$K" copy -j 32 -i id2 --password-file wrong -o "UserKnownHostsFile=$WORK/known_hosts" -H six \
	--failed-file failed.txt >out.txt 2>err.txt
[ $? = 1 ] || fail "a wrong password everywhere: status $?: $(cat out.txt err.txt)"
failed=$(cat "$TB_ROOT"/h[1-6]/var/log/auth.log | grep -c "Failed password")
[ "$failed" -le 1 ] || fail "the wrong password reached $failed hosts"
[ "$(grep -c "password refused for" out.txt)" = 1 ] || fail "canary: $(cat out.txt)"
[ "$(grep -c "refused on another host first" out.txt)" = 5 ] || fail "withheld: $(cat out.txt)"
grep -q "the password was refused by .*; it was sent to no other host" err.txt ||
	fail "no canary note: $(cat err.txt)"
# the summary names the hosts that did not end OK, and --failed-file lists them for -H
grep -q "^not OK: $(head -1 six | sed 's/ .*//'), " out.txt || fail "not OK line: $(tail -3 out.txt)"
sed 's/ .*//' six >want_failed
same failed.txt want_failed "--failed-file: the six targets, in order"
"$K" copy -j 32 -i id2 --password-file pw -o "UserKnownHostsFile=$WORK/known_hosts" -H failed.txt \
	--failed-file failed.txt >out.txt 2>err.txt || fail "rerun from --failed-file: $(cat out.txt err.txt)"
[ -s failed.txt ] && fail "--failed-file after a clean run: $(cat failed.txt)"
grep -q "^not OK" out.txt && fail "not OK line after a clean run"
pass
# a password file that does not exist: one error naming it, nothing sent
"$K" copy -i id --password-file "$WORK/no-such-file" -o "UserKnownHostsFile=$WORK/known_hosts" -H six \
	>out.txt 2>err.txt && fail "missing password file accepted"
grep -q "password-file $WORK/no-such-file: No such file or directory" err.txt || fail "missing file: $(cat err.txt)"
[ -s out.txt ] && fail "hosts were tried: $(cat out.txt)"
pass
# -q: only the hosts that did not end OK, and the summary; -v: each connection's steps on
# stderr; --order done: each host as it finishes (all of them still reported once)
head -n 3 hosts | grep -v '^#' >three
echo "127.0.0.1:1" >>three
"$K" copy -q -i id -o "UserKnownHostsFile=$WORK/known_hosts" -H three >out.txt 2>err.txt
[ $? = 3 ] || fail "-q: status"
grep -q ": already present" out.txt && fail "-q shows hosts that ended OK: $(cat out.txt)"
grep -q "^127.0.0.1:1: failed" out.txt || fail "-q hides a failure: $(cat out.txt)"
grep -q "^3 hosts: " out.txt || fail "-q: no summary: $(cat out.txt)"
"$K" verify -v -i id -o "UserKnownHostsFile=$WORK/known_hosts" "$(head -2 hosts | tail -1 | sed 's/ .*//')" \
	>out.txt 2>err.txt
grep -q "^debug1: .*: connecting to 127.0.0.1 port [0-9]* as $U (ssh -G)" err.txt || fail "-v: $(cat err.txt)"
grep -q "^debug1: .*: authentication publickey (query): success" err.txt || fail "-v: $(cat err.txt)"
grep -q "^debug1: .*: host key: known" err.txt || fail "-v: $(cat err.txt)"
"$K" verify --order done -j 8 -i id -o "UserKnownHostsFile=$WORK/known_hosts" -H hosts >out.txt 2>&1
[ "$(grep -c ": WARN: key login works" out.txt)" = "$N" ] || fail "--order done: $(tail -3 out.txt)"
"$K" verify --order sideways -i id three >out.txt 2>&1 && fail "--order sideways accepted"
pass
# every fleet command's JSON: the documented fields on each host, the summary object last
for cmd in copy perms verify doctor; do
	pwopt=(--password-file pw)
	[ $cmd = verify ] && pwopt=() # verify never uses a password
	"$K" $cmd --json -i id "${pwopt[@]}" -o "UserKnownHostsFile=$WORK/known_hosts" -H three \
		>out.json 2>/dev/null
	python3 - out.json "$cmd" <<'PY' || fail "$cmd --json: $(cat out.json)"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
hosts, summary = lines[:-1], lines[-1]
assert len(hosts) == 3 and list(summary) == ["summary"], lines
assert summary["summary"]["hosts"] == 3, summary
for h in hosts:
    for field in ("target", "host", "port", "user", "status", "error", "key_sha256",
                  "host_key_sha256", "duration_ms"):
        assert field in h, (sys.argv[2], field, h)
assert hosts[2]["error"] != "ok" or hosts[2]["status"] in ("fail", "failed", "unreachable"), hosts[2]
PY
done
pass
done_checks
