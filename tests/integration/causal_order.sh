# On the real kernel, with the CPU busy so that the capture's and the
# tracer's clocks drift apart the most, every effect the timeline shows
# comes after the packet that caused it: a RST's reception after the RST,
# SYN-SENT -> ESTABLISHED after the SYN-ACK, ESTABLISHED -> CLOSE_WAIT after
# the FIN.
. "$(dirname "$0")/common.bash"
hogs=()
for _ in 1 2; do
	timeout 60 sh -c 'while :; do :; done' &
	hogs+=($!)
done
trap 'kill "${hogs[@]}" 2>/dev/null' EXIT
for round in 1 2 3; do
	out=$("$TCPLAB" run N1 N4 N6) || fail "run N1 N4 N6 failed (round $round): $out"
	# Each scenario's timeline lines, in order; the client's port is the one that is not 2017.
	bad=$(awk '
		/^== / { seen_rst = seen_synack = seen_fin = 0 }
		/Flags \[R/ { seen_rst = 1 }
		/2017 > 127\.0\.0\.1\.[0-9]+: Flags \[S\.\]/ { seen_synack = 1 }
		/2017 > 127\.0\.0\.1\.[0-9]+: Flags \[F/ { seen_fin = 1 }
		/ client  socket .* receives RST/ && !seen_rst { print "RST received before any RST: " $0 }
		/ client  SYN_SENT -> ESTABLISHED/ && !seen_synack { print "ESTABLISHED before the SYN-ACK: " $0 }
		/ client  ESTABLISHED -> CLOSE_WAIT/ && !seen_fin { print "CLOSE_WAIT before the FIN: " $0 }
	' <<<"$out")
	[ -z "$bad" ] || { echo "$out"; fail "round $round: $bad"; }
	echo "round $round: causal ($(grep -c 'placed by cause' <<<"$out") timelines needed reordering)"
done
