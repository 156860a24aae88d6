"""Drive a program in a pseudo-terminal as a person at a keyboard would (issue 15's terminal
tests): wait for text on the screen, answer, interrupt, and keep the whole transcript.

    t = Pty([program, args...])
    t.expect("Accept them")            # waits (bounded) for the text; fails the test if absent
    t.quiet_after(1.0)                 # nothing is drawn after the prompt while it waits
    t.send("a")                        # a line typed at the keyboard
    t.interrupt()                      # Ctrl-C (SIGINT to the foreground process group)
    status = t.wait()                  # exit status; t.transcript holds every byte shown
"""
import os
import pty
import select
import sys
import time


class Pty:
    def __init__(self, argv, timeout=120):
        self.timeout = timeout
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvp(argv[0], argv)
        self.transcript = b""
        self.seen = 0  # what expect has consumed

    def _read(self, until):
        r, _, _ = select.select([self.fd], [], [], max(0.0, until - time.time()))
        if not r:
            return False
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            return None
        self.transcript += chunk
        return True

    def expect(self, text, timeout=None):
        want = text.encode()
        until = time.time() + (timeout or self.timeout)
        while want not in self.transcript[self.seen:]:
            got = self._read(until)
            if not got:
                sys.exit("timed out or ended waiting for %r; screen so far:\n%s" %
                         (text, self.transcript.decode(errors="replace")[-3000:]))
        self.seen = self.transcript.index(want, self.seen) + len(want)

    def quiet_after(self, seconds):
        """Nothing at all is drawn for this long (a prompt that stays on screen)."""
        before = len(self.transcript)
        until = time.time() + seconds
        while time.time() < until:
            if self._read(until) is None:
                break
        extra = self.transcript[before:]
        if extra:
            sys.exit("something was drawn over the prompt: %r" % extra)

    def send(self, line):
        os.write(self.fd, line.encode() + b"\n")

    def interrupt(self):
        """Ctrl-C typed at the keyboard: the terminal sends SIGINT to the foreground."""
        os.write(self.fd, b"\x03")

    def wait(self):
        until = time.time() + self.timeout
        while self._read(until):
            pass
        _, status = os.waitpid(self.pid, 0)
        return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)

    def text(self):
        return self.transcript.decode(errors="replace")


class copy_session:
    """`sshkeyctl COMMAND -i id -o UserKnownHostsFile=$KH [extra] -H hosts` (COMMAND: copy
    unless command= says) in a pseudo-terminal
    ($K: the binary, $KH: the known_hosts file), as a context: the steps run inside, then the
    run is waited for, its screen saved to screen, and the script ends with a message unless
    want(status) holds (an int: that status)."""

    def __init__(self, screen, want, *extra, command="copy"):
        self.screen, self.want = screen, want
        self.argv = [os.environ["K"], command, "-i", "id", "-o",
                     "UserKnownHostsFile=" + os.environ["KH"], *extra, "-H", "hosts"]

    def __enter__(self):
        self.t = Pty(self.argv)
        return self.t

    def __exit__(self, kind, value, tb):
        if kind:
            return False
        status = self.t.wait()
        open(self.screen, "w").write(self.t.text())
        ok = self.want(status) if callable(self.want) else status == self.want
        if not ok:
            sys.exit("status %d" % status)
        return False
