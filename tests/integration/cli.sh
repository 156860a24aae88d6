#!/bin/bash
# The command line contract: help, versions, usage errors and their exit statuses.
. "$(dirname "$0")/lib.sh"

"$K" --help >out.txt || fail "--help"
for c in keygen show passwd copy setup known-hosts help; do grep -q "^  $c " out.txt || fail "--help lacks $c"; done
grep -q "Exit status" out.txt || fail "--help lacks exit statuses"
"$K" --version | grep -qE '^sshkeyctl [0-9]+\.[0-9]+' || fail "--version"
for c in keygen show passwd copy setup; do
	"$K" help "$c" >a.txt || fail "help $c"
	"$K" "$c" --help >b.txt || fail "$c --help"
	same a.txt b.txt "help $c equals $c --help"
	grep -q "^usage: sshkeyctl $c" a.txt || fail "$c usage line"
done
expect_status 2 "no command" -- "$K" >/dev/null
expect_status 2 "unknown command" -- "$K" frobnicate 2>/dev/null
expect_status 2 "unknown option" -- "$K" keygen --frobnicate 2>err.txt
grep -q "usage: sshkeyctl keygen" err.txt || fail "usage after an unknown option"
expect_status 2 "missing value" -- "$K" keygen -t 2>/dev/null
expect_status 2 "bad type" -- "$K" keygen -t rsa1 2>/dev/null
expect_status 2 "show without file" -- "$K" show 2>/dev/null
expect_status 2 "two passphrase sources" -- "$K" keygen -N a --no-passphrase -f x 2>/dev/null
[ -e x ] && fail "a usage error wrote a key"
# ssh-keygen's habit of -f FILE works anywhere among the options
V=$TEST_DATA/openssh/sshkey
"$K" show -f "$V/ed25519_1.pub" -l -E md5 >a.txt || fail "show -f FILE -l"
ssh-keygen -l -E md5 -f "$V/ed25519_1.pub" >b.txt 2>/dev/null && same a.txt b.txt "show -f FILE -l -E md5"
"$K" show -l -f "$V/ed25519_1.pub" "$V/rsa_2.pub" | wc -l | grep -qx 2 || fail "-f FILE plus FILE"
pass
# a man page that documents the exit statuses
man=$(dirname "$0")/../../doc/sshkeyctl.1
grep -q '^\.SH EXIT STATUS' "$man" || fail "man page lacks EXIT STATUS"
for c in keygen show passwd; do grep -q "^\.SS .*$c" "$man" || fail "man page lacks $c"; done
pass
# a key or password file that is not there: named at once, before any host is tried
"$K" copy -i "$WORK/no-such-key" 127.0.0.1:1 >out.txt 2>err.txt && fail "-i missing accepted"
grep -q "no-such-key: No such file or directory" err.txt || fail "-i missing: $(cat err.txt)"
for c in copy verify perms doctor harden; do
	expect_status 1 "$c -i missing" -- "$K" $c -i "$WORK/no-such-key" 127.0.0.1:1 >/dev/null 2>&1
done
echo garbage >garbage
"$K" copy -i garbage 127.0.0.1:1 >out.txt 2>err.txt && fail "-i garbage accepted"
grep -q "garbage: not a key" err.txt || fail "-i garbage: $(cat err.txt)"
expect_status 4 "--password-file missing" -- "$K" copy --password-file "$WORK/no-such-pw" 127.0.0.1:1 2>err.txt
grep -q "password-file $WORK/no-such-pw: No such file or directory" err.txt || fail "pw missing: $(cat err.txt)"
pass
done_checks
