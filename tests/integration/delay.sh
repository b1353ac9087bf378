# A delay rule really holds packets on the kernel: the client's data, held
# 200 ms, is ACKed by the server no sooner than 200 ms after the capture saw
# it leave (and not much later: the hold ends on time), over IPv4 and IPv6;
# "count 1" holds only the first matching packet; the timeline says which
# packet was held and for how long; the model agrees (run --compare); and the
# host's firewall is the same before and after, also when a run is killed
# (SIGKILL) while it holds a packet: no namespace, no process is left.
. "$(dirname "$0")/common.bash"
command -v python3 >/dev/null || skip "python3 is not installed"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/held.scn" <<'SCN'
title A delay rule holds the client's first data segment 200 ms
server listen
server accept &
client connect
wait server
delay from client has P count 1 for 200ms name hold
client send "one"
server recv => "one"
client send "two"       # not held: the rule's count is spent
server recv => "two"
sleep 50ms
expect packets S S. . P. . P. .
SCN
host_before=$(nft list ruleset 2>&1)
for family in "" --ipv6; do
	out=$("$TCPLAB" run $family --json "$dir/run.json" "$dir/held.scn" 2>&1) ||
		{ echo "$out"; fail "run $family: the scenario failed"; }
	grep -q "lab     fault on: delay from client has P count 1 for 200ms name hold\$" <<<"$out" ||
		{ echo "$out"; fail "run $family: no note of the rule going in"; }
	[ "$(grep -c 'lab     delay hold holds .* P\. for 200ms$' <<<"$out")" = 1 ] ||
		{ echo "$out"; fail "run $family: not exactly one hold note for the first data segment"; }
	/usr/bin/env python3 - "$dir/run.json" <<'PY' || { echo "$out"; fail "run $family: the hold's timing is wrong"; }
import json, sys
ev = [e for e in json.load(open(sys.argv[1]))["events"] if e["kind"] == "packet"]
data = [e for e in ev if e["flags"] == "P."]
assert len(data) == 2, "two data segments, got %d" % len(data)
def acked_after(seg):
    # The server's first ACK that covers the segment: its delivery, seen on the capture.
    end = seg["seq"] + seg["len"]
    for e in ev:
        if e["side"] == "server" and e["t_ns"] > seg["t_ns"] and (e["ack"] - end) % 2**32 < 2**31:
            return (e["t_ns"] - seg["t_ns"]) / 1e6
    raise AssertionError("no ACK of the segment at %s" % seg["t_s"])
held, free = acked_after(data[0]), acked_after(data[1])
print("held segment ACKed after %.3f ms, the next after %.3f ms" % (held, free))
assert held >= 200.0, "the held segment arrived %.3f ms after it was sent, before 200 ms" % held
assert held < 260.0, "the held segment arrived %.3f ms after it was sent: the hold ended late" % held
assert free < 40.0, "the segment after the count was held too (%.3f ms)" % free
PY
done
out=$("$TCPLAB" run --compare "$dir/held.scn" 2>&1) || { echo "$out"; fail "run --compare failed"; }
compare_agrees "$out" held

cat >"$dir/killed.scn" <<'SCN'
title Killed while a packet is held
server listen
server accept &
client connect
wait server
delay from client has P for 20s
client send "x"
server recv
SCN
"$TCPLAB" run "$dir/killed.scn" >/dev/null 2>&1 &
pid=$!
sleep 1.5
kill -0 "$pid" 2>/dev/null || fail "the run ended before it was killed"
lsns -t net -n -o COMMAND 2>/dev/null | grep -qF "$dir/killed.scn" || fail "no lab namespace while the packet is held"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
sleep 0.3
! pgrep -f "$dir/killed.scn" >/dev/null || fail "a tcplab process is left after SIGKILL"
! lsns -t net -n -o COMMAND 2>/dev/null | grep -qF "$dir/killed.scn" || fail "a namespace is left after SIGKILL"
[ "$(nft list ruleset 2>&1)" = "$host_before" ] || fail "the host's ruleset changed"
echo "held on time, once; the model agrees; nothing left after SIGKILL mid-hold"
