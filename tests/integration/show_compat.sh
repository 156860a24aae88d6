#!/bin/bash
# show -l, -lv, -E md5 and -y print what ssh-keygen prints, byte for byte: for the OpenSSH
# test vectors and for many keys of every type made by both ssh-keygen and sshkeyctl.
. "$(dirname "$0")/lib.sh"
need_cmd ssh-keygen
N=${SHOW_COMPAT_KEYS:-200}
V=$TEST_DATA/openssh/sshkey

compare() { # compare FILE ARGS... : stdout of show ARGS FILE vs ssh-keygen ARGS -f FILE
	local f=$1
	shift
	"$K" show "$@" "$f" >ours.txt 2>ours.err || fail "show $* $f: $(cat ours.err)"
	ssh-keygen "$@" -f "$f" >theirs.txt 2>/dev/null
	same ours.txt theirs.txt "show $* $f"
}

# every public key and certificate in OpenSSH's vectors
for f in "$V"/*.pub; do
	case $f in *param* | *mldsa*) continue ;; esac
	compare "$f" -l
	compare "$f" -lv
	compare "$f" -l -E md5
	compare "$f" -lv -E md5
	"$K" show "$f" >ours.txt && same ours.txt "$f" "show $f prints the key line"
done

# known_hosts with marker lines (OpenSSH's own vector): exactly ssh-keygen's listing, which
# skips @revoked and @cert-authority keys and reads an unknown "@word" as a host name; the
# file's invalid lines are reported on stderr, and make the status 1
KH=$TEST_DATA/openssh/hostkeys/known_hosts
for opts in "-l" "-lv" "-l -E md5" "-lv -E md5"; do
	# shellcheck disable=SC2086
	"$K" show $opts "$KH" >ours.txt 2>err.txt
	[ $? = 1 ] || fail "invalid known_hosts lines must make the status 1"
	# shellcheck disable=SC2086
	ssh-keygen $opts -f "$KH" >theirs.txt 2>/dev/null
	same ours.txt theirs.txt "known_hosts listing ($opts)"
done
[ "$(wc -l <err.txt)" = 5 ] || fail "expected 5 bad lines (38 to 42): $(cat err.txt)"
grep -q "known_hosts:37" err.txt && fail "line 37 (an unknown @word, a host name) reported"

# DSA: still listed as ssh-keygen lists it, with a warning that it is legacy
ssh-keygen -q -t dsa -N '' -C "old dsa" -f dsa 2>/dev/null || skip_dsa=1
if [ -z "${skip_dsa:-}" ]; then
	compare dsa.pub -lv
	compare dsa -l
	"$K" show -l dsa.pub 2>&1 >/dev/null | grep -q "legacy DSA key" || fail "no legacy warning for DSA"
	pass
fi

# many keys of each type, from both generators
mkdir gen
i=0
while [ $i -lt "$N" ]; do
	for spec in ed25519: ecdsa:256 ecdsa:384 ecdsa:521; do
		t=${spec%%:*} b=${spec#*:}
		ssh-keygen -q -t "$t" ${b:+-b $b} -N '' -C "theirs $i" -f "gen/s_${t}${b}_$i"
		"$K" keygen -q -t "$t" ${b:+-b $b} --no-passphrase -C "ours $i" -f "gen/k_${t}${b}_$i"
	done
	i=$((i + 1))
done
# RSA is slow to generate: 2048-bit keys and fewer large ones keep the run short
i=0
while [ $i -lt "$N" ]; do
	b=2048
	[ $((i % 20)) = 0 ] && b=3072
	[ $((i % 50)) = 0 ] && b=4096
	ssh-keygen -q -t rsa -b $b -N '' -C "theirs rsa $i" -f "gen/s_rsa_$i" &
	"$K" keygen -q -t rsa -b $b --no-passphrase -C "ours rsa $i" -f "gen/k_rsa_$i"
	wait
	i=$((i + 1))
done
for f in gen/*.pub; do
	"$K" show -lv "$f" >>ours_lv.txt
	ssh-keygen -lv -f "$f" >>theirs_lv.txt
	"$K" show -l -E md5 "$f" >>ours_md5.txt
	ssh-keygen -l -E md5 -f "$f" >>theirs_md5.txt
	"$K" show -l "${f%.pub}" >>ours_priv.txt
	ssh-keygen -l -f "${f%.pub}" >>theirs_priv.txt
	"$K" show -y "${f%.pub}" >>ours_y.txt
	ssh-keygen -y -f "${f%.pub}" >>theirs_y.txt
done
same ours_lv.txt theirs_lv.txt "show -lv for $(ls gen/*.pub | wc -l) keys"
same ours_md5.txt theirs_md5.txt "show -l -E md5 for all keys"
same ours_priv.txt theirs_priv.txt "show -l of private keys"
same ours_y.txt theirs_y.txt "show -y of private keys"
[ "$(wc -l <ours_md5.txt)" = $((N * 10)) ] || fail "not every key was listed"
pass

# a whole authorized_keys of them at once, with options
for f in gen/*.pub; do printf 'restrict,from="10.0.0.0/8" %s' "$(cat "$f")"; echo; done >authorized_keys
"$K" show -l authorized_keys | awk '{print $1, $2, $NF}' >ours.txt
for f in gen/*.pub; do ssh-keygen -l -f "$f"; done | awk '{print $1, $2, $NF}' >theirs.txt
same ours.txt theirs.txt "authorized_keys with options"
done_checks
