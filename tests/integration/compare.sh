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

out=$("$TCPLAB" run --compare 2>&1)
rc=$?
echo "$out"
bad=""
for id in $ids; do
	grep -q "^   PASS $id\$" <<<"$out" || bad="$bad $id"
done
[ -z "$bad" ] || fail "the model differs from the kernel in:$bad (tables above)"
[ "$rc" = 0 ] || fail "tcplab run --compare exited $rc"
! grep -q "DIFFERS" <<<"$out" || fail "a difference was printed although every scenario passed"
