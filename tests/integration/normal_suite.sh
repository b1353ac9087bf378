# The walkthrough's normal cases N1-N6 pass on the real kernel: every
# scenario's expected state paths, packet flags, roles and call results hold.
. "$(dirname "$0")/common.bash"
out=$("$TCPLAB" run N1 N2 N3 N4 N5 N6 2>&1)
rc=$?
echo "$out"
[ "$rc" = 0 ] || fail "tcplab run exited $rc"
for id in N1 N2 N3 N4 N5 N6; do
	grep -q "^   PASS $id\$" <<<"$out" || fail "$id did not pass"
done
grep -q "^   6 of 6 scenarios passed" <<<"$out" || fail "summary does not say 6 of 6"
