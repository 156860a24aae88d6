#!/bin/bash
# show -y reads every private key format ssh-keygen, OpenSSL and libssh write: openssh-key-v1
# with every cipher ssh-keygen offers, PEM PKCS#1/SEC1 and PKCS#8, encrypted or not; a wrong
# or missing passphrase is a clear error with exit status 4.
. "$(dirname "$0")/lib.sh"
need_cmd ssh-keygen
need_cmd openssl
PW="pass phrase"
echo "$PW" >pw.txt

check_y() { # check_y FILE: our -y equals ssh-keygen's (or the given expected file)
	local f=$1 want=${2:-}
	"$K" show -y --passphrase-file pw.txt "$f" >ours.txt 2>err.txt || fail "show -y $f: $(cat err.txt)"
	if [ -z "$want" ]; then
		ssh-keygen -y -P "$PW" -f "$f" >theirs.txt 2>/dev/null || fail "ssh-keygen -y $f"
		want=theirs.txt
	fi
	same ours.txt "$want" "show -y $f"
}

for t in ed25519 rsa ecdsa; do
	for z in aes128-ctr aes192-ctr aes256-ctr aes128-cbc aes192-cbc aes256-cbc \
		aes128-gcm@openssh.com aes256-gcm@openssh.com chacha20-poly1305@openssh.com; do
		ssh-keygen -q -t "$t" -Z "$z" -N "$PW" -a 4 -C "$t $z" -f "k_${t}_$z"
		check_y "k_${t}_$z"
		# the public half and the listing without a passphrase, from the clear header
		# and the .pub's comment
		"$K" show -l "k_${t}_$z" >ours.txt && ssh-keygen -l -f "k_${t}_$z" >theirs.txt
		same ours.txt theirs.txt "show -l k_${t}_$z"
	done
	for m in PEM PKCS8; do
		ssh-keygen -q -t "$t" -m "$m" -N "$PW" -f "p_${t}_$m"
		check_y "p_${t}_$m"
		# without the passphrase, -l lists FILE.pub's key as ssh-keygen does
		"$K" show -l "p_${t}_$m" >ours.txt && ssh-keygen -l -f "p_${t}_$m" >theirs.txt
		same ours.txt theirs.txt "show -l p_${t}_$m"
		ssh-keygen -q -t "$t" -m "$m" -N '' -f "u_${t}_$m"
		check_y "u_${t}_$m"
	done
done

# PKCS#8 as OpenSSL writes it, and as libssh writes it (PBES2, PBKDF2-HMAC-SHA256, 2048
# iterations, AES-128-CBC); Ed25519 PKCS#8, which ssh-keygen 9.2 cannot read itself
for alg in "RSA -pkeyopt rsa_keygen_bits:2048" "EC -pkeyopt ec_paramgen_curve:P-256" "ED25519"; do
	name=$(echo "$alg" | cut -d' ' -f1)
	openssl genpkey -algorithm $alg -out "o_$name" 2>/dev/null || fail "openssl genpkey $name"
	openssl pkcs8 -topk8 -in "o_$name" -v2 aes-128-cbc -v2prf hmacWithSHA256 -iter 2048 \
		-passout "pass:$PW" -out "o_${name}_enc" || fail "openssl pkcs8 $name"
	"$K" show -y "o_$name" >plain.txt || fail "show -y o_$name"
	check_y "o_${name}_enc" plain.txt
	if [ "$name" != ED25519 ]; then
		ssh-keygen -y -f "o_$name" >theirs.txt && same plain.txt theirs.txt "show -y o_$name"
	else
		# the public key from OpenSSL's own view of it
		raw=$(openssl pkey -in o_ED25519 -pubout -outform DER | tail -c 32 | base64)
		python3 - "$raw" <<'PY' >want.txt
import base64, struct, sys
pk = base64.b64decode(sys.argv[1])
blob = struct.pack(">I", 11) + b"ssh-ed25519" + struct.pack(">I", 32) + pk
print("ssh-ed25519 " + base64.b64encode(blob).decode())
PY
		same plain.txt want.txt "Ed25519 PKCS#8 public key"
	fi
done

# wrong and missing passphrases: exit status 4 and a message naming the file
ssh-keygen -q -t ed25519 -N "$PW" -f enc
expect_status 4 "wrong passphrase" -- "$K" show -y -P wrong enc 2>err.txt
grep -q "^sshkeyctl: enc: incorrect passphrase" err.txt || fail "wrong passphrase message: $(cat err.txt)"
expect_status 4 "wrong PEM passphrase" -- "$K" show -y -P wrong p_rsa_PEM 2>err.txt
grep -q "incorrect passphrase" err.txt || fail "PEM message: $(cat err.txt)"
expect_status 4 "missing passphrase" -- setsid "$K" show -y enc </dev/null 2>err.txt
grep -q "no passphrase was given" err.txt || fail "missing passphrase message: $(cat err.txt)"
# -y on something that is no private key
expect_status 1 "-y on a public key" -- "$K" show -y enc.pub 2>/dev/null
done_checks
