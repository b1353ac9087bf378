# What a new user tripped on at the command line: every option either does
# its job or is refused in one line saying why; `--version` and `help CMD`
# exist; ids are found whatever their case; -q says why a scenario failed;
# `--json -` with several scenarios is one JSON document per line.
# (The simulator: no root needed, the same command line as run.)
. "$(dirname "$0")/common.bash"

out=$("$TCPLAB" --version) || fail "--version failed"
[[ $out =~ ^tcplab\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "--version printed: $out"
[ "$("$TCPLAB" help sim)" = "$("$TCPLAB" sim --help)" ] || fail "'help sim' is not 'sim --help'"

refused() { # OPTION-WORD ARGS...: exit 2, one line on stderr naming the option, nothing on stdout
	local word=$1
	shift
	local err rc stdout
	stdout=$("$TCPLAB" "$@" 2>/tmp/tcplab-cli-err.$$)
	rc=$?
	err=$(cat /tmp/tcplab-cli-err.$$)
	rm -f /tmp/tcplab-cli-err.$$
	[ "$rc" = 2 ] || fail "$*: exit $rc, expected 2"
	[ -z "$stdout" ] || fail "$*: printed on stdout: $stdout"
	[ "$(wc -l <<<"$err")" = 1 ] || fail "$*: expected one line on stderr: $err"
	grep -q -- "$word" <<<"$err" || fail "$*: the refusal does not name $word: $err"
	echo "refused: $* -> $err"
}
refused --ascii sim --ascii N3
refused --ladder sim -q --ladder N3
refused --ladder sim --json - --ladder N3
refused --compare run --compare --json /tmp/x.json N3
refused --compare run --compare --ladder N3

out=$("$TCPLAB" sim -q n3) || fail "a lower-case id was not found: $out"
grep -q "^   PASS N3$" <<<"$out" || fail "sim -q n3: $out"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed 's/^expect server close ok/expect server close EBADF/' "$TCPLAB_SCENARIOS/N6.scn" >"$tmp/N6-fails.scn"
line=$(grep -n '^expect server close EBADF' "$tmp/N6-fails.scn" | cut -d: -f1)
out=$("$TCPLAB" sim -q "$tmp/N6-fails.scn") && fail "a failing scenario exited 0"
grep -q "^   FAIL N6-fails: $tmp/N6-fails.scn:$line: server close: the call's result differs$" <<<"$out" ||
	fail "-q does not say where and why it failed: $out"

json=$("$TCPLAB" sim --json - N1 N3 N5) || fail "sim --json - failed"
[ "$(wc -l <<<"$json")" = 3 ] || fail "expected one line per scenario: $(wc -l <<<"$json") lines"
python3 -c '
import json, sys
ids = [json.loads(line)["scenario"]["id"] for line in sys.stdin]
assert ids == ["N1", "N3", "N5"], ids
' <<<"$json" || fail "the lines are not one JSON document each, in order"
# An output path is checked before the lab starts, not after the run.
start=$(date +%s%N)
err=$("$TCPLAB" run --json /nonexistent/x.json N3 2>&1 >/dev/null)
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
[ "$rc" = 2 ] || fail "--json into a missing folder: exit $rc, expected 2"
[ "$err" = "tcplab run: --json /nonexistent/x.json: cannot write in /nonexistent: No such file or directory" ] ||
	fail "--json into a missing folder said: $err"
[ "$ms" -lt 1000 ] || fail "--json into a missing folder took $ms ms: the lab ran first"

# A bad raw nft rule given with --drop is the option's fault, not the scenario file's: bad input.
out=$("$TCPLAB" run --drop 'nft tcp dport 2017 bogus' N3 2>&1)
rc=$?
grep -q "^   REFUSED N3: --drop '.*bogus.*': nft: " <<<"$out" || fail "a bad --drop rule was not blamed on --drop: $out"
[ "$rc" = 2 ] || fail "a bad --drop rule: exit $rc, expected 2"
grep -q "N3.scn" <<<"$(grep ERROR <<<"$out")" && fail "a bad --drop rule was blamed on the scenario file: $out"
# --delay is --drop's twin: a rule without its hold is refused before anything runs, named by the option;
# a good one holds the first SYN 300 ms on the kernel and in the model alike.
err=$("$TCPLAB" run --delay 'from client' N3 2>&1)
rc=$?
[ "$rc" = 2 ] || fail "--delay without 'for': exit $rc, expected 2"
[ "$err" = "tcplab run: --delay 'from client': a delay needs 'for DURATION', how long each packet is held (e.g. delay from client for 50ms)" ] ||
	fail "--delay without 'for' said: $err"
for cmd in run sim; do
	out=$("$TCPLAB" $cmd --delay 'from client flags S count 1 for 300ms' N3 2>&1) || { echo "$out"; fail "$cmd --delay failed"; }
	grep -q "lab     delay rule100 holds .* S for 300ms\$" <<<"$out" || { echo "$out"; fail "$cmd --delay: no hold note"; }
	t=$(sed -n 's/^ *\([0-9.]*\)  client  connect(.*) = 0.*/\1/p' <<<"$out")
	awk -v t="$t" 'BEGIN { exit !(t >= 0.3 && t < 0.36) }' || { echo "$out"; fail "$cmd --delay: connect returned at '$t' s, not 0.3 s"; }
done
out=$("$TCPLAB" sim --delay 'for 1ms' "$TCPLAB_SCENARIOS/../tests/scenarios/wrong-step-result.scn" 2>&1)
grep -q "'tcplab sim --seed 1 --delay \"for 1ms\" .*wrong-step-result.scn' repeats this run" <<<"$out" ||
	{ echo "$out"; fail "sim's repeat line lost the --delay rule"; }
echo "command line as documented"

# The summary's columns stay aligned whatever the ids' lengths.
out=$("$TCPLAB" sim N3 final-ack-lost 2>&1) || fail "sim N3 final-ack-lost failed"
cols=$(grep -E '^   (scenario|N3|final-ack-lost) ' <<<"$out" | awk '{ print index($0, $2) }' | sort -u | wc -l)
[ "$cols" = 1 ] || { echo "$out"; fail "the summary's result column moves with the id's length"; }
