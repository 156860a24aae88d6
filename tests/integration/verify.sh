#!/bin/bash
# verify against real sshd hosts, each configured as real servers are: every verdict is
# checked against what a real login attempt with OpenSSH shows.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../testbed/testbed.sh"
need_cmd ssh
need_cmd sshpass
testbed_init "$WORK/tb"
cleanup_hooks+=("testbed_cleanup")
unset SSH_AUTH_SOCK

V=sktest-v$$
V2=sktest-w$$
PW="pw of $V"
testbed_add_user "$V" "$PW" || fail "useradd"
testbed_add_user "$V2" "$PW" || fail "useradd"
echo "$PW" >pw
"$K" keygen -q -f id --no-passphrase -C verify || fail "keygen"
KH=$WORK/known_hosts
COMMON=(-i id --accept-new -o "UserKnownHostsFile=$KH")

# host NAME [DROP-IN LINES] [EXTRA sshd_config LINES]: a host with our key installed
host() {
	mkdir -p "$TB_ROOT/$1/etc/ssh/sshd_config.d"
	[ -n "${2:-}" ] && printf '%s\n' "$2" >"$TB_ROOT/$1/etc/ssh/sshd_config.d/50-cloud-init.conf"
	testbed_host_up "$1" "${3:-}" || fail "host $1"
	local u
	for u in "$V" "$V2"; do testbed_authorize "$1" "$u" id.pub; done
}
target() { echo "${2:-$V}@127.0.0.1:$(testbed_port "$1")"; }
# a real password login with OpenSSH: password, or keyboard-interactive
password_login() { # HOST METHOD [USER]
	sshpass -f pw ssh -F /dev/null -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no \
		-o PreferredAuthentications="$2" -o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1 \
		-p "$(testbed_port "$1")" "${3:-$V}@127.0.0.1" true 2>/dev/null
}
verdict() { # HOST [verify options]: the verdict word of one host
	local h=$1
	shift
	"$K" verify "${COMMON[@]}" "$@" "$(target "$h")" >out.txt 2>&1
	echo $? >status
	sed -n '1s/^[^ ]*: \([A-Z]*\):.*/\1/p' out.txt
}

# 1. passwords on in sshd_config (Debian's default): WARN, and a password really logs in
host pwon
[ "$(verdict pwon)" = WARN ] || fail "pwon: $(cat out.txt)"
[ "$(cat status)" = 5 ] || fail "pwon: exit status $(cat status)"
grep -q "password login is still offered to $V (password)" out.txt || fail "pwon: $(cat out.txt)"
password_login pwon password || fail "pwon: a password login should work"
# the fewest requests: none, the key probe, the signature
grep -q "(3 authentication requests, 0 refused)" out.txt || fail "pwon: requests: $(cat out.txt)"
grep -q "SSH-2.0-OpenSSH" out.txt || fail "pwon: no banner: $(cat out.txt)"
pass

# 2. off in the main file, on again through a cloud-init drop-in (first value wins)
host cloud "PasswordAuthentication yes" "PasswordAuthentication no"
[ "$(verdict cloud)" = WARN ] || fail "cloud-init: $(cat out.txt)"
password_login cloud password || fail "cloud-init: a password login should work"
pass

# 3. off everywhere: OK, and a password login really fails
host off "PasswordAuthentication no"
[ "$(verdict off)" = OK ] || fail "off: $(cat out.txt)"
[ "$(cat status)" = 0 ] || fail "off: exit status $(cat status)"
grep -q "note:" out.txt && fail "off: a note where all is well: $(cat out.txt)"
password_login off password && fail "off: a password login must fail"
password_login off keyboard-interactive && fail "off: a kbd-interactive login must fail"
pass

# 4. PasswordAuthentication no, but keyboard-interactive through PAM: a password still logs
#    in, and verify says so
host kbd "PasswordAuthentication no
KbdInteractiveAuthentication yes"
[ "$(verdict kbd)" = WARN ] || fail "kbd: $(cat out.txt)"
grep -q "keyboard-interactive" out.txt || fail "kbd: $(cat out.txt)"
password_login kbd keyboard-interactive || fail "kbd: the PAM password login should work"
password_login kbd password && fail "kbd: plain password auth should be off"
pass

# 5. on only inside a Match User block: not seen for the login user, found with --users
host match "PasswordAuthentication no" "Match User $V2
	PasswordAuthentication yes"
[ "$(verdict match)" = OK ] || fail "match: $(cat out.txt)"
[ "$(verdict match --users "$V2,root")" = WARN ] || fail "match --users: $(cat out.txt)"
grep -q "offered to $V2 (password)" out.txt || fail "match --users: $(cat out.txt)"
password_login match password "$V2" || fail "match: $V2's password login should work"
password_login match password && fail "match: $V's password login must fail"
pass

# 6. the key not installed: FAIL, pointing to doctor; one refusal, no signature
host nokey "PasswordAuthentication no"
rm "$TB_ROOT/nokey/home/$V/.ssh/authorized_keys"
[ "$(verdict nokey)" = FAIL ] || fail "nokey: $(cat out.txt)"
[ "$(cat status)" = 1 ] || fail "nokey: exit status $(cat status)"
grep -q "sshkeyctl doctor" out.txt || fail "nokey: no next step: $(cat out.txt)"
grep -q "(2 authentication requests, 1 refused)" out.txt || fail "nokey: requests: $(cat out.txt)"
pass

# 7. the server down: UNREACHABLE
host down
port_down=$(testbed_port down)
testbed_host_down down
[ "$(verdict down)" = UNREACHABLE ] || fail "down: $(cat out.txt)"
pass

# 8. a changed host key: UNREACHABLE, with OpenSSH's warning; nothing else is tried
host changed
sed -i "/\[127.0.0.1\]:$(testbed_port changed) /d" "$KH" 2>/dev/null
ssh-keygen -q -t ed25519 -N '' -f other_host_key
echo "[127.0.0.1]:$(testbed_port changed) $(cut -d' ' -f1,2 other_host_key.pub)" >>"$KH"
[ "$(verdict changed)" = UNREACHABLE ] || fail "changed: $(cat out.txt)"
grep -q "IDENTIFICATION HAS CHANGED" out.txt || fail "changed: $(cat out.txt)"
grep -q "Accepted publickey\|Failed publickey\|Postponed publickey" "$TB_ROOT/changed/log" &&
	fail "changed: a key was offered to a server with a changed host key"
pass

# 9. a fleet: lines in input order, exit status 3, JSON Lines that agree
targets=("$(target off)" "$(target nokey)" "$(target pwon)" "127.0.0.1:$port_down")
"$K" verify "${COMMON[@]}" -l "$V" "${targets[@]}" >out.txt
[ $? = 3 ] || fail "fleet: exit status"
[ "$(sed -n 's/^[^ ]*: \([A-Z]*\):.*/\1/p' out.txt | tr '\n' ' ')" = "OK FAIL WARN UNREACHABLE " ] ||
	fail "fleet order: $(cat out.txt)"
grep -q "^4 hosts: 1 OK, 1 WARN, 1 FAIL, 1 UNREACHABLE" out.txt || fail "fleet summary: $(tail -2 out.txt)"
# then the hosts that did not end OK, in the order given
tail -1 out.txt | grep -q "^not OK: ${targets[1]}, ${targets[2]}, ${targets[3]}$" ||
	fail "not OK line: $(tail -1 out.txt)"
"$K" verify "${COMMON[@]}" -l "$V" --json "${targets[@]}" >out.json
key_fp=$(ssh-keygen -l -f id.pub | cut -d' ' -f2)
host_fp=$(ssh-keygen -l -f "$TB_ROOT/off/hostkey.pub" | cut -d' ' -f2)
python3 - out.json "$key_fp" "$host_fp" "$(testbed_port off)" "$V" <<'PY' || fail "json: $(cat out.json)"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
key_fp, host_fp, port, user = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
# what every fleet command's host object carries (sshkeyctl(1), JSON output)
for l in lines[:4]:
    for field in ("target", "host", "port", "user", "status", "error", "key_sha256",
                  "host_key_sha256", "duration_ms"):
        assert field in l, (field, l)
    assert l["status"] == l["verdict"] and l["key_sha256"] == key_fp, l
    assert isinstance(l["duration_ms"], int) and l["duration_ms"] >= 0, l
first = lines[0]
assert (first["host"], first["port"], first["user"]) == ("127.0.0.1", port, user), first
assert first["host_key_sha256"] == host_fp and first["error"] == "ok", first
assert lines[3]["host_key_sha256"] is None and lines[3]["error"] == "connect", lines[3]
assert [l["verdict"] for l in lines[:4]] == ["ok", "fail", "warn", "unreachable"], lines
assert lines[0]["key_login"] is True and lines[0]["password_login"] is False
assert lines[2]["password_users"] and lines[2]["methods"] == ["publickey", "password"], lines[2]
assert lines[1]["refusals"] == 1 and "reason" in lines[1]
assert lines[4]["summary"] == {"hosts": 4, "ok": 1, "warn": 1, "fail": 1, "unreachable": 1}
PY
pass

# no password options: verify never uses one
expect_status 2 "verify --password-file" -- "$K" verify --password-file pw "$(target off)"

done_checks
