# Socket options on the real kernel and in the model (docs/scenario-format.md,
# "Socket options"). Keepalive: the client's probes and its give-up come when
# the timer model predicts from the scenario's TCP_KEEPIDLE, TCP_KEEPINTVL and
# TCP_KEEPCNT, on the kernel and in the simulator, and `run --compare` finds no
# difference in it or in the maxseg, rcvbuf and Nagle scenarios. On the
# kernel's capture, TCP_MAXSEG sets the SYN's MSS option and SO_RCVBUF the
# windows, to values computed here from the options the scenario files set and
# the kernel's rules, never copied from a run. Options the model does not
# honour are named with their line.
. "$(dirname "$0")/common.bash"
dir=$(dirname "$0")/../scenarios
ka=$(dirname "$0")/../../scenarios/loss/keepalive-peer-gone.scn
ms=$dir/maxseg-mss.scn
rb=$dir/rcvbuf-window.scn
ng=$dir/nagle-delayed-ack.scn
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

opt() { # FILE SIDE NAME: the value the scenario gives the option
	sed -n "s/^$2 setsockopt $3 \([0-9a-z]*\).*/\1/p" "$1"
}
idle=$(opt "$ka" client keepidle)
intvl=$(opt "$ka" client keepintvl)
cnt=$(opt "$ka" client keepcnt)
[ -n "$idle" ] && [ -n "$intvl" ] && [ -n "$cnt" ] || fail "could not read the keepalive scenario's options"

# --- keepalive: probes at idle + k x intvl, the reset after cnt unanswered, ETIMEDOUT.
for runner in sim run; do
	out=$("$TCPLAB" "$runner" "$ka") || { echo "$out"; fail "$runner: keepalive-peer-gone failed"; }
	echo "$out"
	[ "$(grep -c '\[keepalive probe\]$' <<<"$out")" = "$cnt" ] || fail "$runner: not $cnt keepalive probes"
	for k in $(seq 0 $((cnt - 1))); do
		at=$((idle + k * intvl))
		grep -qE "^     $k +keepalive probe +[0-9.]+ +[-0-9.]+ +$at\.000 .* ok$" <<<"$out" ||
			fail "$runner: probe $k not predicted at $at s, or not sent when predicted"
	done
	end=$((idle + cnt * intvl))
	grep -q "^     gave up at [0-9.]* s, predicted $end\.000 s: reset (ETIMEDOUT): $cnt probes unanswered, TCP_KEEPCNT $cnt$" <<<"$out" ||
		fail "$runner: the give-up is not predicted at $end s by TCP_KEEPCNT $cnt"
	grep -q "PASS  timers  .*client keepalive probes: $cnt sends as predicted" <<<"$out" ||
		fail "$runner: expect timers did not judge the keepalive probes"
	grep -q 'PASS  client recv .*ETIMEDOUT' <<<"$out" || fail "$runner: recv() did not fail with ETIMEDOUT"
done

# The judgement can fail: one more probe than the scenario expects is a different run.
sed "s/^client setsockopt keepcnt $cnt\$/client setsockopt keepcnt $((cnt + 1))/" "$ka" >"$tmp/keepalive-more.scn"
out=$("$TCPLAB" sim "$tmp/keepalive-more.scn") && fail "sim passed a run with $((cnt + 1)) probes: $out"
grep -q 'FAIL  packet roles' <<<"$out" || fail "the roles check did not see the extra probe: $out"

# --- the kernel against the model: no difference.
out=$("$TCPLAB" run --compare "$ka" "$ms" "$rb" "$ng" 2>&1)
rc=$?
echo "$out"
for f in "$ka" "$ms" "$rb" "$ng"; do
	grep -q "^   PASS $(basename "$f" .scn)\$" <<<"$out" || fail "run --compare: $(basename "$f") differs"
done
[ "$rc" = 0 ] || fail "run --compare exited $rc"
! grep -q DIFFERS <<<"$out" || fail "a difference was printed although every scenario passed"

# --- TCP_MAXSEG on the capture. The first window is the buffer's half (tcp_rmem[1] of a new
# namespace, at the first scaling ratio 1/2), rounded down to the MSS it will receive: the
# client's own, the listener's less the 12 bytes of timestamps (tcp_select_initial_window()).
rmem=$(unshare -n cat /proc/sys/net/ipv4/tcp_rmem | awk '{print $2}')
[ -n "$rmem" ] || fail "cannot read tcp_rmem of a new namespace"
space=$((rmem / 2))
syn_line() { # TIMELINE FLAGS: the first packet line with these flags
	timeline_packets <<<"$1" | grep -m1 "Flags \[$2\]"
}
field() { # LINE NAME: the number after "NAME " in a tcpdump line
	sed -n "s/.*[ ,[]$2 \([0-9]*\).*/\1/p" <<<"$1"
}
run_handshake() { # FILE: runs it on the kernel; sets out, and syn and synack to their packet lines
	out=$("$TCPLAB" run "$1") || { echo "$out"; fail "run $(basename "$1") failed"; }
	syn=$(syn_line "$out" S)
	synack=$(syn_line "$out" "S.")
	echo "$syn"
	echo "$synack"
}
cmss=$(opt "$ms" client maxseg)
smss=$(opt "$ms" server maxseg)
run_handshake "$ms"
[ "$(field "$syn" mss)" = "$cmss" ] || fail "the client's SYN offers MSS $(field "$syn" mss), TCP_MAXSEG is $cmss"
[ "$(field "$synack" mss)" = "$smss" ] || fail "the server's SYN-ACK offers MSS $(field "$synack" mss), TCP_MAXSEG is $smss"
[ "$(field "$syn" win)" = $((space / cmss * cmss)) ] || fail "the SYN's window is not $space rounded down to $cmss"
[ "$(field "$synack" win)" = $((space / (smss - 12) * (smss - 12))) ] ||
	fail "the SYN-ACK's window is not $space rounded down to $((smss - 12))"

# --- SO_RCVBUF on the capture. The kernel keeps twice the value and offers half of that,
# rounded down to the MSS when larger than it; the scale is the least that fits the
# buffer (ilog2 - 15); later windows are the first one, rounded up to the scale.
crb=$(opt "$rb" client rcvbuf)
srb=$(opt "$rb" server rcvbuf)
run_handshake "$rb"
route_mss=$(field "$syn" mss) # neither side set TCP_MAXSEG: the route's MSS
[ -n "$route_mss" ] || fail "no MSS option on the SYN"
first_window() { # BUFFER MSS
	local w=$1
	[ "$w" -gt "$2" ] && w=$(($1 / $2 * $2))
	echo "$w"
}
scale() { # BUFFER
	local n=0 v=$1
	while [ "$v" -gt 1 ]; do v=$((v / 2)); n=$((n + 1)); done
	[ $n -gt 15 ] && echo $((n - 15)) || echo 0
}
cwin=$(first_window "$crb" "$route_mss")
swin=$(first_window "$srb" $((route_mss - 12)))
[ "$(field "$syn" win)" = $((cwin < 65535 ? cwin : 65535)) ] || fail "the client's SYN window is not $cwin"
[ "$(field "$syn" wscale)" = "$(scale "$crb")" ] || fail "the client's SYN scale is not $(scale "$crb")"
[ "$(field "$synack" win)" = $((swin < 65535 ? swin : 65535)) ] || fail "the server's SYN-ACK window is not $swin"
sscale=$(scale "$srb")
[ "$(field "$synack" wscale)" = "$sscale" ] || fail "the server's SYN-ACK scale is not $sscale"
unit=$((1 << sscale))
ack=$(timeline_packets <<<"$out" | grep -m1 "^IP 127.0.0.1.2017 > .*Flags \[\.\], ack 6,") # the greeting's 5 bytes
echo "$ack"
[ "$(field "$ack" win)" = $(((swin + unit - 1) / unit)) ] ||
	fail "the server's ACK of the greeting offers $(field "$ack" win), not $swin rounded up to the scale"

# --- options the model does not honour: sim runs, and names each with its line.
cat >"$tmp/unmodelled.scn" <<'EOF'
title Options the model does not honour
server setsockopt defer_accept 1
server listen
server accept &
client setsockopt sndbuf 4096
client connect
client send "hello"
wait server
expect client connect ok
EOF
out=$("$TCPLAB" sim -q "$tmp/unmodelled.scn") || { echo "$out"; fail "sim refused a scenario with unmodelled options"; }
echo "$out"
grep -q "^   NOTE unmodelled: $tmp/unmodelled.scn:2: setsockopt defer_accept (TCP_DEFER_ACCEPT) is not modelled by the simulator" <<<"$out" ||
	fail "sim does not name TCP_DEFER_ACCEPT with its line"
grep -q "^   NOTE unmodelled: $tmp/unmodelled.scn:5: setsockopt sndbuf (SO_SNDBUF) is not modelled by the simulator" <<<"$out" ||
	fail "sim does not name SO_SNDBUF with its line"
[ "$(grep -c NOTE <<<"$out")" = 2 ] || fail "sim names options it does model"
out=$("$TCPLAB" run -q "$tmp/unmodelled.scn") || { echo "$out"; fail "the kernel refused the options"; }
grep -q NOTE <<<"$out" && fail "run says the kernel does not model an option: $out"

# A value out of the kernel's range stops at its line.
printf 'title t\nclient setsockopt keepidle 40000\n' >"$tmp/range.scn"
out=$("$TCPLAB" sim "$tmp/range.scn" 2>&1)
[ $? = 2 ] || fail "an option out of range is not bad input: $out"
grep -q "range.scn:2: keepidle 40000 out of range 1..32767" <<<"$out" || fail "no FILE:LINE message: $out"
echo "socket options judged on the kernel and in the model"
