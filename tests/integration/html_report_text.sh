# What the HTML page says without a browser: a page where every scenario
# passed opens the first one (not a page of folded headings), one with a
# failure opens only the failures; a listener's peer reads 0.0.0.0:* as in
# the terminal; the linger timers have their table; each run's time is the
# terminal summary's.
. "$(dirname "$0")/common.bash"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$TCPLAB" report --sim -o "$tmp/pass" N5 N6 >"$tmp/terminal.txt" || fail "report --sim N5 N6 failed"
page=$tmp/pass/index.html
# The page's time of each run is the terminal summary's, and the timeline's span is named as such.
for id in N5 N6; do
	t=$(awk -v id="$id" '$1 == id && $2 == "PASS" { print $3 }' "$tmp/terminal.txt")
	[ -n "$t" ] || fail "no summary line for $id"
	grep -q "href=\"#run-$id\">$id</a>.*<td class=\"num\">$t&nbsp;s <span class=\"small muted\">(timeline " "$page" ||
		fail "$id: the page's summary does not show the terminal's time $t s"
done
runs=$(grep -o '<details[^>]*>' "$page" | grep -v settings)
[ "$(wc -l <<<"$runs")" = 2 ] || fail "expected two scenario sections: $runs"
[ "$(head -1 <<<"$runs")" = "<details open>" ] || fail "the first section is folded on an all-pass page"
[ "$(tail -1 <<<"$runs")" = "<details>" ] || fail "a later passing section is open"
grep -q '<td class="mono">0\.0\.0\.0:\*</td>' "$page" || fail "a listener's peer is not shown as 0.0.0.0:*"
grep -q '0\.0\.0\.0:0<' "$page" && fail "port 0 shown as :0"
grep -q '<h3>Linger timers <span class="count">1</span></h3>' "$page" || fail "N6's linger timer has no table"

# With a failure, only the failure opens.
sed 's/^expect server close ok/expect server close EBADF/' "$TCPLAB_SCENARIOS/N6.scn" >"$tmp/N6-fails.scn"
"$TCPLAB" report --sim -o "$tmp/fail" N5 "$tmp/N6-fails.scn" >/dev/null && fail "a failing scenario's report exited 0"
runs=$(grep -o '<details[^>]*>' "$tmp/fail/index.html" | grep -v settings)
[ "$(printf '%s\n' "$runs" | tr '\n' ' ')" = "<details> <details open> " ] || fail "sections open: $runs"
echo "page text as expected"
