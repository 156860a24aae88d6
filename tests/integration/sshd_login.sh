#!/bin/bash
# Keys from sshkeyctl keygen, with and without a passphrase, log in to a real sshd; a host
# key from sshkeyctl keygen serves a real sshd. Runs sshd on 127.0.0.1 only; needs root.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ssh
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$SSHD" ] || skip "needs sshd"

mkdir -p /run/sshd
umask 022
mkdir -m 700 srv
"$K" keygen -q -t ed25519 -f srv/host_ed25519 --no-passphrase -C host || fail "host key"
port=$((20000 + RANDOM % 20000))
cat >srv/sshd_config <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $WORK/srv/host_ed25519
AuthorizedKeysFile $WORK/srv/authorized_keys
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
PidFile $WORK/srv/sshd.pid
UsePAM no
LogLevel VERBOSE
CFG
"$SSHD" -t -f srv/sshd_config || fail "sshd -t refuses our host key"
"$SSHD" -f srv/sshd_config -E "$WORK/srv/log" || fail "sshd did not start"
for _ in $(seq 50); do [ -s srv/sshd.pid ] && break; sleep 0.1; done
cleanup_hooks+=("kill \$(cat '$WORK/srv/sshd.pid') 2>/dev/null")

login() { # login KEY [PASSPHRASE]: a real login that runs a command
	local key=$1 pw=${2:-}
	local askpass="$WORK/askpass.sh"
	printf '#!/bin/sh\necho "%s"\n' "$pw" >"$askpass"
	chmod 700 "$askpass"
	SSH_ASKPASS="$askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 setsid \
		ssh -F /dev/null -i "$key" -o IdentitiesOnly=yes -o IdentityAgent=none \
		-o UserKnownHostsFile="$WORK/known_hosts" -o StrictHostKeyChecking=yes \
		-o PreferredAuthentications=publickey -o ConnectTimeout=10 \
		-p "$port" root@127.0.0.1 'echo logged-in-as-$(id -un)' </dev/null 2>"$WORK/ssh.err"
}
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 srv/host_ed25519.pub)" >known_hosts

for spec in ed25519: rsa:2048 rsa:3072 rsa:4096 ecdsa:256 ecdsa:384 ecdsa:521; do
	t=${spec%%:*} b=${spec#*:}
	for pw in "" "s3cret phrase"; do
		f="u_${t}${b}_${#pw}"
		"$K" keygen -q -t "$t" ${b:+-b $b} -f "$f" -N "$pw" || fail "keygen $spec"
		cp "$f.pub" srv/authorized_keys
		out=$(login "$f" "$pw") || fail "login with $f: $(cat ssh.err)"
		[ "$out" = "logged-in-as-root" ] || fail "login output: $out"
		pass
		# and a key that is not authorized does not get in
		if [ -z "$pw" ] && [ "$t" = ed25519 ]; then
			"$K" keygen -q -f other --no-passphrase
			login other >/dev/null && fail "an unauthorized key logged in"
			pass
		fi
	done
done
grep -q "Accepted publickey for root from 127.0.0.1" srv/log || fail "sshd logged no accepted key"
done_checks
