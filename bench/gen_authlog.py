#!/usr/bin/env python3
"""bench/gen_authlog.py SIZE_MB OUT: a realistic auth.log of about SIZE_MB megabytes.

As Debian 12's rsyslog writes it (RFC 3339 high-precision headers), with what a server
facing the internet logs: password guessing from many addresses (invalid users, root,
"Connection closed by authenticating user", preauth disconnects, MaxAuthTries), real
sessions (publickey and some password logins, PAM session lines, logind, sudo, cron), and
the message forms of several OpenSSH versions (sshd before 9.8, sshd-session after; Invalid
user with and without its port). Deterministic (seeded)."""
import random
import sys

size = int(sys.argv[1]) * 1024 * 1024
out = open(sys.argv[2], "w")
rng = random.Random(42)
users = ["root", "admin", "test", "oracle", "ubuntu", "user", "postgres", "git", "pi", "guest",
         "ftpuser", "deploy", "www-data", "support", "jenkins"]
accounts = ["alice", "bob", "deploy", "backup"]
fps = ["SHA256:%s" % "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
                             for _ in range(43)) for _ in range(8)]
attackers = ["%d.%d.%d.%d" % (rng.randrange(1, 224), rng.randrange(256), rng.randrange(256),
                              rng.randrange(1, 255)) for _ in range(5000)]
t = 1796083200 - 30 * 86400  # 30 days back
pid = 1000
written = 0


def header(prog):
    global t, pid
    t += rng.random() * 0.5
    pid = (pid + rng.randrange(1, 7)) % 4000000
    secs = int(t)
    frac = int((t - secs) * 1e6)
    import time as _t
    tm = _t.gmtime(secs)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06d+00:00 web1 %s[%d]: " % (
        tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac, prog, pid)


chunk = []
while written < size:
    r = rng.random()
    prog = "sshd" if t < 1796083200 - 15 * 86400 else "sshd-session"
    if r < 0.55:  # an attacker's try
        ip = rng.choice(attackers)
        port = rng.randrange(1024, 65535)
        u = rng.choice(users)
        if u != "root" and rng.random() < 0.7:
            if rng.random() < 0.5:
                chunk.append(header(prog) + "Invalid user %s from %s port %d\n" % (u, ip, port))
            else:
                chunk.append(header(prog) + "Invalid user %s from %s\n" % (u, ip))
            chunk.append(header("sshd") + "pam_unix(sshd:auth): check pass; user unknown\n")
            chunk.append(header(prog) + "Failed password for invalid user %s from %s port %d ssh2\n" % (u, ip, port))
            chunk.append(header(prog) + "Connection closed by invalid user %s %s port %d [preauth]\n" % (u, ip, port))
        else:
            chunk.append(header("sshd") + "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=%s  user=%s\n" % (ip, u))
            chunk.append(header(prog) + "Failed password for %s from %s port %d ssh2\n" % (u, ip, port))
            if rng.random() < 0.1:
                chunk.append(header(prog) + "error: maximum authentication attempts exceeded for %s from %s port %d ssh2 [preauth]\n" % (u, ip, port))
                chunk.append(header(prog) + "Disconnecting authenticating user %s %s port %d: Too many authentication failures [preauth]\n" % (u, ip, port))
            else:
                chunk.append(header(prog) + "Connection closed by authenticating user %s %s port %d [preauth]\n" % (u, ip, port))
    elif r < 0.65:  # scanners
        ip = rng.choice(attackers)
        chunk.append(header(prog) + "Received disconnect from %s port %d:11: Bye Bye [preauth]\n" % (ip, rng.randrange(1024, 65535)))
        chunk.append(header(prog) + "Disconnected from %s port %d [preauth]\n" % (ip, rng.randrange(1024, 65535)))
    elif r < 0.72:  # a real session
        a = rng.choice(accounts)
        ip = "10.0.%d.%d" % (rng.randrange(4), rng.randrange(1, 50))
        port = rng.randrange(1024, 65535)
        if rng.random() < 0.9:
            chunk.append(header(prog) + "Accepted publickey for %s from %s port %d ssh2: ED25519 %s\n" % (a, ip, port, rng.choice(fps)))
        else:
            chunk.append(header(prog) + "Accepted password for %s from %s port %d ssh2\n" % (a, ip, port))
        chunk.append(header(prog) + "pam_unix(sshd:session): session opened for user %s(uid=1000) by (uid=0)\n" % a)
        chunk.append(header("systemd-logind") + "New session %d of user %s.\n" % (rng.randrange(100000), a))
        chunk.append(header(prog) + "pam_unix(sshd:session): session closed for user %s\n" % a)
    elif r < 0.90:  # the rest of the system
        chunk.append(header("CRON") + "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)\n")
        chunk.append(header("CRON") + "pam_unix(cron:session): session closed for user root\n")
    elif r < 0.97:
        chunk.append(header("sudo") + "   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt-get update\n")
    else:  # misconfigurations
        k = rng.random()
        if k < 0.4:
            chunk.append(header(prog) + "Authentication refused: bad ownership or modes for directory /home/backup\n")
        elif k < 0.7:
            chunk.append(header(prog) + "User bob from 10.0.1.7 not allowed because listed in DenyUsers\n")
        else:
            chunk.append(header(prog) + "userauth_pubkey: signature algorithm ssh-rsa not in PubkeyAcceptedAlgorithms [preauth]\n")
    if len(chunk) > 4096:
        text = "".join(chunk)
        out.write(text)
        written += len(text)
        chunk = []
out.write("".join(chunk))
out.close()
