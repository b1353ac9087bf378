# A step's own "=> RESULT" judges that step's call, not the side's first of
# its verb, on the kernel and in the model alike:
# - the peer closes and goes away: the second recv returns 0 and the second
#   send fails with EPIPE (a RST received in CLOSE_WAIT leaves EPIPE);
# - the peer resets: the first send fails with ECONNRESET (the socket's error,
#   reported once), the second with EPIPE;
# - a deliberately wrong "=> 10" fails at its own line, with the step, what it
#   expected and what the call returned, and exits 1; the call it judges is not
#   reported a second time as unexpected, while a failed call nothing expects
#   still is, at its own line.
. "$(dirname "$0")/common.bash"
dir=$(cd "$(dirname "$0")/../scenarios" && pwd)
gone="$dir/peer-gone-second-send.scn"
reset="$dir/peer-reset-second-send.scn"
wrong="$dir/wrong-step-result.scn"

# has OUTPUT REGEX WHAT: fails with WHAT when no line of OUTPUT matches REGEX.
has() {
	grep -Eq -- "$2" <<<"$1" || { echo "$1"; fail "$3"; }
}

# The line in FILE of the first line matching REGEX.
line_of() {
	grep -En -- "$2" "$1" | head -1 | cut -d: -f1
}

for runner in run sim; do
	out=$("$TCPLAB" "$runner" "$gone" "$reset" 2>&1)
	rc=$?
	[ "$rc" = 0 ] || { echo "$out"; fail "$runner: the passing scenarios exited $rc"; }
	# Each check names its step as written and shows what the call returned.
	has "$out" '^     PASS  client recv => "hello"  +recv\(\) = 5, "hello"$' "$runner: the first recv is not judged by its bytes"
	has "$out" '^     PASS  client recv => 0  +recv\(\) = 0, ' "$runner: the second recv's end of file is not judged"
	has "$out" '^     PASS  client send 10 bytes => 10  +send\(10 bytes\) = 10$' "$runner: the first send is not judged"
	has "$out" '^     PASS  client send 10 bytes => EPIPE  +send\(10 bytes\) = -1 EPIPE ' \
		"$runner: the second send's EPIPE is not judged"
	has "$out" '^     PASS  client send 10 bytes => ECONNRESET  +send\(10 bytes\) = -1 ECONNRESET ' \
		"$runner: the first send after a reset is not judged"
	n=$(grep -c '^     PASS  .* => ' <<<"$out")
	[ "$n" = 15 ] || { echo "$out"; fail "$runner: expected 15 step results judged, got $n"; }

	out=$("$TCPLAB" "$runner" "$wrong" 2>&1)
	rc=$?
	[ "$rc" = 1 ] || { echo "$out"; fail "$runner: a wrong '=>' exited $rc, not 1"; }
	wrong_at=$(line_of "$wrong" '^client send 10 bytes => 10 +# wrong')
	bare_at=$(line_of "$wrong" '^client send 10 bytes +#')
	has "$out" "^     FAIL  client send 10 bytes => 10  $wrong:$wrong_at: the call's result differs\$" \
		"$runner: the wrong '=>' does not fail at $wrong:$wrong_at"
	has "$out" '^           expected: 10$' "$runner: the failure does not say what was expected"
	has "$out" '^           observed: send\(10 bytes\) = -1 EPIPE \(Broken pipe\)$' \
		"$runner: the failure does not say what the call returned"
	has "$out" "^     FAIL  client send  +$wrong:$bare_at: the call failed and nothing expects it\$" \
		"$runner: the send nothing expects does not fail at $wrong:$bare_at"
	n=$(grep -c '^     FAIL  ' <<<"$out")
	[ "$n" = 2 ] || { echo "$out"; fail "$runner: expected 2 failed checks, got $n"; }
	has "$out" '^     PASS  client send 10 bytes => 10  +send\(10 bytes\) = 10$' \
		"$runner: the first send, expected to succeed, did not pass"

	out=$("$TCPLAB" "$runner" -q "$wrong" 2>&1)
	has "$out" "^   FAIL wrong-step-result: $wrong:$wrong_at: client send 10 bytes => 10: the call's result differs\$" \
		"$runner -q: the first failure is not the wrong '=>' at its line"
done

# JSON lists the step's check like every other.
"$TCPLAB" sim --json - "$wrong" | python3 -c '
import json, sys
line = int(sys.argv[1])
doc = json.load(sys.stdin)
checks = [c for c in doc["checks"] if c["line"] == line]
assert len(checks) == 1, checks
c = checks[0]
assert c["pass"] is False, c
assert c["what"] == "client send 10 bytes => 10", c
assert c["expected"] == "10", c
assert c["observed"].startswith("send(10 bytes) = -1 EPIPE"), c
assert doc["verdict"] == "fail", doc["verdict"]
' "$wrong_at" || fail "sim --json: the wrong '=>' is not a failed check at line $wrong_at"
echo "step results judged on the kernel and in the model"
