# The walkthrough's abnormal cases A1-A4 with fast timers: each side's
# states, the client's errno, every retransmission and give-up as the timer
# model predicts from the namespace's sysctls, and the dropped packets marked
# with the rule that dropped them.
. "$(dirname "$0")/common.bash"
out=$("$TCPLAB" run A1 A2 A3 A4 2>&1)
rc=$?
echo "$out"
[ "$rc" = 0 ] || fail "tcplab run exited $rc"
for id in A1 A2 A3 A4; do
	grep -q "^   PASS $id\$" <<<"$out" || fail "$id did not pass"
	section=$(sed -n "/^== $id /,/^   \(PASS\|FAIL\) $id\$/p" <<<"$out")
	grep -q "DROPPED by rule1\]" <<<"$section" || fail "$id: no packet marked as dropped by rule1"
	grep -q "matches the model" <<<"$section" || fail "$id: no retransmission series matched the model"
	grep -q "walkthrough's gaps" <<<"$section" || fail "$id: the walkthrough's numbers are not shown"
done
