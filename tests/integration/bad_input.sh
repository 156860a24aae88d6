#!/bin/bash
# Hostile or broken input: a clear error naming the file (and line for text files), a
# non-zero status, nothing written, no crash (CI runs this under ASan and UBSan too).
. "$(dirname "$0")/lib.sh"
V=$TEST_DATA/openssh/sshkey

run_bad() { # run_bad NAME ARGS...: must fail with status 1 and name the file
	local name=$1
	shift
	"$K" "$@" >out.txt 2>err.txt
	local rc=$?
	[ $rc = 1 ] || fail "$name: exit status $rc: $(cat err.txt)"
	grep -q "$name" err.txt || fail "$name: error does not name the file: $(cat err.txt)"
	[ "$(wc -l <err.txt)" -le 20 ] || fail "$name: error flood"
	pass
}

head -c 300 "$V/ed25519_1" >truncated_key
run_bad truncated_key show truncated_key
run_bad truncated_key show -y truncated_key
head -c 40 "$V/rsa_2.pub" >truncated.pub
run_bad truncated.pub show -l truncated.pub
grep -q "truncated.pub:1:" err.txt || fail "line number"
head -c 4096 /dev/urandom >garbage
run_bad garbage show -l garbage
head -c 200000 /dev/urandom >big_garbage
run_bad big_garbage show -l big_garbage
grep -q "more bad lines not shown" err.txt || fail "no summary of the bad lines: $(tail -2 err.txt)"
printf 'hello\nworld\n' >text
run_bad text show -l text
head -c 2000000 /dev/zero | tr '\0' 'A' >oversized_key
sed -i '1s/^/-----BEGIN OPENSSH PRIVATE KEY-----\n/' oversized_key
run_bad oversized_key show -y oversized_key
# an oversized line inside an authorized_keys file
{ cat "$V/ed25519_1.pub"; printf 'ssh-rsa '; head -c 100000 /dev/zero | tr '\0' 'A'; echo; cat "$V/rsa_2.pub"; } >long_line
run_bad long_line show -l long_line
grep -q "long_line:2: line too long" err.txt || fail "long line: $(cat err.txt)"
[ "$(wc -l <out.txt)" = 2 ] || fail "the good lines around a bad one must still be listed"
# NUL bytes in a text file
{ cat "$V/ed25519_1.pub"; printf 'ssh-ed25519 AAAA\0AAAA\n'; } >nul_bytes
run_bad nul_bytes show -l nul_bytes
grep -q "nul_bytes:2: NUL byte" err.txt || fail "NUL byte: $(cat err.txt)"
# CRLF: keys still read (sshd accepts them), a broken CRLF line named
{ printf '%s\r\n' "$(cat "$V/ed25519_1.pub")"; printf 'ssh-ed25519 AAAAbroken\r\n'; } >crlf
run_bad crlf show -l crlf
grep -q "crlf:2:" err.txt || fail "CRLF line number"
grep -q "ED25519 test key #1 (ED25519)$" out.txt || fail "CRLF key not listed"
# binary data that looks like a key header
{ echo "-----BEGIN OPENSSH PRIVATE KEY-----"; head -c 3000 /dev/urandom | base64; echo "-----END OPENSSH PRIVATE KEY-----"; } >random_armor
run_bad random_armor show -y random_armor
# SSH-1 keys, unknown types, a directory, a missing file
run_bad rsa1_1.pub show -l "$TEST_DATA/openssh/hostkeys/rsa1_1.pub"
grep -q "protocol 1" err.txt || fail "SSH-1 key message: $(cat err.txt)"
run_bad mldsa44_ed25519_1.pub show -l "$V/mldsa44_ed25519_1.pub"
grep -q "unknown key type" err.txt || fail "unknown type message"
mkdir adir
run_bad adir show adir
run_bad missing show missing
# a FIFO with no writer, a device, a directory: refused at once, never waited on
mkfifo afifo
for cmd in "show afifo" "show -l afifo" "show -y afifo" "passwd -f afifo --no-passphrase"; do
	# shellcheck disable=SC2086
	timeout 10 "$K" $cmd >out.txt 2>err.txt
	rc=$?
	[ $rc = 1 ] || fail "$cmd: exit status $rc (124: it waited on the FIFO)"
	grep -q "afifo: not a regular file" err.txt || fail "$cmd: $(cat err.txt)"
	pass
done
timeout 10 "$K" show -l /dev/zero >out.txt 2>err.txt
[ $? = 1 ] && grep -q "/dev/zero: not a regular file" err.txt || fail "device: $(cat err.txt)"
timeout 10 "$K" passwd -f adir --no-passphrase >out.txt 2>err.txt
[ $? = 1 ] && grep -qi "adir: is a directory" err.txt || fail "passwd directory: $(cat err.txt)"
pass
# the key files above stay as they were: show writes nothing
[ "$(ls | wc -l)" -lt 30 ] || fail "unexpected files"
# passwd on garbage changes nothing
cp garbage garbage.orig
run_bad garbage passwd -f garbage --no-passphrase
same garbage garbage.orig "passwd left garbage unchanged"
done_checks
