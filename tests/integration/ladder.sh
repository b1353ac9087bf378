# The ladder diagram in the terminal (--ladder): N3's three handshake arrows
# labelled 1/3, 2/3, 3/3 in order and pointing the right way, ESTABLISHED
# written beside both columns; N5's merged teardown 2+3 arriving from the
# server and the client's TIME_WAIT. Glyphs may be Unicode or the ASCII
# fallback.
. "$(dirname "$0")/common.bash"

# The arrow that carries ROLE: the role's own line, or the next line when the
# role had no room on its arrow and was written above it. Only ladder lines
# count (they hold a column bar), not the timeline's packet lines.
arrow_with() {
	awk -v role="$1" '
		above { print; exit }
		index($0, role) && $0 ~ /(│|\|)/ { if ($0 ~ /(▶|◀|>|<)/) { print; exit } above = 1 }'
}

# A packet arrow from the client (left) to the server (right), and back.
rightward='(├|\|)(─|-)+ .*(─|-)(▶|>)(│|\|)'
leftward='(│|\|)(◀|<)(─|-)+ .*(─|-)(┤|\|)'

out=$("$TCPLAB" run N3 --ladder 2>&1)
rc=$?
echo "$out"
[ "$rc" = 0 ] || fail "tcplab run N3 --ladder exited $rc"
a1=$(arrow_with "handshake 1/3" <<<"$out")
a2=$(arrow_with "handshake 2/3" <<<"$out")
a3=$(arrow_with "handshake 3/3" <<<"$out")
grep -Eq "$rightward" <<<"$a1" && grep -q " S seq 0 len 0 " <<<"$a1" ||
	fail "no client-to-server S arrow labelled handshake 1/3: '$a1'"
grep -Eq "$leftward" <<<"$a2" && grep -q " S\. seq 0 ack 1 len 0 " <<<"$a2" ||
	fail "no server-to-client S. arrow labelled handshake 2/3: '$a2'"
grep -Eq "$rightward" <<<"$a3" && grep -q " \. seq 1 ack 1 len 0 " <<<"$a3" ||
	fail "no client-to-server . arrow labelled handshake 3/3: '$a3'"
order=$(grep -E '(│|\|)' <<<"$out" | grep -o 'handshake [123]/3' | tr '\n' ' ')
[ "$order" = "handshake 1/3 handshake 2/3 handshake 3/3 " ] || fail "handshake roles in order: $order"
grep -Eq '^ *[0-9]+\.[0-9]{6} +ESTABLISHED (│|\|)' <<<"$out" || fail "no ESTABLISHED beside the client's column"
grep -Eq '(│|\|) ESTABLISHED *$' <<<"$out" || fail "no ESTABLISHED beside the server's column"

out=$("$TCPLAB" run N5 --ladder 2>&1)
rc=$?
echo "$out"
[ "$rc" = 0 ] || fail "tcplab run N5 --ladder exited $rc"
a23=$(arrow_with "teardown 2+3" <<<"$out")
grep -Eq "$leftward" <<<"$a23" && grep -q " F\. seq 1 ack 7 len 0 " <<<"$a23" ||
	fail "no server-to-client F. arrow labelled teardown 2+3: '$a23'"
grep -Eq '^ *[0-9]+\.[0-9]{6} +TIME_WAIT (│|\|)' <<<"$out" || fail "no TIME_WAIT beside the client's column"
grep -Eq '^ *[0-9]+\.[0-9]{6} +FIN_WAIT2 (│|\|)' <<<"$out" || fail "no FIN_WAIT2 beside the client's column"
