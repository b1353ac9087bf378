# A retransmission series ends in one of several ways, and each is judged by
# what the model predicts up to that end: a FIN lost once and a SYN-ACK lost
# once are acknowledged after a resend, not judged as give-ups; the walkthrough's
# A3 still ends by the kernel giving up. On the kernel and in the model.
. "$(dirname "$0")/common.bash"
for runner in sim run; do
	out=$("$TCPLAB" "$runner" fin-lost-once synack-lost-once A3) ||
		{ echo "$out"; fail "$runner: a scenario failed"; }
	echo "$out"
	n=$(grep -c '^     acknowledged by the peer at [0-9.]* s after [0-9]* sends; the model predicts ' <<<"$out")
	[ "$n" = 3 ] || fail "$runner: expected 3 series ended by acknowledgement (FIN; SYN and SYN-ACK), got $n"
	grep -q '^     gave up at [0-9.]* s, predicted [0-9.]* s: destroyed silently' <<<"$out" ||
		fail "$runner: A3's series no longer ends by the kernel giving up"
	grep -q 'DIFFERS from the model' <<<"$out" && fail "$runner: a series differs from the model"
done
json=$("$TCPLAB" sim --json - fin-lost-once) || fail "sim --json failed"
python3 -c '
import json, sys
doc = json.loads(sys.stdin.read())
s = doc["series"][0]
assert s["end"] == "acknowledged", s["end"]
assert s["gave_up_s"] is None, s["gave_up_s"]
assert 0.2 < s["end_s"] < 0.3, s["end_s"]
' <<<"$json" || fail "JSON does not say the series was acknowledged"
echo "series ends judged by kind"
