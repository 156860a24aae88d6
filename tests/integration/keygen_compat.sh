#!/bin/bash
# keygen writes what ssh-keygen writes: keys that ssh-keygen reads back (with and without a
# passphrase) for every type and size, the same report, the same modes whatever the umask.
. "$(dirname "$0")/lib.sh"
need_cmd ssh-keygen

umask 000
for spec in "ed25519:" "rsa:2048" "rsa:3072" "rsa:4096" "ecdsa:256" "ecdsa:384" "ecdsa:521"; do
	t=${spec%%:*} b=${spec#*:}
	bits=()
	[ -n "$b" ] && bits=(-b "$b")
	for pw in "" "correct horse"; do
		f="k_${t}_${b}_${#pw}"
		if [ -n "$pw" ]; then
			printf '%s\n' "$pw" >pw.txt
			"$K" keygen -t "$t" "${bits[@]}" -f "$f" -C "c $t" --passphrase-file pw.txt >out.txt ||
				fail "keygen $spec with passphrase"
			ssh-keygen -y -P "$pw" -f "$f" >y.txt 2>err.txt || fail "ssh-keygen cannot open $f: $(cat err.txt)"
			# a wrong passphrase must not open it
			ssh-keygen -y -P "wrong" -f "$f" >/dev/null 2>&1 && fail "$f opens with a wrong passphrase"
			pass
		else
			"$K" keygen -t "$t" "${bits[@]}" -f "$f" -C "c $t" --no-passphrase >out.txt || fail "keygen $spec"
			ssh-keygen -y -f "$f" >y.txt 2>err.txt || fail "ssh-keygen cannot read $f: $(cat err.txt)"
		fi
		same y.txt "$f.pub" "ssh-keygen -y of $f gives its .pub"
		[ "$(mode_of "$f")" = 600 ] || fail "$f mode $(mode_of "$f") under umask 000"
		[ "$(mode_of "$f.pub")" = 644 ] || fail "$f.pub mode $(mode_of "$f.pub")"
		pass
		want_bits=${b:-256}
		[ "$(ssh-keygen -l -f "$f.pub" | cut -d' ' -f1)" = "$want_bits" ] || fail "$f is not $want_bits bits"
		pass
		# the report: same lines as ssh-keygen's, fingerprint and randomart of this key
		{
			echo "Generating public/private $t key pair."
			echo "Your identification has been saved in $f"
			echo "Your public key has been saved in $f.pub"
			echo "The key fingerprint is:"
			ssh-keygen -l -f "$f.pub" | awk '{print $2, $3, $4}'
			echo "The key's randomart image is:"
			ssh-keygen -lv -f "$f.pub" | tail -n +2
		} >want.txt
		same out.txt want.txt "keygen report for $spec"
	done
done

# RSA's prime search runs on every usable CPU and keeps the first key found (keys/keygen.c):
# the key is whole either way, from one search (pinned to one CPU) or from a race; OpenSSL
# checks it (p*q = n, d*e = 1 mod lcm(p-1, q-1), p and q prime)
for pin in "taskset -c 0" ""; do
	[ -n "$pin" ] && ! command -v taskset >/dev/null && continue
	rm -f race race.pub
	$pin "$K" keygen -q -t rsa -b 2048 -f race -N '' || fail "rsa keygen ($pin)"
	ssh-keygen -y -f race | cmp -s - race.pub || fail "rsa key from $pin: .pub is not its half"
	ssh-keygen -q -p -m PEM -N '' -P '' -f race >/dev/null || fail "rsa key from $pin: ssh-keygen -p"
	openssl pkey -in race -check -noout >check.txt 2>&1 || fail "rsa key from $pin: $(cat check.txt)"
	pass
done

# openssh-key-v1 details as ssh-keygen writes them: aes256-ctr + bcrypt, 24 rounds, -a
"$K" keygen -q -f rounds -N secret -a 7 || fail "keygen -a 7"
python3 - rounds <<'PY' || fail "header of an encrypted key"
import base64, struct, sys
t = open(sys.argv[1]).read().splitlines()
assert t[0] == "-----BEGIN OPENSSH PRIVATE KEY-----" and t[-1] == "-----END OPENSSH PRIVATE KEY-----"
assert all(len(l) <= 70 for l in t[1:-1]) and all(len(l) == 70 for l in t[1:-2])
b = base64.b64decode("".join(t[1:-1]))
assert b.startswith(b"openssh-key-v1\0")
o = 15
def s():
    global o
    n = struct.unpack(">I", b[o:o+4])[0]; v = b[o+4:o+4+n]; o += 4 + n; return v
assert s() == b"aes256-ctr" and s() == b"bcrypt"
k = s(); assert len(k) == 24 and struct.unpack(">I", k[:4])[0] == 16 and struct.unpack(">I", k[20:])[0] == 7
PY
pass
"$K" keygen -q -f default_rounds -N secret || fail "keygen default rounds"
python3 -c '
import base64,struct,sys
b=base64.b64decode("".join(open("default_rounds").read().splitlines()[1:-1]))
assert struct.unpack(">I", b[b.index(b"bcrypt")+6+4+4+16:][:4])[0] == 24' || fail "default rounds are not 24"
pass

# -q prints nothing
"$K" keygen -q -f quiet --no-passphrase >q.txt 2>&1 || fail "keygen -q"
[ -s q.txt ] && fail "keygen -q printed: $(cat q.txt)"
pass

# default comment user@hostname, -N '' unencrypted
"$K" keygen -q -f dc -N '' || fail "keygen -N ''"
[ "$(cut -d' ' -f3 dc.pub)" = "$(id -un)@$(hostname)" ] || fail "default comment: $(cat dc.pub)"
grep -q "^-----BEGIN OPENSSH PRIVATE KEY-----" dc || fail "format"
ssh-keygen -y -P '' -f dc >/dev/null || fail "unencrypted key needs a passphrase"
pass

# sizes refused with one line of reason, nothing written
expect_status 2 "rsa 1024 refused" -- "$K" keygen -t rsa -b 1024 -f small --no-passphrase 2>err.txt
[ "$(wc -l <err.txt)" = 1 ] && grep -q "at least 2048" err.txt || fail "rsa 1024 reason: $(cat err.txt)"
[ -e small ] && fail "a refused key was written"
expect_status 2 "rsa 16385 refused" -- "$K" keygen -t rsa -b 16385 -f big --no-passphrase 2>err.txt
grep -q "at most 16384" err.txt || fail "rsa 16385 reason"
expect_status 2 "ecdsa 512 refused" -- "$K" keygen -t ecdsa -b 512 -f e512 --no-passphrase 2>/dev/null
expect_status 2 "dsa refused" -- "$K" keygen -t dsa -f d --no-passphrase 2>/dev/null
# no terminal and no passphrase option: a clear refusal, not a hang
expect_status 4 "no passphrase source" -- setsid "$K" keygen -f nopass </dev/null 2>err.txt
grep -q "no terminal" err.txt || fail "no-terminal message: $(cat err.txt)"
[ -e nopass ] && fail "key written without a passphrase decision"
pass
done_checks
