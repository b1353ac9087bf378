# An independent witness for the blind spots: a bpftrace script on the same
# kernel events (the request and time-wait sockets' own timers, found by
# their handlers' addresses and the sockets by BTF offsets, nothing of
# tcplab's) runs beside tcplab, and both must tell the same story: every
# request and time-wait socket tcplab puts on its timeline, bpftrace saw at
# the same moment (both stamp CLOCK_MONOTONIC: JSON's t0_monotonic_ns joins
# them), and every such socket bpftrace saw start on the run's connection is
# on tcplab's timeline at a state change of that connection.
. "$(dirname "$0")/common.bash"
command -v bpftrace >/dev/null || skip "bpftrace is not installed (scripts/setup.sh installs it)"
tmp=$(mktemp -d)
bt_pid=
cleanup() {
	[ -n "$bt_pid" ] && kill -INT "$bt_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

addr() { grep -E " $1\$" /proc/kallsyms | cut -d' ' -f1; }
# byte offset of MEMBER in STRUCT, from the kernel's BTF
offset() {
	bpftool btf dump file /sys/kernel/btf/vmlinux format raw |
		awk -v s="'$1'" -v m="'$2'" '$2 == "STRUCT" && $3 == s { inside = 1; next }
			inside && /^\t/ { if ($1 == m) { sub("bits_offset=", "", $3); print $3 / 8; exit } next }
			{ inside = 0 }'
}
req=$(addr reqsk_timer_handler)
tw=$(addr tw_timer_handler)
req_off=$(offset request_sock rsk_timer)
tw_off=$(offset inet_timewait_sock tw_timer)
[ -n "$req" ] && [ -n "$tw" ] && [ -n "$req_off" ] && [ -n "$tw_off" ] ||
	fail "cannot find the timer handlers ($req, $tw) or the timers' offsets ($req_off, $tw_off)"

# One line per timer event of a request (req) or time-wait (tw) socket:
# nsecs, which, start/cancel/expire, local port, remote port.
{
	# bpftrace runs BEGIN once every probe is attached: "ready" means listening.
	cat <<BT
BEGIN { printf("ready\n"); }
tracepoint:timer:timer_start
/(uint64)args->function == (uint64)0x$req || (uint64)args->function == (uint64)0x$tw/
{
	\$req = (uint64)args->function == (uint64)0x$req;
	\$sk = (struct sock_common *)((uint64)args->timer - (\$req ? (uint64)$req_off : (uint64)$tw_off));
	printf("%llu %s start %u %u\n", nsecs, \$req ? "req" : "tw", \$sk->skc_num,
	       ((\$sk->skc_dport >> 8) | ((\$sk->skc_dport & 0xff) << 8)) & 0xffff);
}
BT
	for what in cancel:timer_cancel expire:timer_expire_entry; do
		cat <<BT
tracepoint:timer:${what#*:}
/(uint64)((struct timer_list *)args->timer)->function == (uint64)0x$req ||
 (uint64)((struct timer_list *)args->timer)->function == (uint64)0x$tw/
{
	\$req = (uint64)((struct timer_list *)args->timer)->function == (uint64)0x$req;
	\$sk = (struct sock_common *)((uint64)args->timer - (\$req ? (uint64)$req_off : (uint64)$tw_off));
	printf("%llu %s ${what%%:*} %u %u\n", nsecs, \$req ? "req" : "tw", \$sk->skc_num,
	       ((\$sk->skc_dport >> 8) | ((\$sk->skc_dport & 0xff) << 8)) & 0xffff);
}
BT
	done
} >"$tmp/timers.bt"

# bpftrace finds tracepoints through tracefs: mount it in a mount namespace of
# its own, so the host's mounts stay as they were.
unshare -m sh -c 'mount -t tracefs nodev /sys/kernel/tracing && exec bpftrace "$0"' "$tmp/timers.bt" \
	>"$tmp/bpftrace.out" 2>"$tmp/bpftrace.err" &
bt_pid=$!
for _ in $(seq 300); do grep -q '^ready' "$tmp/bpftrace.out" && break; sleep 0.1; done
grep -q '^ready' "$tmp/bpftrace.out" || { cat "$tmp/bpftrace.err"; fail "bpftrace did not attach"; }

for id in N3 N5 N6; do
	"$TCPLAB" run -q --json "$tmp/$id.json" "$id" >/dev/null || fail "$id failed"
done
sleep 0.2
kill -INT "$bt_pid"
wait "$bt_pid" 2>/dev/null
bt_pid=

python3 - "$tmp" <<'PY' || fail "tcplab and bpftrace disagree (above)"
import json, sys
tmp = sys.argv[1]
seen = []  # (ns, which, event, ports)
for line in open(f"{tmp}/bpftrace.out"):
    f = line.split()
    if len(f) == 5 and f[0].isdigit():
        seen.append((int(f[0]), f[1], f[2], frozenset((int(f[3]), int(f[4])))))
WINDOW_NS = 1_000_000  # both stamp CLOCK_MONOTONIC in BPF: microseconds apart at most
bad = 0
for sid in ("N3", "N5", "N6"):
    doc = json.load(open(f"{tmp}/{sid}.json"))
    t0 = doc["settings"]["t0_monotonic_ns"]
    events = doc["events"]
    ours = [e for e in events if e["kind"] == "state" and "socket timer" in e["source"]]
    if not ours:
        print(f"{sid}: no state change from a socket timer"); bad += 1
    conn = set()
    for e in ours:
        ports = frozenset((e["tuple"]["sport"], e["tuple"]["dport"]))
        conn.add(ports)
        which = "req" if "SYN_RECV" in (e["from"], e["to"]) else "tw"
        at = t0 + e["t_ns"]
        match = [s for s in seen if s[1] == which and s[3] == ports and abs(s[0] - at) <= WINDOW_NS]
        print(f"{sid}: {e['from']} -> {e['to']} ({which}) at {e['t_s']:.6f} s: "
              + (f"bpftrace {match[0][2]} {(match[0][0] - at) / 1e3:+.1f} us" if match else "bpftrace saw nothing"))
        bad += not match
    # A time-wait socket that takes over in the state the full socket had
    # (an orphan's FIN-WAIT-2) changes no state: the connection has one path,
    # so the full socket's own change at that moment stands for it.
    last = t0 + max(e["t_ns"] for e in events)
    changes = [e for e in events if e["kind"] == "state"
               and frozenset((e["tuple"]["sport"], e["tuple"]["dport"])) in conn]
    for s in seen:
        if s[2] == "start" and s[3] in conn and t0 <= s[0] <= last:
            if not any(abs(t0 + e["t_ns"] - s[0]) <= WINDOW_NS for e in changes):
                print(f"{sid}: bpftrace saw a {s[1]} timer start at {(s[0] - t0) / 1e9:.6f} s that tcplab has no event for")
                bad += 1
sys.exit(1 if bad else 0)
PY
echo "bpftrace agrees"
