#!/bin/bash
# keygen never loses a key: no overwrite without --force, no write through a symlink, no
# file left behind when writing fails, a fresh 0600 mode when it does replace, the default
# path under the passwd home with ~/.ssh created 0700.
. "$(dirname "$0")/lib.sh"

"$K" keygen -q -f key --no-passphrase || fail "first keygen"
cp key key.orig
cp key.pub key.pub.orig
expect_status 1 "existing key kept" -- setsid "$K" keygen -q -f key --no-passphrase </dev/null 2>err.txt
grep -q "already exists" err.txt || fail "message: $(cat err.txt)"
same key key.orig "existing private key untouched"
same key.pub key.pub.orig "existing public key untouched"

# --force replaces, and the old file's mode does not carry over
chmod 644 key
"$K" keygen -q -f key --no-passphrase --force || fail "keygen --force"
cmp -s key key.orig && fail "--force did not replace the key"
[ "$(mode_of key)" = 600 ] || fail "replaced key has mode $(mode_of key)"
pass

# a symlink at the key path (or its .pub) is refused, its target untouched
echo precious >target
ln -s target link
expect_status 1 "symlink refused" -- "$K" keygen -q -f link --no-passphrase --force 2>err.txt
grep -q "symbolic link" err.txt || fail "symlink message: $(cat err.txt)"
[ "$(cat target)" = precious ] || fail "symlink target changed"
ln -s target link2.pub
expect_status 1 "symlinked .pub refused" -- "$K" keygen -q -f link2 --no-passphrase 2>/dev/null
[ -e link2 ] && fail "private key left behind after a refused .pub"
[ "$(cat target)" = precious ] || fail "symlink target changed"
pass

# a directory we cannot write: error, nothing left
if [ "$(id -u)" != 0 ]; then
	mkdir ro && chmod 555 ro
	expect_status 1 "read-only directory" -- "$K" keygen -q -f ro/key --no-passphrase 2>/dev/null
	[ -z "$(ls -A ro)" ] || fail "files left in a read-only directory"
fi

if [ "$(id -u)" = 0 ]; then
	# a full disk: a 64 KiB tmpfs filled up; the key write fails and leaves nothing
	mkdir full
	if mount -t tmpfs -o size=64k tmpfs full 2>/dev/null; then
		cleanup_hooks+=("umount '$WORK/full'")
		dd if=/dev/zero of=full/filler bs=4k count=100 2>/dev/null
		expect_status 1 "full disk" -- "$K" keygen -q -t rsa -b 4096 -f full/key --no-passphrase 2>err.txt
		grep -q "No space left" err.txt || fail "full disk message: $(cat err.txt)"
		[ "$(ls full)" = filler ] || fail "files left on a full disk: $(ls full)"
		# read-only file system (root ignores directory modes)
		mount -o remount,ro full
		expect_status 1 "read-only file system" -- "$K" keygen -q -f full/key2 --no-passphrase 2>/dev/null
		[ "$(ls full)" = filler ] || fail "files left on a read-only file system"
	fi

	# the default path is ~/.ssh/id_TYPE under the passwd home, ~/.ssh created 0700
	user="skt$$"
	useradd -M -d "$WORK/home" -s /bin/sh "$user" || fail "useradd"
	cleanup_hooks+=("userdel '$user' 2>/dev/null")
	mkdir -m 755 home && chown "$user" home
	chmod 755 "$WORK"
	HOME=/nonexistent setpriv --reuid "$user" --regid "$user" --clear-groups \
		"$K" keygen -t ecdsa --no-passphrase >out.txt 2>&1 || fail "keygen as $user: $(cat out.txt)"
	grep -qx "Created directory '$WORK/home/.ssh'." out.txt || fail "no 'Created directory' line"
	[ "$(mode_of home/.ssh)" = 700 ] || fail ".ssh mode $(mode_of home/.ssh)"
	[ -f home/.ssh/id_ecdsa ] && [ -f home/.ssh/id_ecdsa.pub ] || fail "default path"
	[ "$(stat -c %U home/.ssh/id_ecdsa)" = "$user" ] || fail "owner"
	grep -q " $user@$(hostname)\$" home/.ssh/id_ecdsa.pub || fail "default comment"
	pass
	# while a passphrase may be in memory: no core file, and the user's other processes
	# cannot read our memory (not dumpable: /proc/PID is root's)
	mkfifo home/pp
	chown "$user" home/pp
	HOME=/nonexistent setpriv --reuid "$user" --regid "$user" --clear-groups \
		"$K" keygen -t ed25519 -f home/k --passphrase-file home/pp >out.txt 2>&1 &
	pid=$!
	for _ in $(seq 100); do [ -e "/proc/$pid/limits" ] && grep -q . "/proc/$pid/cmdline" && break; sleep 0.02; done
	sleep 0.2
	grep -q "^Max core file size *0 *0 " "/proc/$pid/limits" || fail "core files allowed: $(grep core "/proc/$pid/limits")"
	[ "$(stat -c %u "/proc/$pid/mem")" = 0 ] || fail "memory readable by the user's other processes"
	echo "a passphrase" >home/pp
	wait "$pid" || fail "keygen with a passphrase from a FIFO: $(cat out.txt)"
	[ -f home/k ] || fail "no key"
	pass
fi
done_checks
