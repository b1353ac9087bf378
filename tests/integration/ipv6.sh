# Every shipped scenario runs unchanged over IPv6 (--ipv6: 127.0.0.1 becomes
# ::1). The kernel is the judge:
#  - `run --compare --ipv6` runs the walkthrough's ten (N1-N6, A1-A4) on the
#    kernel and in the model: each one's expectations hold on both, and no
#    difference is found (packets, state paths, retransmission times);
#  - `sim --ipv6` passes them all, with IPv6 packets only;
#  - a kernel run of N1-N6 with --pcap: tcpdump reads each capture back to the
#    very "IP6 ..." lines tcplab printed, the snapshots list tcp6 sockets as
#    [::1]:PORT, and the JSON documents validate against the schema with
#    IPv6 tuples.
#  - N5 at the lab's own address, fd00::1: kernel, model and tcpdump agree.
# The MSS and first windows are not written here: the comparison holds the
# model's (derived from lo's MTU by the kernel's rules) against the kernel's.
. "$(dirname "$0")/common.bash"
command -v tcpdump >/dev/null || skip "tcpdump is not installed"
root=$(cd "$(dirname "$0")/../.." && pwd)
scenarios=${TCPLAB_SCENARIOS:-$root/scenarios}
ids=$(for f in "$scenarios"/*.scn; do basename "$f" .scn; done)
[ -n "$ids" ] || fail "no scenarios in $scenarios"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# Four at a time: ten sanitizer-built runs at once on two cores delayed the
# kernel's own timers past the timer wheel's allowance (A4's give-up, 180 ms).
out=$("$TCPLAB" run --compare --ipv6 --jobs 4 2>&1)
rc=$?
echo "$out"
# shellcheck disable=SC2086
compare_agrees "$out" $ids
[ "$rc" = 0 ] || fail "tcplab run --compare --ipv6 exited $rc"
[ "$(grep -c "^   over IPv6: the server at ::1$" <<<"$out")" = "$(wc -w <<<"$ids")" ] ||
	fail "not every comparison's header says it ran over IPv6"

out=$("$TCPLAB" sim --ipv6 2>&1)
rc=$?
[ "$rc" = 0 ] || { echo "$out"; fail "tcplab sim --ipv6 exited $rc"; }
grep -q "^   $(wc -w <<<"$ids") of $(wc -w <<<"$ids") scenarios passed" <<<"$out" || fail "sim --ipv6 did not pass them all"
timeline_packets <<<"$out" >"$dir/sim"
[ -s "$dir/sim" ] || fail "sim --ipv6 printed no packet lines"
! grep -v '^IP6 ::1\.[0-9]* > ::1\.[0-9]*: ' "$dir/sim" || fail "sim --ipv6 printed packets that are not ::1 to ::1"

normal="N1 N2 N3 N4 N5 N6"
out=$("$TCPLAB" run --ipv6 --pcap "$dir/v6.pcap" --json "$dir/v6.json" $normal 2>&1)
rc=$?
echo "$out"
[ "$rc" = 0 ] || fail "tcplab run --ipv6 $normal exited $rc"
grep -q '^                       tcp6       0      0 \[::1\]:2017              \[::\]:\*  *LISTEN' <<<"$out" ||
	fail "no snapshot lists the IPv6 listener as tcp6 [::1]:2017"
for id in $normal; do
	# The scenario's own section of the output: its timeline's packet lines.
	awk -v id="$id" '/^== /{ on = ($2 == id) } on' <<<"$out" | timeline_packets >"$dir/ours-$id"
	tcpdump -nn -r "$dir/v6-$id.pcap" 2>/dev/null | cut -d' ' -f2- >"$dir/theirs-$id"
	diff -u "$dir/theirs-$id" "$dir/ours-$id" || fail "$id: tcpdump's text of the IPv6 capture differs from tcplab's"
done
[ -s "$dir/ours-N5" ] || fail "N5 printed no packet lines"

py=$(schema_python) || { rc=$?; echo "$py"; exit $rc; }
"$py" - "$root/docs/tcplab-run.schema.json" "$dir"/v6-N*.json <<'PY' || fail "an IPv6 JSON document is not valid"
import json, sys
from jsonschema import Draft202012Validator
schema = json.load(open(sys.argv[1]))
for path in sys.argv[2:]:
    doc = json.load(open(path))
    Draft202012Validator(schema).validate(doc)
    tuples = [e["tuple"] for e in doc["events"] if "tuple" in e]
    assert tuples, path + ": no tuples"
    for t in tuples:
        assert t["saddr"] == "::1" and t["daddr"] in ("::1", "::"), (path, t)
PY

# The lab's own IPv6 address (not loopback's): N5 with `host fd00::1` runs on
# the kernel from that address to it, the model agrees, and tcpdump reads
# the capture back to tcplab's lines.
sed '/^title/a host fd00::1' "$scenarios/N5.scn" >"$dir/N5-own.scn"
out=$("$TCPLAB" run --compare "$dir/N5-own.scn" 2>&1)
echo "$out"
compare_agrees "$out" N5-own
out=$("$TCPLAB" run --pcap "$dir/own.pcap" "$dir/N5-own.scn" 2>&1) || { echo "$out"; fail "N5 at fd00::1 failed"; }
timeline_packets <<<"$out" >"$dir/ours-own"
grep -q '^IP6 fd00::1\.[0-9]* > fd00::1\.2017: Flags \[S\]' "$dir/ours-own" || fail "N5 at fd00::1: no SYN from fd00::1"
tcpdump -nn -r "$dir/own.pcap" 2>/dev/null | cut -d' ' -f2- | diff -u - "$dir/ours-own" ||
	fail "N5 at fd00::1: tcpdump's text differs from tcplab's"
