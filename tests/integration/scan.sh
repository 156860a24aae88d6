#!/bin/bash
# scan against real sshd hosts: every key of every account sshd would let in, found where
# sshd reads it (Match blocks included), its findings, its last use from sshd's own log
# lines; as the login account its own files; through sudo every account; nothing on the
# server changed (every file compared before and after); links and FIFOs planted by an
# account never followed or opened by root; text, JSON and CSV agree.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../testbed/testbed.sh"
testbed_suite
need_cmd python3
need_cmd sqlite3

U=sktest-sa$$ # the account scanned, and the login for its own view
V=sktest-sb$$ # locked, shares a key with U
W=sktest-sc$$ # plants a FIFO and a link
S=sktest-sd$$ # sudo
PW="pw of scan"
for u in "$U" "$V" "$W" "$S"; do testbed_add_user "$u" "$PW" || fail "useradd $u"; done
echo "$PW" >pw
KH=$WORK/known_hosts
COMMON=(--password-file pw --accept-new -o "UserKnownHostsFile=$KH")
SUDOERS=/etc/sudoers.d/sshkeyctl-scan-$$
printf '%s ALL=(ALL:ALL) ALL\n' "$S" >"$SUDOERS"
chmod 440 "$SUDOERS"
cleanup_hooks+=("rm -f $SUDOERS")

"$K" keygen -q -f ua --no-passphrase -C "alice@laptop" || fail "keygen"
"$K" keygen -q -f rootkey --no-passphrase -C "root-admin" || fail "keygen"
"$K" keygen -q -t rsa -b 2048 -f rsa2k --no-passphrase -C "=HYPERLINK(\"x\")" || fail "keygen rsa"
ssh-keygen -q -t dsa -N '' -C old-dsa -f dsa || fail "ssh-keygen dsa"
ssh-keygen -q -t ed25519 -N 'secret pass' -C enc -f enc || fail "ssh-keygen enc"
FP_UA=$(ssh-keygen -lf ua.pub | awk '{print $2}')
FP_RSA=$(ssh-keygen -lf rsa2k.pub | awk '{print $2}')
FP_DSA=$(ssh-keygen -lf dsa.pub | awk '{print $2}')

testbed_host_up h1 "Match User root
	AuthorizedKeysFile /etc/ssh/root_keys
Match User $S,nosuchuser
	AuthorizedKeysFile /etc/ssh/s_keys" || fail "host"
R=$(testbed_root h1)
cp rootkey.pub "$R/etc/ssh/root_keys"
cp rsa2k.pub "$R/etc/ssh/s_keys"
# U: its key, an RSA 2048 with an expired expiry-time and from=, a DSA key, its own key
# again, a line sshd cannot read, CRLF; an unencrypted and an encrypted private key
testbed_authorize h1 "$U" ua.pub
{
	printf 'from="10.0.0.0/8",expiry-time="20200101" %s\n' "$(cat rsa2k.pub)"
	cat dsa.pub
	cat ua.pub
	echo "ssh-ed25519 AAAA!!notbase64 garbage"
	printf '%s\r\n' "$(cat rootkey.pub)"
} >>"$R/home/$U/.ssh/authorized_keys"
cp ua "$R/home/$U/.ssh/id_ed25519"
cp enc "$R/home/$U/.ssh/id_enc"
chown "$U:" "$R/home/$U/.ssh/"*
chmod 600 "$R/home/$U/.ssh/id_ed25519" "$R/home/$U/.ssh/id_enc"
# V: locked (passwd -l), holds U's key too
testbed_authorize h1 "$V" ua.pub
passwd -l "$V" >/dev/null || fail "passwd -l"
# W: authorized_keys a FIFO, authorized_keys2 a link to /etc/shadow
testbed_home h1 "$W" >/dev/null
mkdir -m 700 "$R/home/$W/.ssh"
mkfifo "$R/home/$W/.ssh/authorized_keys"
ln -s /etc/shadow "$R/home/$W/.ssh/authorized_keys2"
chown -h "$W:" "$R/home/$W/.ssh" "$R/home/$W/.ssh/authorized_keys" "$R/home/$W/.ssh/authorized_keys2"
testbed_home h1 "$S" >/dev/null
PORT=$(testbed_port h1)

# a real key login of U, so that sshd logs it; a forged line in RFC 3164 form dates V's use
ssh -F /dev/null -i ua -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile="$KH" \
	-o StrictHostKeyChecking=accept-new -p "$PORT" "$U@127.0.0.1" true || fail "U's key login"
grep -q "Accepted publickey for $U .*$FP_UA" "$R/log" || fail "sshd did not log U's login"
# V is locked, yet (UsePAM yes, Debian's sshd) its key logs in: what scan must say
ssh -F /dev/null -i ua -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile="$KH" \
	-p "$PORT" "$V@127.0.0.1" true || fail "the locked account's key does not log in"
echo "Nov 28 10:11:12 h1 sshd[4242]: Accepted publickey for $V from 192.0.2.7 port 50000 ssh2: ED25519 $FP_UA" >>"$R/log"
# a forged line: a user name that carries V's name, an address and a key: not V's login
echo "Nov 28 10:11:13 h1 sshd[4243]: Accepted publickey for $V from 203.0.113.9 port 1 ssh2: ED25519 $FP_UA from 192.0.2.8 port 50001 ssh2: ED25519 $FP_UA" >>"$R/log"

snapshot() { # every file of the host but the log, with owner, mode and content
	(cd "$R" && find etc home -xdev \( -type f -o -type l -o -type p -o -type d \) -printf '%p %U %m %y\n' | sort &&
		find etc home -xdev -type f -exec sha256sum {} + | sort)
}
snapshot >before.txt

# --- root's view: every account ---
"$K" scan -i rootkey "${COMMON[@]}" "root@127.0.0.1:$PORT" >out.txt 2>err.txt
st=$?
[ "$st" = 5 ] || fail "root scan: status $st (want 5: findings): $(cat out.txt err.txt)"
pass
snapshot >after.txt
same after.txt before.txt "root scan changed the server"
grep -q "FINDINGS" out.txt || fail "no FINDINGS headline: $(cat out.txt)"
grep -q "every account, as root" out.txt || fail "not root's view: $(head -3 out.txt)"
grep -q "/etc/ssh/root_keys:1 .*root-admin" out.txt || fail "root's Match AuthorizedKeysFile not read: $(cat out.txt)"
grep -q "root key without from=" out.txt || fail "no root-without-from finding"
grep -q "DSA key" out.txt || fail "no DSA finding"
grep -q "RSA under 3072 bits" out.txt || fail "no RSA 3072 finding"
grep -q "expiry-time passed" out.txt || fail "no expired finding"
grep -q "listed twice in the file" out.txt || fail "no duplicate finding"
grep -q "the same key in several accounts" out.txt || fail "no shared finding"
grep -q "the account is locked (passwd -l), yet its keys log in" out.txt || fail "no locked finding"
grep -q "authorized_keys:5: " out.txt || fail "the invalid line not named by file:line: $(cat out.txt)"
grep -q "private key /home/$U/.ssh/id_ed25519 ($U, openssh not encrypted)" out.txt ||
	fail "unencrypted private key not reported: $(grep private out.txt)"
grep -q "private key /home/$U/.ssh/id_enc ($U, openssh encrypted)" out.txt ||
	fail "encrypted private key not reported: $(grep private out.txt)"
grep -q "/home/$W/.ssh/authorized_keys is not a regular file" out.txt || fail "FIFO not reported"
grep -q "/home/$W/.ssh/authorized_keys2 cannot be read by $W" out.txt ||
	fail "link to /etc/shadow not reported as unreadable by $W: $(grep "$W" out.txt)"
grep -q "root:" out.txt && fail "a line of /etc/shadow reached the output"
pass

# JSON: one object per key and place, the shared and last-used facts exact
"$K" scan -i rootkey "${COMMON[@]}" --json "root@127.0.0.1:$PORT" >out.json 2>err.txt
[ $? = 5 ] || fail "json status"
python3 - "$U" "$V" "$FP_UA" "$FP_RSA" "$FP_DSA" <<'PY' || fail "JSON: $(cat out.json | head -30)"
import json, sys
u, v, fp_ua, fp_rsa, fp_dsa = sys.argv[1:]
recs = [json.loads(l) for l in open("out.json")]
keys = [r for r in recs if r.get("record") == "key"]
assert recs[-1]["summary"]["findings"] == 1, recs[-1]
ua = [k for k in keys if k["account"] == u and k["fingerprint"] == fp_ua]
assert [k["line"] for k in ua] == [1, 4], ua
assert "duplicate" in ua[1]["findings"] and "shared" in ua[0]["findings"], ua
assert ua[0]["uses"] >= 1 and ua[0]["last_from"] == "127.0.0.1", ua[0]
va = [k for k in keys if k["account"] == v][0]
assert va["last_used"].endswith("-11-28T10:11:12Z"), va
assert va["last_from"] == "192.0.2.7" and va["uses"] == 2, va
assert "locked-account-keys-work" in va["findings"], va
rsa = [k for k in keys if k["fingerprint"] == fp_rsa][0]
assert rsa["bits"] == 2048 and set(rsa["findings"]) >= {"rsa-under-3072", "expired"}, rsa
assert rsa["options"] == 'from="10.0.0.0/8",expiry-time="20200101"', rsa
dsa = [k for k in keys if k["fingerprint"] == fp_dsa][0]
assert dsa["type"] == "ssh-dss" and "dsa" in dsa["findings"], dsa
root = [k for k in keys if k["account"] == "root" and k["file"] == "/etc/ssh/root_keys"]
assert root and "root-without-from" in root[0]["findings"], root
priv = {r["path"].rsplit("/", 1)[1]: r for r in recs if r.get("record") == "private_key" and r["account"] == u}
assert priv["id_ed25519"]["encrypted"] is False and priv["id_enc"]["encrypted"] is True, priv
host = [r for r in recs if r.get("record") == "host"][0]
assert host["status"] == "findings" and host["all_accounts"] is True, host
PY
pass

# CSV: the same rows; a comment that would be a spreadsheet formula is defused
"$K" scan -i rootkey "${COMMON[@]}" --csv "root@127.0.0.1:$PORT" >out.csv 2>err.txt
[ $? = 5 ] || fail "csv status"
python3 - "$FP_RSA" <<'PY' || fail "CSV: $(cat out.csv | head)"
import csv, sys, json
rows = list(csv.DictReader(open("out.csv")))
keys = [json.loads(l) for l in open("out.json") if '"record":"key"' in l]
assert len(rows) == len(keys), (len(rows), len(keys))
rsa = [r for r in rows if r["fingerprint"] == sys.argv[1]][0]
assert rsa["comment"].startswith("'="), rsa
PY
pass

# --expect: the keys each account should have; the others unexpected, absent ones missing
"$K" keygen -q -f wanted --no-passphrase -C "wanted@laptop" || fail "keygen"
{
	echo "# the fleet's keys"
	echo "[nomatch*]"
	echo "$V: $(cat ua.pub)"
	echo "[127.0.0.1 other]"
	echo "root: $(cat rootkey.pub)"
	echo "$U: $(cat ua.pub)"
	echo "$U: $(cat wanted.pub)"
} >expect.txt
"$K" scan -i rootkey "${COMMON[@]}" --json --expect expect.txt "root@127.0.0.1:$PORT" >exp.json 2>err.txt
[ $? = 5 ] || fail "--expect status: $(cat err.txt)"
python3 - "$U" "$V" "$FP_UA" <<'PY' || fail "--expect: $(grep -v '"record":"key"' exp.json | head)"
import json, sys
u, v, fp_ua = sys.argv[1:]
recs = [json.loads(l) for l in open("exp.json")]
keys = [r for r in recs if r.get("record") == "key"]
for k in keys:
    expected = (k["account"] == u and k["fingerprint"] == fp_ua) or (k["account"] == "root" and k["file"] == "/etc/ssh/root_keys")
    assert ("unexpected" in k["findings"]) != expected, k
notes = [r["text"] for r in recs if r.get("record") == "note" and r["account"] == u]
assert any(n.startswith("missing: the expected key ED25519 ") and "wanted@laptop (--expect line 7)" in n for n in notes), notes
PY
printf '[*]\nroot ssh-ed25519 AAAA\n' >bad-expect.txt
"$K" scan -i rootkey "${COMMON[@]}" --expect bad-expect.txt "root@127.0.0.1:$PORT" >out.txt 2>&1
[ $? = 1 ] || fail "a bad --expect file: $(cat out.txt)"
grep -q "bad-expect.txt:2: expected" out.txt || fail "bad --expect: $(cat out.txt)"
pass

# --- the login account's own view ---
"$K" scan -i ua "${COMMON[@]}" "$U@127.0.0.1:$PORT" >out.txt 2>&1
[ $? = 5 ] || fail "own scan: $(cat out.txt)"
grep -q "the login account's files" out.txt || fail "own scan not the account's view: $(cat out.txt)"
grep -q "$V" out.txt && fail "own scan shows another account"
grep -q "/home/$U/.ssh/authorized_keys:1 " out.txt || fail "own scan: $(cat out.txt)"
pass

# --- through sudo: every account, sudo's password asked once (the password file) ---
"$K" scan --all-accounts "${COMMON[@]}" --json "$S@127.0.0.1:$PORT" >sudo.json 2>err.txt
[ $? = 5 ] || fail "sudo scan: $(cat sudo.json err.txt)"
python3 - "$U" "$W" "$S" <<'PY' || fail "sudo scan JSON: $(head -5 sudo.json)"
import json, sys
recs = [json.loads(l) for l in open("sudo.json")]
accounts = {r["account"] for r in recs if r.get("record") == "key"}
assert sys.argv[1] in accounts and "root" in accounts, accounts
assert [r for r in recs if r.get("record") == "host"][0]["all_accounts"] is True
# each account's own AuthorizedKeysFile, as its Match block says (the others share one)
s_keys = [r["file"] for r in recs if r.get("record") == "key" and r["account"] == sys.argv[3]]
assert s_keys == ["/etc/ssh/s_keys"], s_keys
u_files = {r["file"] for r in recs if r.get("record") == "key" and r["account"] == sys.argv[1]}
assert u_files == {"/home/%s/.ssh/authorized_keys" % sys.argv[1]}, u_files
PY
snapshot >after.txt
same after.txt before.txt "sudo scan changed the server"

# --- history: --db records each scan (0600, the sqlite3 shell reads it); --diff shows drift ---
"$K" scan -i rootkey "${COMMON[@]}" --db inv.db "root@127.0.0.1:$PORT" >/dev/null 2>&1
[ "$(stat -c %a inv.db)" = 600 ] || fail "inventory mode $(stat -c %a inv.db)"
[ "$(sqlite3 inv.db 'select count(*) from scans')" = 1 ] || fail "one scan not recorded"
[ "$(sqlite3 inv.db "select count(*) from keys where target = 'root@127.0.0.1:$PORT'")" = 8 ] ||
	fail "keys recorded: $(sqlite3 inv.db 'select account, fingerprint from keys')"
[ "$(sqlite3 inv.db "select findings from keys where fingerprint = '$FP_DSA'")" = dsa ] ||
	fail "findings recorded: $(sqlite3 inv.db 'select findings from keys')"
[ "$(sqlite3 inv.db 'pragma user_version')" = 1 ] || fail "schema version"
pass
# drift: a key added for U, V's key gone, U's RSA key's options changed
"$K" keygen -q -f newkey --no-passphrase -C "new@laptop" || fail "keygen"
FP_NEW=$(ssh-keygen -lf newkey.pub | awk '{print $2}')
cat newkey.pub >>"$R/home/$U/.ssh/authorized_keys"
: >"$R/home/$V/.ssh/authorized_keys"
sed -i 's/from="10.0.0.0\/8",//' "$R/home/$U/.ssh/authorized_keys"
"$K" scan -i rootkey "${COMMON[@]}" --db inv.db --diff "root@127.0.0.1:$PORT" >out.txt 2>&1
[ $? = 5 ] || fail "diff status: $(cat out.txt)"
grep -q ": + $U $FP_NEW ssh-ed25519 new@laptop (/home/$U/.ssh/authorized_keys:7)" out.txt ||
	fail "added key not shown: $(cat out.txt)"
grep -q ": - $V $FP_UA " out.txt || fail "removed key not shown: $(cat out.txt)"
grep -q ": ~ $U $FP_RSA " out.txt || fail "changed options not shown: $(cat out.txt)"
grep -q "now: expiry-time=\"20200101\" " out.txt || fail "changed options: $(cat out.txt)"
grep -q "3 changes since " out.txt || fail "change count: $(cat out.txt)"
grep -q "ACCOUNT" out.txt && fail "--diff printed the whole table"
# the same again: no change; JSON says so
"$K" scan -i rootkey "${COMMON[@]}" --db inv.db --diff --json "root@127.0.0.1:$PORT" >out.json 2>&1
grep -q '"record":"drift".*"changes":0' out.json || fail "no-change drift: $(grep drift out.json)"
[ "$(sqlite3 inv.db 'select count(*) from scans')" = 3 ] || fail "scans recorded"
# the default inventory, first scan there
XDG_STATE_HOME=$WORK/state "$K" scan -i rootkey "${COMMON[@]}" --diff "root@127.0.0.1:$PORT" >out.txt 2>&1
grep -q "first scan recorded" out.txt || fail "default inventory: $(cat out.txt)"
[ -f "$WORK/state/sshkeyctl/inventory.db" ] || fail "default inventory not in XDG_STATE_HOME"
pass

# --- bad input: a million garbage lines, a 10 MB line, NUL bytes, CRLF; the key after them
# all found at its line, the garbage reported once with a count, nothing changed ---
testbed_host_up h2 "Match User root
	AuthorizedKeysFile /etc/ssh/root_keys" || fail "host h2"
cp rootkey.pub "$(testbed_root h2)/etc/ssh/root_keys"
testbed_home h2 "$U" >/dev/null
B=$(testbed_root h2)/home/$U/.ssh
mkdir -m 700 "$B"
{
	yes "garbage line" | head -n 1000000
	head -c 10485760 /dev/zero | tr '\0' 'A'
	printf '\nssh-ed25519 AAAA\0NUL\n'
	printf '%s\r\n' "$(cat ua.pub)"
} >"$B/authorized_keys"
chown -R "$U:" "$B"
sha256sum "$B/authorized_keys" >bad.sum
"$K" scan -i rootkey "${COMMON[@]}" --json "root@127.0.0.1:$(testbed_port h2)" >bad.json 2>err.txt
[ $? = 5 ] || fail "bad input scan: $(tail -3 bad.json) $(cat err.txt)"
sha256sum -c --quiet bad.sum || fail "bad input scan changed the file"
python3 - "$U" "$FP_UA" <<'PY' || fail "bad input: $(grep -v '"record":"key"' bad.json | head -30)"
import json, sys
u, fp = sys.argv[1:]
recs = [json.loads(l) for l in open("bad.json")]
keys = [r for r in recs if r.get("record") == "key" and r["account"] == u]
assert [(k["fingerprint"], k["line"]) for k in keys] == [(fp, 1000003)], keys
notes = [r["text"] for r in recs if r.get("record") == "note" and r["account"] == u]
assert len(notes) == 21, notes
assert any(":1000001: " in n for n in notes) is False  # only the first 20 named
assert notes[-1].endswith("more lines sshd cannot read (1000002 in all)"), notes[-1]
PY
pass

# --- AuthorizedKeysCommand: named; with --run-keys-command run as sshd runs it (as its
# user, %u expanded), its keys listed; one that needs the offered key (%k) is not run ---
testbed_host_up h3 "Match User root
	AuthorizedKeysFile /etc/ssh/root_keys" || fail "host h3"
R3=$(testbed_root h3)
cp rootkey.pub "$R3/etc/ssh/root_keys"
cat >"$R3/etc/ssh/akc" <<EOF
#!/bin/sh
[ "\$1" = "$U" ] && [ "\$(id -un)" = nobody ] && echo "$(cat wanted.pub)"
exit 0
EOF
chmod 755 "$R3/etc/ssh/akc"
printf 'AuthorizedKeysCommand /etc/ssh/akc %%u\nAuthorizedKeysCommandUser nobody\n' >"$R3/etc/ssh/sshd_config.d/akc.conf"
testbed_reload h3
sleep 0.5
testbed_home h3 "$U" >/dev/null
"$K" scan -i rootkey "${COMMON[@]}" --json "root@127.0.0.1:$(testbed_port h3)" >akc.json 2>&1
grep -q "keys also come from AuthorizedKeysCommand /etc/ssh/akc %u as nobody (not run" akc.json ||
	fail "command not named: $(grep note akc.json | head -3)"
"$K" scan -i rootkey "${COMMON[@]}" --json --run-keys-command "root@127.0.0.1:$(testbed_port h3)" >akc.json 2>&1
python3 - "$U" <<'PY' || fail "--run-keys-command: $(grep -v '"record":"key"' akc.json | head -5)"
import json, sys
recs = [json.loads(l) for l in open("akc.json")]
keys = [r for r in recs if r.get("record") == "key" and r["account"] == sys.argv[1]]
assert [(k["file"], k["line"], k["comment"]) for k in keys] == [("AuthorizedKeysCommand /etc/ssh/akc %u", 1, "wanted@laptop")], keys
PY
printf 'AuthorizedKeysCommand /etc/ssh/akc %%u %%k\nAuthorizedKeysCommandUser nobody\n' >"$R3/etc/ssh/sshd_config.d/akc.conf"
testbed_reload h3
sleep 0.5
"$K" scan -i rootkey "${COMMON[@]}" --json --run-keys-command "root@127.0.0.1:$(testbed_port h3)" >akc.json 2>&1
grep -q 'not run: it needs what sshd knows only at a login (%k)' akc.json || fail "%k command: $(grep note akc.json | head -3)"
pass

# --- a key the server refuses, signed at once: the refusal costs one attempt, then the
# password logs in (one "Failed publickey", one "Accepted password") ---
"$K" keygen -q -f stranger --no-passphrase -C stranger || fail "keygen stranger"
before=$(grep -c "" "$R/log")
"$K" scan -i stranger "${COMMON[@]}" "$U@127.0.0.1:$PORT" >out.txt 2>&1 || [ $? = 5 ] ||
	fail "scan after a refused key: $(cat out.txt)"
grep -q "alice@laptop" out.txt || fail "scan after a refused key: $(cat out.txt)"
tail -n +"$((before + 1))" "$R/log" >log.txt
grep -q "Accepted password for $U" log.txt || fail "no password login: $(cat log.txt)"
[ "$(grep -c "Failed publickey for $U" log.txt)" = 1 ] || fail "refused key attempts: $(cat log.txt)"
pass

# --- a host that is down, beside one that is up: 3 ---
"$K" scan -i rootkey "${COMMON[@]}" --connect-timeout 2 "root@127.0.0.1:$PORT" "root@127.0.0.1:1" >out.txt 2>&1
[ $? = 3 ] || fail "one host down: $(cat out.txt)"
grep -q "127.0.0.1:1: UNREACHABLE" out.txt || fail "down host: $(cat out.txt)"
pass
done_checks
