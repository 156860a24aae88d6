#!/bin/bash
# copy --exclusive against a real sshd: the listed keys (options as listed) and -i's become
# exactly the account's keys; every other key goes from every file sshd reads
# (authorized_keys2 too), lines sshkeyctl cannot read as keys go (counted), comments stay;
# -i's key keeps its own line; the login key is never removed unless listed; --dry-run
# changes nothing; proven: kept keys accepted, removed keys refused (and a real ssh login
# with a removed key fails).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../testbed/testbed.sh"
testbed_suite

U=sktest-ex$$
testbed_add_user "$U" "pw of exclusive" || fail "useradd $U"
KH=$WORK/known_hosts
COMMON=(-o "UserKnownHostsFile=$KH")
for k in id two three four five; do
	"$K" keygen -q -f $k --no-passphrase -C "$k@laptop" || fail "keygen $k"
done
testbed_host_up h1 || fail "host"
testbed_known_hosts_line h1 >>"$KH"
T="$U@127.0.0.1:$(testbed_port h1)"
AK=$(testbed_root h1)/home/$U/.ssh/authorized_keys
{
	echo "# managed by hand"
	printf 'no-pty %s\n' "$(cat id.pub)"
	cat two.pub
	printf '%s\r\n' "$(cat three.pub)"
	echo "ssh-unknown AAAAB3NzaC1yc2E= not a key sshkeyctl reads"
} >ak
testbed_authorize h1 "$U" ak
cat four.pub >"$AK"2
chown "$U:" "$AK"2
login() {
	ssh -F /dev/null -i "$1" -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile="$KH" \
		-o StrictHostKeyChecking=yes -p "$(testbed_port h1)" "$U@127.0.0.1" true </dev/null 2>/dev/null
}
for k in id two three four; do login $k || fail "$k does not log in before"; done
# the list: two with new options, five restricted
{
	printf 'from="127.0.0.1" %s\n' "$(cut -d' ' -f1,2 two.pub) two@list"
	printf 'restrict %s\n' "$(cat five.pub)"
} >team.keys

# the login key not listed (nor -i's): ssh-agent's key logs in; refused, nothing changed
cp "$AK" ak.before
cp "$AK"2 ak2.before
eval "$(ssh-agent -s)" >/dev/null
cleanup_hooks+=("kill $SSH_AGENT_PID")
ssh-add -q id 2>/dev/null || fail "ssh-add"
expect_status 1 "the login key not listed" -- "$K" copy -i five.pub "${COMMON[@]}" \
	--exclusive five.pub "$T" >out.txt 2>&1
kill "$SSH_AGENT_PID"
unset SSH_AUTH_SOCK SSH_AGENT_PID
grep -q "refusing: the key this run logged in with (SHA256:.*) is not in the list.*nothing changed" out.txt ||
	fail "login key: $(cat out.txt)"
same "$AK" ak.before "the refusal changed authorized_keys"
same "$AK"2 ak2.before "the refusal changed authorized_keys2"

# --dry-run: the diff, nothing changed
"$K" copy --dry-run -i id "${COMMON[@]}" --exclusive team.keys "$T" >out.txt 2>&1 ||
	fail "dry run: $(cat out.txt)"
grep -q "would change (exclusive: 2 keys removed, and lines sshkeyctl cannot read)" out.txt ||
	fail "dry run: $(cat out.txt)"
grep -q "^-ssh-unknown " out.txt || fail "dry run diff: $(cat out.txt)"
same "$AK" ak.before "dry run changed authorized_keys"

# the real run
"$K" copy -i id "${COMMON[@]}" --exclusive team.keys "$T" >out.txt 2>&1 || fail "exclusive: $(cat out.txt)"
grep -q "installed and verified (exclusive: 2 keys removed, and lines sshkeyctl cannot read)" out.txt ||
	fail "exclusive: $(cat out.txt)"
FP_FIVE=$(ssh-keygen -lf five.pub | awk '{print $2}')
FP_THREE=$(ssh-keygen -lf three.pub | awk '{print $2}')
FP_FOUR=$(ssh-keygen -lf four.pub | awk '{print $2}')
grep -q "proof: $U: $FP_THREE refused (publickey query)" out.txt || fail "proof: $(cat out.txt)"
grep -q "proof: $U: $FP_FOUR refused (publickey query)" out.txt || fail "proof: $(cat out.txt)"
grep -q "proof: $U: $FP_FIVE accepted (publickey query)" out.txt || fail "proof: $(cat out.txt)"
FP_TWO=$(ssh-keygen -lf two.pub | awk '{print $2}')
FP_ID=$(ssh-keygen -lf id.pub | awk '{print $2}')
grep -q "proof: $U: $FP_TWO not asked (from= or expiry-time limits" out.txt || fail "from= key: $(cat out.txt)"
grep -q "proof: $U: $FP_ID logs in (a new connection)" out.txt || fail "id's proof: $(cat out.txt)"
# a kept line as it was; a replaced one in its own line ending; one appended in the file's
# (CRLF: the file has a CRLF line)
{
	echo "# managed by hand"
	printf 'no-pty %s\n' "$(cat id.pub)"
	printf 'from="127.0.0.1" %s\n' "$(cut -d' ' -f1,2 two.pub) two@list"
	printf 'restrict %s\r\n' "$(cat five.pub)"
} >ak.want
same "$AK" ak.want "authorized_keys after --exclusive"
grep -c "ssh-" "$AK"2 | grep -qx 0 || fail "authorized_keys2 keeps a key: $(cat "$AK"2)"
login id || fail "id (kept) does not log in"
login two || fail "two (listed, from=127.0.0.1) does not log in"
login five || fail "five (listed) does not log in"
login three && fail "three (removed) still logs in"
login four && fail "four (removed from authorized_keys2) still logs in"
pass

# again: already exact
"$K" copy -i id "${COMMON[@]}" --exclusive team.keys "$T" >out.txt 2>&1 || fail "again: $(cat out.txt)"
grep -q "already present" out.txt || fail "again: $(cat out.txt)"
same "$AK" ak.want "a second run changed the file"

# a list with a line that is not a key: refused before any host, with file:line
printf '%s\nnot a key\n' "$(cat five.pub)" >bad.keys
expect_status 1 "a bad list" -- "$K" copy -i id "${COMMON[@]}" --exclusive bad.keys "$T" >out.txt 2>&1
grep -q "bad.keys:2: " out.txt || fail "bad list: $(cat out.txt)"
same "$AK" ak.want "a bad list changed the file"

done_checks
