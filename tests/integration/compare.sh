# The model conforms to the kernel: every shipped scenario runs on the real
# kernel and in the simulator with the same timer profile, and
# `tcplab run --compare` finds no difference in the packets (sender, flags,
# role, relative seq/ack, length, drops), in either side's state path, or
# in the retransmission times (2 ms + 2 %). Any difference fails the test
# and is printed as the comparison printed it (docs/compare.md).
. "$(dirname "$0")/common.bash"
scenarios=${TCPLAB_SCENARIOS:-$(cd "$(dirname "$0")/../.." && pwd)/scenarios}
ids=$(for f in "$scenarios"/*.scn; do basename "$f" .scn; done)
[ -n "$ids" ] || fail "no scenarios in $scenarios"

# Four at a time: ten sanitizer-built runs at once on two cores delayed the
# kernel's own timers past the timer wheel's allowance (A4's give-up, 180 ms).
out=$("$TCPLAB" run --compare --jobs 4 2>&1)
rc=$?
echo "$out"
# shellcheck disable=SC2086
compare_agrees "$out" $ids
[ "$rc" = 0 ] || fail "tcplab run --compare exited $rc"

# A comparison that agrees is no pass when both runs miss what the scenario
# expects: the expectation is judged on each side, and the summary says so.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed 's/^expect client connect ok$/expect client connect ECONNREFUSED/' "$scenarios/N3.scn" >"$tmp/N3-refused.scn"
line=$(grep -n '^expect client connect ECONNREFUSED$' "$tmp/N3-refused.scn" | cut -d: -f1)
[ -n "$line" ] || fail "N3.scn no longer expects 'client connect ok'"
out=$("$TCPLAB" run --compare "$tmp/N3-refused.scn" 2>&1)
rc=$?
echo "$out"
[ "$rc" = 1 ] || fail "run --compare of a scenario whose expectation fails exited $rc, expected 1"
for where in "on the kernel" "in the model"; do
	grep -q "^   ! $where: $tmp/N3-refused.scn:$line: client connect: the call's result differs" <<<"$out" ||
		fail "the failed expectation is not shown $where"
done
grep -q "^   N3-refused: the scenario's expectations fail on the kernel (1) and in the model (1)$" <<<"$out" ||
	fail "the summary does not say which side failed"
grep -q "^   FAIL N3-refused$" <<<"$out" || fail "no FAIL verdict"
