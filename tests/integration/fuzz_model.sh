# The TCP model under libFuzzer for 20 s (fuzz/run): random programs of
# application calls on two stacks, crafted segments, wire faults and time,
# with the model's invariants asserted after every step, under ASan and
# UBSan. Fails on any crash, sanitizer report, leak or broken invariant,
# printing the input that reproduces it; passes only after real fuzzing.
. "$(dirname "$0")/common.bash"
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$("$root/fuzz/run" 20 2>&1)
rc=$?
echo "$out"
[ "$rc" = 0 ] || fail "fuzz/run exited $rc"
line=$(grep '^fuzz tcp_model: PASS' <<<"$out") || fail "no PASS line from fuzz/run"
execs=$(sed -n 's/^fuzz tcp_model: PASS \([0-9]*\) execs.*/\1/p' <<<"$line")
[ "${execs:-0}" -ge 1000 ] || fail "only ${execs:-0} inputs ran in 20 s"
