# Bad input gets one clear line naming what and where, and a non-zero exit,
# before anything runs.
. "$(dirname "$0")/common.bash"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf 'title bad\nclient connect\nexpect client states CLOSE > SYN_SNET\n' >"$dir/bad.scn"
err=$("$TCPLAB" run "$dir/bad.scn" 2>&1 >/dev/null)
rc=$?
echo "$err"
[ "$rc" = 2 ] || fail "exit status $rc, expected 2"
[ "$(wc -l <<<"$err")" = 1 ] || fail "expected one line"
grep -q "bad.scn:3: .*SYN_SNET" <<<"$err" || fail "error does not name bad.scn:3 and the bad word"

err=$("$TCPLAB" run NOSUCH 2>&1 >/dev/null)
rc=$?
echo "$err"
[ "$rc" = 2 ] || fail "unknown scenario: exit $rc"
grep -q "no scenario 'NOSUCH'" <<<"$err" || fail "unknown scenario not named"

err=$("$TCPLAB" client --port 70000 2>&1)
rc=$?
echo "$err"
[ "$rc" = 2 ] || fail "bad port: exit $rc"
grep -q "70000" <<<"$err" || fail "bad port not named"

err=$("$TCPLAB" frobnicate 2>&1)
[ $? = 2 ] || fail "unknown command accepted"
