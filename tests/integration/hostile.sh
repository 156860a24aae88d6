#!/bin/bash
# An account owner attacks root's work on its files (SECURITY.md): each attack reproduces a
# way that once handed the account root, run against real sshd hosts of the test bed as
# the account itself would run it; the check is on the root-owned victims, not on our words.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../testbed/testbed.sh"
need_cmd ssh
need_cmd python3
need_cmd runuser
testbed_init "$WORK/tb"
cleanup_hooks+=("testbed_cleanup")
unset SSH_AUTH_SOCK
ATTACKS=$(cd "$(dirname "$0")/attacks" && pwd)
ROUNDS=${HOSTILE_ROUNDS:-20}

U=sktest-h$$
testbed_add_user "$U" "pw of $U" || fail "useradd"
"$K" keygen -q -f id --no-passphrase -C "root's and $U's" || fail "keygen"
"$K" keygen -q -f id2 --no-passphrase -C "new key" || fail "keygen"
KH=$WORK/known_hosts
# the account reaches its own files from outside the hosts' namespaces too
chmod 755 "$WORK"
as_account() { runuser -u "$U" -- "$@"; }

# host NAME [EXTRA sshd_config LINES]: root logs in with id (its own AuthorizedKeysFile);
# U has id installed
host() {
	testbed_host_up "$1" "${2:-}
Match User root
	AuthorizedKeysFile /etc/ssh/root_authorized_keys" || fail "host $1"
	cp id.pub "$(testbed_root "$1")/etc/ssh/root_authorized_keys"
	testbed_authorize "$1" "$U" id.pub || fail "authorize on $1"
}
home_of() { echo "$(testbed_root "$1")/home/$U"; }
as_root() { # as_root COMMAND HOST [OPTIONS]: sshkeyctl COMMAND as root --for-user U
	local command=$1 host=$2
	shift 2
	"$K" "$command" -i id --accept-new -o "UserKnownHostsFile=$KH" --for-user "$U" "$@" \
		"root@127.0.0.1:$(testbed_port "$host")" >out.txt 2>&1
}
# a root-owned file the account must never get: a shell that would become setuid root
victim_binary() {
	cp /bin/sh "$WORK/victim-bin"
	chown root:root "$WORK/victim-bin"
	chmod 755 "$WORK/victim-bin"
}
victim_intact() { # victim_intact WHAT
	[ "$(stat -c '%a %U' "$WORK/victim-bin")" = "755 root" ] ||
		fail "$1: the root-owned binary became $(stat -c '%a %U' "$WORK/victim-bin")"
	cmp -s /bin/sh "$WORK/victim-bin" || fail "$1: the root-owned binary was overwritten"
}

# 1. Planted temporary files: a symbolic link at every name a pid could give the helper's
#    temporary file, pointing at a root-owned secret. copy --for-user and doctor --fix as root
#    must neither write nor chown the secret, and still do their work.
host farm
echo "root's secret" >"$WORK/secret"
chmod 600 "$WORK/secret"
plant_farm() { # plant_farm DIR: links for the next 50,000 pids, and every pid below
	local last
	last=$(cat /proc/sys/kernel/ns_last_pid)
	as_account python3 - "$1" "$WORK/secret" "$last" <<'PY'
import os, sys
d, target, last = sys.argv[1], sys.argv[2], int(sys.argv[3])
for pid in list(range(1, 32768)) + list(range(max(32768, last - 100), last + 50000)):
    for name in (".authorized_keys.sshkeyctl.%d" % pid, ".sshkeyctl-restore.%d" % pid):
        try:
            os.symlink(target, os.path.join(d, name))
        except FileExistsError:
            pass
PY
}
secret_intact() {
	[ "$(cat "$WORK/secret")" = "root's secret" ] || fail "$1: the root-owned secret was overwritten"
	[ "$(stat -c '%a %U' "$WORK/secret")" = "600 root" ] ||
		fail "$1: the root-owned secret became $(stat -c '%a %U' "$WORK/secret")"
}
plant_farm "$(home_of farm)/.ssh"
as_root copy farm -i id2
status=$?
secret_intact "copy --for-user"
[ $status = 0 ] || fail "copy --for-user among planted links: $(cat out.txt)"
ak=$(home_of farm)/.ssh/authorized_keys
[ -f "$ak" ] && [ ! -L "$ak" ] || fail "copy --for-user: authorized_keys is no longer a regular file"
grep -qF "$(cut -d' ' -f2 id2.pub)" "$ak" || fail "copy --for-user: the key was not installed"
[ "$(stat -c %U "$ak")" = "$U" ] || fail "copy --for-user: authorized_keys owner $(stat -c %U "$ak")"
pass
# doctor --fix installs the key through the same helper
host farm2
rm "$(home_of farm2)/.ssh/authorized_keys"
plant_farm "$(home_of farm2)/.ssh"
as_root doctor farm2 --fix
secret_intact "doctor --fix"
grep -qF "$(cut -d' ' -f2 id.pub)" "$(home_of farm2)/.ssh/authorized_keys" ||
	fail "doctor --fix among planted links: the key was not installed: $(cat out.txt)"
pass

# 2. A swapped ~/.ssh: the moment root's helper has read authorized_keys, the account
#    replaces ~/.ssh with a link to a root-owned binary; root's StrictModes fix (the mode
#    minus write bits) must not reach the binary. Raced ROUNDS times for each command.
victim_binary
race() { # race WHAT HOST COMMAND...: one command per round with the watcher armed
	local what=$1 host=$2 round home
	shift 2
	home=$(home_of "$host")
	for round in $(seq "$ROUNDS"); do
		rm -f "$home/.ssh" 2>/dev/null
		[ -d "$home/.ssh.aside" ] && mv "$home/.ssh.aside" "$home/.ssh"
		chmod 4777 "$home/.ssh"
		as_account python3 "$ATTACKS/swap_on_access.py" "$home/.ssh/authorized_keys" \
			"$home/.ssh" "$WORK/victim-bin" >watcher.out &
		local watcher=$!
		for _ in $(seq 100); do grep -q ready watcher.out && break; sleep 0.02; done
		"$@"
		kill "$watcher" 2>/dev/null
		wait "$watcher" 2>/dev/null
		victim_intact "$what (round $round)"
	done
	rm -f "$home/.ssh" 2>/dev/null
	[ -d "$home/.ssh.aside" ] && mv "$home/.ssh.aside" "$home/.ssh"
	pass
}
host swap
race "copy --for-user" swap as_root copy swap -i id2
race "perms --fix --for-user" swap as_root perms swap --fix
race "doctor --fix --for-user" swap as_root doctor swap --fix

# the same on this machine: perms --fix --for-user on a local account's files, the swap
# when perms has read the private key; the victim is a root-owned binary named config
L=sktest-hl$$
testbed_add_user "$L" "pw" || fail "useradd"
lhome=$WORK/lhome
mkdir -p "$lhome/.ssh" "$WORK/rootdir"
usermod -d "$lhome" "$L"
cp id "$lhome/.ssh/id_ed25519"
echo "Host *" >"$lhome/.ssh/config"
chown -R "$L" "$lhome"
chmod 700 "$lhome/.ssh"
cp /bin/sh "$WORK/rootdir/config"
chmod 755 "$WORK/rootdir" "$WORK/rootdir/config"
for round in $(seq "$ROUNDS"); do
	rm -f "$lhome/.ssh" 2>/dev/null
	[ -d "$lhome/.ssh.aside" ] && mv "$lhome/.ssh.aside" "$lhome/.ssh"
	chmod 644 "$lhome/.ssh/id_ed25519"
	chmod 4777 "$lhome/.ssh/config"
	runuser -u "$L" -- python3 "$ATTACKS/swap_on_access.py" "$lhome/.ssh/id_ed25519" \
		"$lhome/.ssh" "$WORK/rootdir" >watcher.out &
	watcher=$!
	for _ in $(seq 100); do grep -q ready watcher.out && break; sleep 0.02; done
	"$K" perms --for-user "$L" --fix >out.txt 2>&1
	kill "$watcher" 2>/dev/null
	wait "$watcher" 2>/dev/null
	[ "$(stat -c '%a %U' "$WORK/rootdir/config")" = "755 root" ] ||
		fail "local perms --fix (round $round): the root-owned binary became $(stat -c '%a %U' "$WORK/rootdir/config")"
done
pass

# 3. sudo: the password line must reach sudo alone. With sudoers letting the account run sh
#    without a password (and anything else with it), sudo reads no password for our sh, and
#    a password that is a shell command must never run as root.
need_cmd sudo
S=sktest-hs$$
SPW='touch${IFS}'"$WORK/pwned"
testbed_add_user "$S" "$SPW" || fail "useradd"
printf '%s\n' "$SPW" >spw
SUDOERS=/etc/sudoers.d/sshkeyctl-hostile-$$
printf '%s ALL=(ALL:ALL) ALL\n%s ALL=(ALL:ALL) NOPASSWD: /bin/sh, /usr/bin/sh\n' "$S" "$S" >"$SUDOERS"
chmod 440 "$SUDOERS"
cleanup_hooks+=("rm -f $SUDOERS")
host sudo
testbed_authorize sudo "$S" id.pub || fail "authorize $S"
"$K" harden --dry-run -i id --accept-new -o "UserKnownHostsFile=$KH" --password-file spw \
	"$S@127.0.0.1:$(testbed_port sudo)" >out.txt 2>&1
[ ! -e "$WORK/pwned" ] || fail "the sudo password line ran as a root shell command"
grep -q "would change" out.txt || fail "harden --dry-run through sudo: $(cat out.txt)"
pass

# 5. A host key marked @revoked, in the user's known_hosts and in the global one, is refused
#    with OpenSSH's warning, even with --accept-new and a password to send; a
#    @cert-authority line for the host stops --accept-new (host certificates are beyond us)
host revoked
hostkey=$(cut -d' ' -f1,2 "$(testbed_root revoked)/etc/ssh/ssh_host_ed25519_key.pub")
rkh=$WORK/revoked_known_hosts
printf '@revoked * %s\n' "$hostkey" >"$rkh"
log_lines() { grep -c "Accepted\|Failed" "$(testbed_root revoked)/var/log/auth.log"; }
before=$(log_lines)
"$K" copy -i id --accept-new --password-file spw -o "UserKnownHostsFile=$rkh" \
	"$U@127.0.0.1:$(testbed_port revoked)" >out.txt 2>&1 && fail "copy to a @revoked host key succeeded"
grep -q "REVOKED HOST KEY DETECTED" out.txt || fail "@revoked (user file): $(cat out.txt)"
grep -q "$rkh:1" out.txt || fail "@revoked: the line is not named: $(cat out.txt)"
ssh -F /dev/null -o UserKnownHostsFile="$rkh" -o BatchMode=yes -p "$(testbed_port revoked)" \
	"$U@127.0.0.1" true 2>ssh.err && fail "OpenSSH accepts it?"
grep -q "REVOKED HOST KEY" ssh.err || fail "OpenSSH's own verdict: $(cat ssh.err)"
[ "$(log_lines)" = "$before" ] || fail "@revoked: something was sent to the server"
pass
# the global file (here the host's name pattern, not *), an empty user file
mv /etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts.sktest-$$ 2>/dev/null
cleanup_hooks+=("rm -f /etc/ssh/ssh_known_hosts; mv /etc/ssh/ssh_known_hosts.sktest-$$ /etc/ssh/ssh_known_hosts 2>/dev/null")
printf '@revoked [127.0.0.1]:%s %s\n' "$(testbed_port revoked)" "$hostkey" >/etc/ssh/ssh_known_hosts
: >"$WORK/empty_known_hosts"
"$K" verify -i id --accept-new -o "UserKnownHostsFile=$WORK/empty_known_hosts" \
	"root@127.0.0.1:$(testbed_port revoked)" >out.txt 2>&1 && fail "verify of a @revoked host key succeeded"
grep -q "REVOKED HOST KEY DETECTED" out.txt || fail "@revoked (global file): $(cat out.txt)"
[ -s "$WORK/empty_known_hosts" ] && fail "a @revoked key was recorded"
# @cert-authority for the host: no trust on first use
printf '@cert-authority [127.0.0.1]:* %s\n' "$(cut -d' ' -f1,2 id.pub)" >/etc/ssh/ssh_known_hosts
"$K" verify -i id --accept-new -o "UserKnownHostsFile=$WORK/empty_known_hosts" \
	"root@127.0.0.1:$(testbed_port revoked)" >out.txt 2>&1 && fail "--accept-new under a @cert-authority line"
grep -q "trusts a certificate authority" out.txt || fail "@cert-authority: $(cat out.txt)"
rm -f /etc/ssh/ssh_known_hosts
pass

# 6. doctor's fix commands repeat every option the run needed: run as printed, the one for
#    --for-user U installs the key for U, never for root (the login account)
host fixcmd
rm "$(home_of fixcmd)/.ssh/authorized_keys"
as_root doctor fixcmd
fix=$(grep -m1 'fix: sshkeyctl copy' out.txt | sed 's/^ *fix: //; s/ (--fix does)$//')
case $fix in *"--for-user $U"*"-o UserKnownHostsFile=$KH"*) ;; *) fail "doctor's fix command: $fix" ;; esac
root_keys=$(testbed_root fixcmd)/etc/ssh/root_authorized_keys
cp "$root_keys" root_keys.before
eval "\"\$K\"${fix#sshkeyctl}" >run.txt 2>&1 || fail "the printed fix failed: $fix: $(cat run.txt)"
grep -qF "$(cut -d' ' -f2 id.pub)" "$(home_of fixcmd)/.ssh/authorized_keys" ||
	fail "the printed fix did not install the key for $U"
same "$root_keys" root_keys.before "the printed fix changed root's keys"
# DenyUsers: the fix says to remove the name, not to add it
host deny "DenyUsers $U"
as_root doctor deny
grep -q "fix: on the server, if $U is to log in: remove the pattern $U from DenyUsers" out.txt ||
	fail "DenyUsers fix: $(cat out.txt)"
pass

# 4. Text from servers, files and logs never reaches the terminal raw: ESC, BEL and a byte
#    that is not UTF-8 in sshd's banner (VersionAddendum), in a key comment and in a log
#    line doctor quotes. Checked on the raw bytes of stdout and stderr; in --json every line
#    parses, every field is there, and the bytes come back exactly (surrogateescape).
EVIL=$(printf 'x\033]0;pwned\007\033[31mred\377y')
no_raw() { # no_raw WHAT FILE...: no ESC, BEL or 0xff byte
	local f
	for f in "${@:2}"; do
		LC_ALL=C grep -q $'[\x1b\x07\xff]' "$f" && fail "$1: raw control bytes in $f: $(od -c "$f" | head -5)"
	done
	pass
}
host evil "VersionAddendum $EVIL"
"$K" verify -i id --accept-new -o "UserKnownHostsFile=$KH" "root@127.0.0.1:$(testbed_port evil)" >out.txt 2>err.txt
grep -qF 'x\033]0;pwned\007\033[31mred\377y' out.txt || fail "banner not shown escaped: $(cat out.txt)"
no_raw "verify" out.txt err.txt
"$K" verify --json -i id --accept-new -o "UserKnownHostsFile=$KH" "root@127.0.0.1:$(testbed_port evil)" >out.txt 2>err.txt
no_raw "verify --json" out.txt err.txt
python3 - out.txt "$EVIL" <<'PY' || fail "verify --json: $(cat out.txt)"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
host, summary = lines[0], lines[-1]
assert "banner" in host and "target" in host, host
raw = host["banner"].encode("utf-8", "surrogateescape")
evil = sys.argv[2].encode("utf-8", "surrogateescape")
assert raw.endswith(evil), (raw, evil)
assert summary["summary"]["hosts"] == 1, summary
PY
pass
# a key comment: show -l is ssh-keygen -l, byte for byte, in a UTF-8 locale and in C
"$K" keygen -q -f evilkey --no-passphrase -C "$EVIL é" || fail "keygen with such a comment"
for loc in C.UTF-8 C; do
	LC_ALL=$loc ssh-keygen -l -f evilkey.pub >want.txt
	LC_ALL=$loc "$K" show -l evilkey.pub >out.txt 2>err.txt
	same out.txt want.txt "show -l on a hostile comment ($loc)"
	no_raw "show -l ($loc)" out.txt err.txt
done
# a log line doctor quotes: doctor quotes only lines about its own connections, so the
# forger (any local user can write to syslog with logger) names every port that connects
# to the host while doctor runs, as sshd's lines do
forge_log() { # until the file "stop" appears
	local port=$(testbed_port evil) p
	while [ ! -e stop ]; do
		for p in $(ss -Htn state established "( dport = :$port )" 2>/dev/null | awk '{ print $3 }' |
			sed 's/.*://'); do
			printf 'Nov 30 12:00:00 evil sshd[4242]: Invalid user %s%s from 127.0.0.1 port %s\n' \
				"$U" "$EVIL" "$p" >>"$(testbed_root evil)/var/log/auth.log"
		done
		sleep 0.02
	done
}
doctor_forged() { # doctor ARGS... with the forger running; out.txt, err.txt
	rm -f stop
	forge_log &
	local forger=$!
	"$K" doctor "$@" -i id --accept-new -o "UserKnownHostsFile=$KH" --for-user "$U" \
		"root@127.0.0.1:$(testbed_port evil)" >out.txt 2>err.txt
	touch stop
	wait "$forger"
}
doctor_forged
grep -qF 'pwned\007' out.txt || fail "doctor: the log line is not quoted: $(cat out.txt)"
no_raw "doctor" out.txt err.txt
doctor_forged --json
no_raw "doctor --json" out.txt err.txt
python3 - out.txt "$EVIL" <<'PY' || fail "doctor --json: $(cat out.txt)"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
evil = sys.argv[2].encode("utf-8", "surrogateescape")
host = lines[0]
assert "target" in host and "cause" in host and "checks" in host, host
logs = [c for c in host["checks"] if c["check"] == "server: sshd's log"]
assert logs and evil in logs[0]["evidence"].encode("utf-8", "surrogateescape"), logs
PY
pass

done_checks
