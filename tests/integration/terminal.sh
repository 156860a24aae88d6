#!/bin/bash
# On a terminal: keygen asks for the passphrase twice without echo and insists on a match,
# asks before replacing a key; show -y and passwd ask for passphrases. Driven through a
# pseudo-terminal, as a person at a keyboard would.
. "$(dirname "$0")/lib.sh"
need_cmd python3
need_cmd ssh-keygen

cat >drive.py <<'PY'
import os, pty, sys, time, select

def run(argv, script, timeout=60):
    """script: list of (expected prompt, answer) pairs. Returns (status, transcript)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(argv[0], argv)
    out = b""
    full = b""
    for prompt, answer in script:
        deadline = time.time() + timeout
        while prompt.encode() not in out:
            r, _, _ = select.select([fd], [], [], max(0, deadline - time.time()))
            if not r:
                sys.exit("timed out waiting for %r; got %r" % (prompt, out))
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                sys.exit("ended before %r; got %r" % (prompt, out))
            out += chunk
            full += chunk
        out = out[out.index(prompt.encode()) + len(prompt):]
        os.write(fd, answer.encode() + b"\n")
        time.sleep(0.05)
    rest = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        rest += chunk
    _, status = os.waitpid(pid, 0)
    run.transcript = (full + rest).decode(errors="replace")
    return os.WEXITSTATUS(status), rest.decode(errors="replace")

k = sys.argv[1]
case = sys.argv[2]
if case == "keygen":
    status, rest = run([k, "keygen", "-f", "key", "-C", "tty"], [
        ("Enter passphrase (empty for no passphrase): ", "first try"),
        ("Enter same passphrase again: ", "typo"),
        ("Enter passphrase (empty for no passphrase): ", "the real one"),
        ("Enter same passphrase again: ", "the real one"),
    ])
    assert status == 0, (status, rest)
    assert "Your identification has been saved in key" in rest, rest
    assert "Passphrases do not match.  Try again." in run.transcript, run.transcript
elif case == "keygen-transcript":
    # everything the terminal showed, to prove the passphrase was never echoed
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(k, [k, "keygen", "-f", "key2", "-C", "tty"])
    seen = b""
    for answer in ("hidden-words", "hidden-words"):
        while b"passphrase" not in seen.split(b"\n")[-1] and b"again" not in seen.split(b"\n")[-1]:
            seen += os.read(fd, 4096)
        os.write(fd, answer.encode() + b"\n")
        time.sleep(0.2)
        seen += os.read(fd, 4096)
    try:
        while True:
            c = os.read(fd, 4096)
            if not c:
                break
            seen += c
    except OSError:
        pass
    os.waitpid(pid, 0)
    assert b"hidden-words" not in seen, seen
elif case == "overwrite-no":
    status, rest = run([k, "keygen", "-f", "key", "--no-passphrase"], [("Overwrite (y/n)? ", "n")])
    assert status == 1, status
elif case == "overwrite-yes":
    status, rest = run([k, "keygen", "-f", "key", "-N", "replaced key"], [("Overwrite (y/n)? ", "y")])
    assert status == 0, (status, rest)
elif case == "show-y":
    status, rest = run([k, "show", "-y", "key"], [("Enter passphrase: ", "replaced key")])
    assert status == 0 and rest.strip().startswith("ssh-ed25519 "), (status, rest)
elif case == "passwd":
    status, rest = run([k, "passwd", "-f", "key"], [
        ("Enter old passphrase: ", "replaced key"),
        ("Enter new passphrase (empty for no passphrase): ", ""),
        ("Enter same passphrase again: ", ""),
    ])
    assert status == 0 and "saved with the new passphrase" in rest, (status, rest)
PY

python3 drive.py "$K" keygen || fail "keygen on a terminal"
ssh-keygen -y -P "the real one" -f key >y.txt || fail "the agreed passphrase does not open the key"
same y.txt key.pub "terminal passphrase"
python3 drive.py "$K" keygen-transcript || fail "the passphrase was echoed"
pass
cp key key.orig
python3 drive.py "$K" overwrite-no || fail "overwrite answered no"
same key key.orig "answering no keeps the key"
python3 drive.py "$K" overwrite-yes || fail "overwrite answered yes"
cmp -s key key.orig && fail "answering yes did not replace the key"
ssh-keygen -y -P "replaced key" -f key >/dev/null || fail "replaced key"
pass
python3 drive.py "$K" show-y || fail "show -y asks for the passphrase"
pass
python3 drive.py "$K" passwd || fail "passwd on a terminal"
ssh-keygen -y -P "" -f key >/dev/null || fail "passphrase not removed"
pass
done_checks
