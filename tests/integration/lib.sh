# Shared helpers for the integration tests (bash). Each test script sources this file; it
# gets SSHKEYCTL (the binary under test) and TEST_DATA from the environment Meson gives it.
# A test prints what it checks, ends with "N checks passed", and exits non-zero on the first
# failure (77 = skipped, Meson's convention).
set -u
: "${SSHKEYCTL:?SSHKEYCTL must name the binary under test}"
: "${TEST_DATA:?TEST_DATA must name tests/data}"
K=$SSHKEYCTL
CHECKS=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sshkeyctl-it.XXXXXX")
cleanup_hooks=()
cleanup() {
	local h
	for h in "${cleanup_hooks[@]}"; do eval "$h"; done
	rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK" || exit 1

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
pass() {
	CHECKS=$((CHECKS + 1))
}
skip() {
	echo "SKIP: $*"
	exit 77
}
done_checks() {
	echo "$CHECKS checks passed"
	exit 0
}
# same FILE1 FILE2 WHAT: byte-identical files
same() {
	cmp -s "$1" "$2" || { diff -u "$2" "$1" | head -40 >&2; fail "$3"; }
	pass
}
# expect_status N WHAT -- command...: exact exit status
expect_status() {
	local want=$1 what=$2
	shift 3
	"$@"
	local got=$?
	[ "$got" = "$want" ] || fail "$what: exit status $got, expected $want"
	pass
}
mode_of() { stat -c %a "$1"; }
need_root() { [ "$(id -u)" = 0 ] || skip "needs root"; }
need_cmd() { command -v "$1" >/dev/null 2>&1 || skip "needs $1"; }
