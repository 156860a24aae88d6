#!/bin/bash
# passwd adds, changes and removes a passphrase; ssh-keygen reads every result; a wrong old
# passphrase changes nothing; the file is replaced atomically with mode 0600.
. "$(dirname "$0")/lib.sh"
need_cmd ssh-keygen

ssh-keygen -q -t ed25519 -N '' -C "the comment" -f key
cp key.pub pub.orig
"$K" passwd -f key -N first >out.txt || fail "add passphrase"
grep -q "^Key has comment 'the comment'" out.txt || fail "comment line: $(cat out.txt)"
grep -q "saved with the new passphrase" out.txt || fail "saved line"
ssh-keygen -y -P first -f key >y.txt || fail "ssh-keygen with the new passphrase"
same y.txt pub.orig "same key after adding a passphrase"
ssh-keygen -y -P '' -f key >/dev/null 2>&1 && fail "key still opens without a passphrase"
pass

echo second >new.txt
echo first >old.txt
"$K" passwd -q -f key --old-passphrase-file old.txt --passphrase-file new.txt || fail "change"
ssh-keygen -y -P second -f key >y.txt && same y.txt pub.orig "changed"
[ "$(mode_of key)" = 600 ] || fail "mode $(mode_of key)"

cp key key.before
expect_status 4 "wrong old passphrase" -- "$K" passwd -q -f key -P wrong -N third 2>err.txt
grep -q "incorrect passphrase" err.txt || fail "message: $(cat err.txt)"
same key key.before "a wrong old passphrase changes nothing"
expect_status 4 "no old passphrase without terminal" -- setsid "$K" passwd -q -f key -N x </dev/null 2>/dev/null
same key key.before "nothing changed without the old passphrase"

"$K" passwd -q -f key -P second --no-passphrase || fail "remove"
ssh-keygen -y -P '' -f key >y.txt && same y.txt pub.orig "removed"

# keys in PEM come out in openssh-key-v1, as ssh-keygen -p does
ssh-keygen -q -t rsa -m PEM -N oldpass -f pem
ssh-keygen -y -f pem -P oldpass >pem.want
"$K" passwd -q -f pem -P oldpass -N new || fail "PEM key"
grep -q "BEGIN OPENSSH PRIVATE KEY" pem || fail "PEM not converted"
ssh-keygen -y -P new -f pem >y.txt && same y.txt pem.want "PEM key kept"

# a symlink is not followed
ln -s key link
expect_status 1 "symlink" -- "$K" passwd -q -f link -N x 2>/dev/null
ssh-keygen -y -P '' -f key >/dev/null || fail "symlink target changed"
[ -z "$(ls | grep tmp-)" ] || fail "temporary files left"
pass
done_checks
