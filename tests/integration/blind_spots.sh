# The state tracepoint's blind spots come from the kernel's own events, not
# from sock_diag dumps: a request socket enters SYN_RECV at its SYN (before
# the SYN-ACK), a time-wait socket takes over where the full socket closes,
# and an orphan's FIN-WAIT-2 ends when its timer runs out; each named with
# its source. N3 five times: a dump every 2 ms could not see a request that
# lives microseconds.
. "$(dirname "$0")/common.bash"
for round in 1 2 3 4 5; do
	out=$("$TCPLAB" run N3) || { echo "$out"; fail "N3 failed (round $round)"; }
	syn_recv=$(grep -n ' server  LISTEN -> SYN_RECV   (socket timer: request socket made by this SYN' <<<"$out" | cut -d: -f1)
	synack=$(grep -n 'Flags \[S\.\].*\[handshake 2/3\]' <<<"$out" | cut -d: -f1)
	established=$(grep -n ' server  SYN_RECV -> ESTABLISHED' <<<"$out" | cut -d: -f1)
	[ -n "$syn_recv" ] && [ -n "$synack" ] && [ -n "$established" ] ||
		{ echo "$out"; fail "round $round: the server's request socket is not on the timeline from its timer"; }
	[ "$syn_recv" -lt "$synack" ] && [ "$synack" -lt "$established" ] ||
		{ echo "$out"; fail "round $round: SYN_RECV is not entered at the SYN, before the SYN-ACK"; }
done
out=$("$TCPLAB" run N5 N6) || { echo "$out"; fail "N5 N6 failed"; }
echo "$out"
grep -q ' client  FIN_WAIT2 -> TIME_WAIT   (tracepoint+socket timer: a time-wait socket took over' <<<"$out" ||
	fail "N5: the client's TIME-WAIT is not from the tracepoint and the socket's timer"
grep -q " server  FIN_WAIT2 -> CLOSE   (socket timer: time-wait socket's timer ran out)" <<<"$out" ||
	fail "N6: the orphan's FIN-WAIT-2 does not end on its timer"
grep -q '(sock_diag' <<<"$out" && fail "a state change still comes from a sock_diag dump"
echo "blind spots from kernel events"
