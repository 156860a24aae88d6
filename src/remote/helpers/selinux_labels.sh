# sshkeyctl doctor's SELinux look, run as the account (src/ops/doctor_selinux.c): whether
# SELinux is on (selinuxfs), then for each "file PATH" / "dir PATH" line on stdin, its
# context and the one the policy gives it (matchpathcon reads the world-readable
# file_contexts). POSIX sh; embedded in sshkeyctl at build time.
e=$(cat /sys/fs/selinux/enforce 2>/dev/null) || {
	echo disabled
	exit 0
}
echo "enforce $e"
command -v matchpathcon >/dev/null 2>&1 || {
	echo no-matchpathcon
	exit 0
}
while IFS= read -r line; do
	kind=${line%% *} p=${line#* }
	[ -e "$p" ] || continue
	cur=$(stat -c %C -- "$p" 2>/dev/null) || continue
	want=$(matchpathcon -n -m "$kind" -- "$p" 2>/dev/null) || continue
	echo "label $cur $want $p"
done
