#!/usr/bin/env python3
"""An account's attack on root's file work (tests/integration/hostile.sh), run as the account.

swap_on_access.py WATCHED DIR TARGET: once a file named WATCHED (an absolute path) has been
read and closed (inotify IN_CLOSE_NOWRITE, the moment root's helper has looked at it), DIR
is renamed aside and replaced by a symbolic link to TARGET, so that whatever root does next
by a path through DIR lands on TARGET. Prints "swapped" and exits; "ready" once watching.
Gives up after 30 s.
"""
import ctypes
import os
import select
import sys

IN_CLOSE_NOWRITE = 0x10
IN_OPEN = 0x20

watched, directory, target = sys.argv[1:4]
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
if fd < 0 or libc.inotify_add_watch(fd, watched.encode(), IN_CLOSE_NOWRITE) < 0:
    sys.exit("inotify: " + os.strerror(ctypes.get_errno()))
print("ready", flush=True)
ready, _, _ = select.select([fd], [], [], 30)
if ready:
    os.rename(directory, directory + ".aside")
    os.symlink(target, directory)
    print("swapped", flush=True)
