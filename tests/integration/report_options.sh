# `tcplab report` takes every option `run` and `sim` take, through the same
# path: --drop and --time-wait change the runs, and the page and the files
# beside it show the change. On the kernel (N3 with the server's SYN-ACK
# dropped once; N5 waiting out TIME-WAIT, which takes Linux's fixed 60 s) and
# on the model. The verdict may be FAIL (the checks expect no drop): what
# matters is that the run had the fault and the page says so.
. "$(dirname "$0")/common.bash"
py=/usr/bin/python3
[ -x "$py" ] || skip "python3 is missing"
[ "$(id -u)" = 0 ] || skip "the kernel half of this test needs root"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
drop='from server flags S. count 1'

# report_ok NAME: the command's exit status was a verdict (0 or 1), not an error.
report_ok() {
	local rc
	rc=$(cat "$out/$1.rc")
	cat "$out/$1.out"
	[ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "$1: tcplab report exited $rc"
	grep -q "report: $out/$1/index.html" "$out/$1.out" || fail "$1: the page is not named"
}

# shows_drop NAME: the page and N3.json show the SYN-ACK dropped by the --drop rule.
shows_drop() {
	grep -q "fault on: drop from server flags S. count 1" "$out/$1/index.html" || fail "$1: the page does not show the --drop rule"
	grep -q "dropped by rule100" "$out/$1/index.html" || fail "$1: the page's ladder shows no dropped packet"
	"$py" - "$out/$1/N3.json" <<'PY' || fail "$1: N3.json has no SYN-ACK dropped by the rule"
import json, sys
ev = json.load(open(sys.argv[1]))["events"]
sys.exit(0 if any(e["kind"] == "packet" and e["flags"] == "S." and e["dropped"] and e["drop_rule"] == "rule100" for e in ev) else 1)
PY
}

# shows_time_wait_end NAME: N5.json and the page's checks show TIME_WAIT -> CLOSE.
shows_time_wait_end() {
	"$py" - "$out/$1/N5.json" <<'PY' || fail "$1: N5.json has no TIME_WAIT -> CLOSE"
import json, sys
ev = json.load(open(sys.argv[1]))["events"]
sys.exit(0 if any(e["kind"] == "state" and e["from"] == "TIME_WAIT" and e["to"] == "CLOSE" for e in ev) else 1)
PY
	grep -q "FIN_WAIT2 TIME_WAIT CLOSE</td>" "$out/$1/index.html" || fail "$1: the page's client states do not end TIME_WAIT CLOSE"
}

# The kernel's two runs in the background (one waits 60 s), the model's meanwhile.
("$TCPLAB" report -o "$out/kernel-drop" --drop "$drop" N3 >"$out/kernel-drop.out" 2>&1; echo $? >"$out/kernel-drop.rc") &
("$TCPLAB" report -o "$out/kernel-tw" --time-wait N5 >"$out/kernel-tw.out" 2>&1; echo $? >"$out/kernel-tw.rc") &

"$TCPLAB" report --sim -o "$out/sim-drop" --drop "$drop" N3 >"$out/sim-drop.out" 2>&1
echo $? >"$out/sim-drop.rc"
report_ok sim-drop
shows_drop sim-drop
# On the model the lost SYN-ACK fails N3's packet checks, and the failed run
# says how to repeat it, with the option that changed it.
[ "$(cat "$out/sim-drop.rc")" = 1 ] || fail "report --sim --drop: N3 did not fail its checks"
grep -q "'tcplab sim --seed 1 --drop \"$drop\" .*N3.scn' repeats this run" "$out/sim-drop.out" ||
	fail "the repeat command lacks the --drop rule"
"$TCPLAB" report --sim -o "$out/sim-tw" --time-wait N5 >"$out/sim-tw.out" 2>&1
echo $? >"$out/sim-tw.rc"
report_ok sim-tw
shows_time_wait_end sim-tw
# Without --time-wait the run ends in TIME_WAIT: the check above can fail.
"$TCPLAB" report --sim -o "$out/sim-plain" N5 >/dev/null 2>&1
grep -q "FIN_WAIT2 TIME_WAIT CLOSE</td>" "$out/sim-plain/index.html" && fail "without --time-wait N5 still shows TIME_WAIT -> CLOSE"

# Options the commands share behave the same: a bad one is a usage error
# named the same way; a raw nft rule is refused on the model; --compare
# makes no page and says what to use instead.
"$TCPLAB" report --sim -o "$out/x" --jobs 0 N3 2>"$out/err"
[ $? = 2 ] || fail "report --jobs 0 is not a usage error"
grep -q "^tcplab report: --jobs takes a whole number from 1 to 256, got '0'$" "$out/err" || fail "report --jobs 0: $(cat "$out/err")"
"$TCPLAB" report --sim -o "$out/x" --drop 'nft ip protocol tcp drop' N3 2>"$out/err"
[ $? = 2 ] || fail "report --sim with a raw nft --drop is not a usage error"
grep -q "runs on the real kernel only" "$out/err" || fail "report --sim --drop nft: $(cat "$out/err")"
"$TCPLAB" report --sim -o "$out/x" --compare N3 2>"$out/err"
[ $? = 2 ] || fail "report --compare is not a usage error"
grep -q "use 'tcplab run --compare'" "$out/err" || fail "report --compare: $(cat "$out/err")"

# An earlier file that cannot be replaced is said before anything runs, not
# left for the page to show as if it were this run's.
mkdir -p "$out/stale/N3.json"
"$TCPLAB" report --sim -o "$out/stale" N3 >/dev/null 2>"$out/err"
rc=$?
[ "$rc" = 2 ] || fail "report over an unremovable N3.json exited $rc, expected 2"
[ "$(cat "$out/err")" = "tcplab report: cannot replace $out/stale/N3.json: Is a directory" ] ||
	fail "report over an unremovable N3.json: $(cat "$out/err")"

wait
report_ok kernel-drop
shows_drop kernel-drop
report_ok kernel-tw
shows_time_wait_end kernel-tw
echo "report takes --drop and --time-wait, on the kernel and the model"
