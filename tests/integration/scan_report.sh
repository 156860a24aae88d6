#!/bin/bash
# scan --html: the page tested in headless Chromium as a person uses it (html_report.py):
# it renders offline, its rows are the scan's keys, filters and search work, a click shows
# a key's detail, a comment holding markup stays text; the screenshot is kept in
# meson-logs (TEST_OUTPUT) as part of the test run's output.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../testbed/testbed.sh"
testbed_suite
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || skip "needs Debian's chromium and chromium-driver"
/usr/bin/python3 -c 'import selenium' 2>/dev/null || skip "needs python3-selenium"

U=sktest-ha$$
V=sktest-hb$$
for u in "$U" "$V"; do testbed_add_user "$u" "pw" || fail "useradd $u"; done
KH=$WORK/known_hosts
"$K" keygen -q -f ua --no-passphrase -C "alice@laptop" || fail "keygen"
"$K" keygen -q -f rootkey --no-passphrase -C "root-admin" || fail "keygen"
"$K" keygen -q -t rsa -b 2048 -f rsa2k --no-passphrase -C "<img src=x onerror=\"document.title='pwned'\">" ||
	fail "keygen rsa"
ssh-keygen -q -t dsa -N '' -C old-dsa -f dsa || fail "ssh-keygen dsa"
FP_DSA=$(ssh-keygen -lf dsa.pub | awk '{print $2}')
testbed_host_up web "Match User root
	AuthorizedKeysFile /etc/ssh/root_keys" || fail "host"
cp rootkey.pub "$(testbed_root web)/etc/ssh/root_keys"
cat ua.pub rsa2k.pub dsa.pub >ak
testbed_authorize web "$U" ak
testbed_authorize web "$V" ua.pub
"$K" scan -i rootkey --accept-new -o "UserKnownHostsFile=$KH" --html "$WORK/report.html" \
	"root@127.0.0.1:$(testbed_port web)" >out.txt 2>&1
[ $? = 5 ] || fail "scan --html: $(cat out.txt)"
grep -q "report written to $WORK/report.html" out.txt || fail "no report line: $(cat out.txt)"
[ "$(stat -c %a report.html)" = 600 ] || fail "report mode $(stat -c %a report.html)"
grep -qi '<link\|src="http\|href="http\|@import' report.html && fail "the page refers to something outside it"
pass
shot=${TEST_OUTPUT:-$WORK}/scan-report.png
/usr/bin/python3 "$(dirname "$0")/html_report.py" "$WORK/report.html" "$shot" "$FP_DSA" "$U" ||
	fail "the page in Chromium"
[ -s "$shot" ] || fail "no screenshot"
echo "screenshot: $shot"
pass
done_checks
