#!/bin/bash
# A fleet run at a real terminal (a pseudo-terminal, driven as a person would, issue 15):
# unknown host keys come as one list and one question, the password is asked once before
# the run fans out and stays on screen while it waits, answers reach the right question,
# and no wrong password reaches a server; Ctrl-C mid-run prints what finished, names what
# never started, leaves no lock, and a rerun finishes at once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../testbed/testbed.sh"
testbed_suite
need_cmd python3
cp "$(dirname "$0")/pty_drive.py" .
export K KH=$WORK/kh

U=sktest-p$$
PW="pw of $U"
testbed_add_user "$U" "$PW" || fail "useradd"
"$K" keygen -q -f id --no-passphrase -C prompts || fail "keygen"
for i in 1 2 3 4; do
	testbed_host_up "h$i" >/dev/null || fail "host h$i"
	testbed_home "h$i" "$U" >/dev/null
	echo "$U@127.0.0.1:$(testbed_port "h$i")" >>hosts
done
failed_passwords() { cat "$TB_ROOT"/h*/log | grep -c "Failed password"; }

# 1. four new host keys and a password: the list, one answer, the password prompt alone
#    on screen, then everything installed and proven; no failed password anywhere
: >kh
python3 - "$PW" <<'PY' || fail "list and password: $(cat screen1.txt)"
import sys
from pty_drive import copy_session
with copy_session("screen1.txt", 0) as t:
    t.expect("The authenticity of 4 hosts can't be established")
    t.expect("Accept them: [a]ll, [n]one, or [o]ne by one? ")
    t.quiet_after(1.0)
    t.send("a")
    t.expect("Password for ")
    t.expect("(4 hosts need it")
    t.expect("): ")
    t.quiet_after(1.5)  # the prompt stays alone: no status line drawn over it
    t.send(sys.argv[1])
PY
[ "$(grep -c ": installed and verified" screen1.txt)" = 4 ] || fail "not all installed: $(cat screen1.txt)"
[ "$(wc -l <kh)" -ge 4 ] || fail "host keys not recorded: $(cat kh)"
[ "$(failed_passwords)" = 0 ] || fail "a failed password reached a server"
pass

# 2. one by one: yes, no, yes, yes; the refused host is not contacted further and is named
for i in 1 2 3 4; do rm -f "$TB_ROOT/h$i/home/$U/.ssh/authorized_keys"; done
: >kh
python3 - "$PW" <<'PY' || fail "one by one: $(cat screen2.txt)"
import sys
from pty_drive import copy_session
with copy_session("screen2.txt", 3) as t:
    t.expect("[o]ne by one? ")
    t.send("o")
    for answer in ("yes", "no", "yes", "yes"):
        t.expect("Are you sure you want to continue connecting (yes/no)? ")
        t.send(answer)
    t.expect("(3 hosts need it")
    t.send(sys.argv[1])
PY
[ "$(grep -c ": installed and verified" screen2.txt)" = 3 ] || fail "one by one: $(cat screen2.txt)"
grep -q "$(head -2 hosts | tail -1): failed" screen2.txt || fail "the refused host: $(cat screen2.txt)"
[ -e "$TB_ROOT/h2/home/$U/.ssh/authorized_keys" ] && fail "a host whose key was refused was changed"
[ "$(failed_passwords)" = 0 ] || fail "a failed password reached a server"
pass

# 3. a wrong password at the terminal: one host tries it, no other gets it
for i in 1 2 3 4; do rm -f "$TB_ROOT/h$i/home/$U/.ssh/authorized_keys"; done
python3 - <<'PY' || fail "wrong password: $(cat screen3.txt)"
from pty_drive import copy_session
with copy_session("screen3.txt", 1) as t:
    t.expect("(yes/no)? ")  # the host whose key was refused above, asked alone
    t.send("yes")
    t.expect("Password for ")
    t.send("not the password")
PY
[ "$(failed_passwords)" -le 1 ] || fail "the wrong password reached $(failed_passwords) servers"
grep -q "it was sent to no other host" screen3.txt || fail "wrong password: $(cat screen3.txt)"
pass

# 4. Ctrl-C mid-run (one host at a time): finished hosts reported, the rest named as not
#    started, the summary says interrupted, no lock left; the rerun finishes everything
for i in 1 2 3 4; do rm -f "$TB_ROOT/h$i/home/$U/.ssh/authorized_keys"; done
echo "$PW" >pw
python3 - <<'PY' || fail "Ctrl-C: $(cat screen4.txt)"
from pty_drive import copy_session
with copy_session("screen4.txt", lambda s: s not in (0, 130), "-j", "1", "--password-file",
                  "pw") as t:
    t.expect(": installed and verified")
    t.interrupt()
PY
grep -q "interrupted: no new host starts" screen4.txt || fail "Ctrl-C: no notice: $(cat screen4.txt)"
# one host at a time: after the first, at most the one in progress finishes
[ "$(grep -c "not started (interrupted)" screen4.txt)" -ge 2 ] || fail "Ctrl-C: $(cat screen4.txt)"
grep -q "^interrupted: [0-9] hosts\? not started" screen4.txt || fail "Ctrl-C summary: $(cat screen4.txt)"
grep -q "^4 hosts: " screen4.txt || fail "Ctrl-C: no summary: $(cat screen4.txt)"
ls "$TB_ROOT"/h*/home/"$U"/.ssh/.sshkeyctl.lock* 2>/dev/null && fail "a lock was left behind"
"$K" copy -i id --password-file pw -o "UserKnownHostsFile=$WORK/kh" -H hosts >out.txt 2>&1 ||
	fail "rerun: $(cat out.txt)"
grep -q "lock" out.txt && fail "rerun met a lock: $(cat out.txt)"
[ "$(grep -c ": installed and verified\|: already present" out.txt)" = 4 ] || fail "rerun: $(cat out.txt)"
pass

# 6 (below). harden at a terminal: sudo's password asked once, before any host gets work,
#    saying how many hosts need it
SUDOERS=/etc/sudoers.d/sshkeyctl-prompts-$$
printf '%s ALL=(ALL:ALL) ALL\n' "$U" >"$SUDOERS"
chmod 440 "$SUDOERS"
cleanup_hooks+=("rm -f $SUDOERS")

# 5. verify at a terminal: the host keys asked as one list, and nothing else (no password:
#    verify never uses one; the first pass only reads the host keys)
: >kh
for i in 1 2 3 4; do : >"$TB_ROOT/h$i/var/log/auth.log"; done
python3 - <<'PY' || fail "verify at a terminal: $(cat screen5.txt)"
from pty_drive import copy_session
with copy_session("screen5.txt", lambda s: s in (0, 5), command="verify") as t:
    t.expect("The authenticity of 4 hosts can't be established")
    t.expect("[o]ne by one? ")
    t.send("a")
PY
grep -q "Password for\|'s password: " screen5.txt && fail "verify asked a password: $(cat screen5.txt)"
[ "$(grep -c ": WARN: key login works\|: OK: key login works" screen5.txt)" = 4 ] ||
	fail "verify at a terminal: $(cat screen5.txt)"
# the host-key pass asked nothing of sshd's authentication
[ "$(cat "$TB_ROOT"/h*/log | grep -c "Failed publickey")" = 0 ] || fail "the first pass probed keys"
pass

python3 - "$PW" <<'PY' || fail "harden at a terminal: $(cat screen6.txt)"
import sys
from pty_drive import copy_session
with copy_session("screen6.txt", 0, "--dry-run", command="harden") as t:
    t.expect("[sudo] password for ")
    t.expect("(4 hosts need it")
    t.expect("): ")
    t.quiet_after(1.0)
    t.send(sys.argv[1])
PY
[ "$(grep -c ": would change" screen6.txt)" = 4 ] || fail "harden at a terminal: $(cat screen6.txt)"
[ "$(grep -c "password for " screen6.txt)" = 1 ] || fail "sudo asked more than once: $(cat screen6.txt)"
pass

done_checks
