# With the article's timers (no linear phase) the SYN gaps double: 1, 2, 4 s,
# predicted from the namespace's sysctls and measured within tolerance.
. "$(dirname "$0")/common.bash"
out=$("$TCPLAB" run --timers article "$(dirname "$0")/../scenarios/A1-doubling.scn" 2>&1)
rc=$?
echo "$out"
[ "$rc" = 0 ] || fail "tcplab run exited $rc"
gaps=$(sed -n 's/^ *[123] \+retransmission \+[0-9.]\+ \+[0-9.]\+ \+[0-9.]\+ \+\([0-9.]\+\) .*/\1/p' <<<"$out" | tr '\n' ' ')
[ "$gaps" = "1.000 2.000 4.000 " ] || fail "predicted gaps: '$gaps', expected 1.000 2.000 4.000"
grep -q "matches the model" <<<"$out" || fail "measured gaps differ from the model"
