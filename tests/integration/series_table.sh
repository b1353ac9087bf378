# The retransmission table reads without guessing: every column has a
# header, what "ok" is measured against is said, and series in the timers
# check are joined by "; " (simulator: no root needed, same renderer as run).
. "$(dirname "$0")/common.bash"
out=$("$TCPLAB" sim A2 A4) || fail "sim A2 A4 failed"
echo "$out"
tables=$(grep -c '^   retransmissions: ' <<<"$out")
[ "$tables" -ge 3 ] || fail "expected at least 3 retransmission tables, got $tables"
headers=$(grep -cE '^     #  +send +at \(s\) +gap \(s\) +predicted +pred\. gap +(walk\. gap +)?vs model$' <<<"$out")
[ "$headers" = "$tables" ] || fail "$headers of $tables tables have a header for every column"
legends=$(grep -c '^     (vs model: ok when sent no earlier than predicted' <<<"$out")
[ "$legends" = "$tables" ] || fail "$legends of $tables tables say what ok is measured against"
# The verdict column sits under its header in every row.
col=$(grep -m1 -b -o 'vs model$' <<<"$(grep -m1 -E '^     # ' <<<"$out")" | cut -d: -f1)
while IFS= read -r row; do
	[ "${row:$col:2}" = ok ] || fail "verdict not under its header: $row"
done < <(grep -E '^     [0-9]+ ' <<<"$out" | head -5)
timers=$(grep -m1 'PASS  timers ' <<<"$out")
grep -q ' ;' <<<"$timers" && fail "stray ' ;' in: $timers"
grep -q 'as predicted; server' <<<"$timers" || fail "series not joined by '; ' in: $timers"
echo "series tables read cleanly"
