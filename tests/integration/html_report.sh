# `tcplab report` writes one self-contained page that a real browser renders:
# every shipped scenario on the simulator (no root needed), then N3 and A1 on
# the kernel. Headless Chromium (Debian's chromium package) opens each page:
# the DOM must hold a section per scenario with its SVG ladder inside; a copy
# of the page with every section opened measures each ladder and timeline as
# laid out; screenshots are saved for a person to look at. The page may fetch
# nothing: no external URL, and a Content-Security-Policy that forbids it.
. "$(dirname "$0")/common.bash"
root=$(cd "$(dirname "$0")/../.." && pwd)

browser=""
for b in chromium chromium-browser; do
	if command -v "$b" >/dev/null 2>&1; then
		browser=$b
		break
	fi
done
[ -n "$browser" ] || skip "headless Chromium is missing: apt-get install chromium (Debian's package)"
py=""
for p in /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null 2>&1; then
		py=$p
		break
	fi
done
[ -n "$py" ] || skip "python3 is missing"
[ "$(id -u)" = 0 ] || skip "the kernel half of this test needs root"

# The pages and screenshots stay after the test, for a person to look at.
out=${OUT_DIR:-$root/${OUT:-build}/test-output}/html_report
rm -rf "$out"
mkdir -p "$out" || fail "cannot create $out"
echo "pages and screenshots: $out"

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chrome() {
	"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" "$@" 2>/dev/null
}

# check_page DIR NAME ID...: the page in DIR shows every ID as a section with a rendered ladder.
check_page() {
	local dir=$1 name=$2
	shift 2
	local page="$dir/index.html"
	[ -s "$page" ] || fail "$name: no $page"
	for id in "$@"; do
		for ext in json svg pcap; do
			[ -s "$dir/$id.$ext" ] || fail "$name: $id.$ext is missing or empty"
		done
	done

	# Nothing from outside: no src attribute, no http(s) link or import; the
	# only URL allowed is the SVG namespace.
	if grep -Eo '(src=|@import|url\(|https?://[^" ]*)' "$page" | grep -v '^http://www.w3.org/2000/svg$' | grep -q .; then
		grep -Eon '(src=|@import|url\(|https?://[^" ]*)' "$page" | grep -v 'www.w3.org/2000/svg' | head
		fail "$name: the page refers to something outside itself"
	fi
	grep -q "http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'" "$page" ||
		fail "$name: no Content-Security-Policy forbidding fetches"

	# The DOM as Chromium built it: a section per scenario, an <svg> in each.
	chrome --window-size=1400,3000 --dump-dom "file://$page" >"$out/$name-dom.html" || fail "$name: chromium --dump-dom failed"
	"$py" - "$out/$name-dom.html" "$@" <<'EOF' || fail "$name: the DOM lacks a section or a diagram"
import sys
from html.parser import HTMLParser

class Sections(HTMLParser):
    def __init__(self):
        super().__init__()
        self.depth = 0          # open <section> elements inside a run's section
        self.current = None
        self.found = {}         # run id -> number of <svg> inside
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section" and "run" in (a.get("class") or "").split():
            self.current = a.get("id", "")
            self.found[self.current] = 0
            self.depth = 1
        elif tag == "section" and self.current:
            self.depth += 1
        elif tag == "svg" and self.current:
            self.found[self.current] += 1
    def handle_endtag(self, tag):
        if tag == "section" and self.current:
            self.depth -= 1
            if self.depth == 0:
                self.current = None

path, ids = sys.argv[1], sys.argv[2:]
p = Sections()
p.feed(open(path, encoding="utf-8").read())
bad = 0
for i in ids:
    n = p.found.get("run-" + i)
    if n is None:
        print("no section for %s (sections: %s)" % (i, " ".join(sorted(p.found))))
        bad += 1
    elif n < 1:
        print("section %s has no <svg>" % i)
        bad += 1
    else:
        print("section %s: %d svg" % (i, n))
sys.exit(1 if bad else 0)
EOF

	# Rendered, not just present: a copy with every section opened measures
	# each ladder and counts its timeline rows, as laid out by the browser.
	local probe="$dir/.render-check.html"
	sed 's#</body>#<script>\
document.querySelectorAll("section.run>details").forEach(function(d){d.open=true;});\
var lines=[];\
document.querySelectorAll("section.run").forEach(function(s){\
var svg=s.querySelector(".ladder svg"),r=svg?svg.getBoundingClientRect():null,b=svg?svg.getBBox():null;\
lines.push(s.id+" "+(r?Math.round(r.width)+" "+Math.round(r.height):"0 0")+" "+(b?Math.round(b.width)+" "+Math.round(b.height):"0 0")+" "+s.querySelectorAll("table.timeline tbody tr").length+" "+s.querySelectorAll("table.checks tbody tr").length);\
});\
var pre=document.createElement("pre");pre.id="render-check";pre.textContent=lines.join("\\n");document.body.appendChild(pre);\
</script></body>#' "$page" >"$probe"
	chrome --window-size=1400,3000 --dump-dom "file://$probe" >"$out/$name-probe.html" || fail "$name: chromium could not open the probe"
	rm -f "$probe"
	sed -n '/<pre id="render-check">/,/<\/pre>/p' "$out/$name-probe.html" | sed 's/<[^>]*>//g' >"$out/$name-layout.txt"
	cat "$out/$name-layout.txt"
	for id in "$@"; do
		read -r _ w h bw bh rows checks < <(grep "^run-$id " "$out/$name-layout.txt") ||
			fail "$name: $id was not laid out"
		[ "${w:-0}" -ge 300 ] && [ "${h:-0}" -ge 150 ] || fail "$name: $id's ladder is drawn ${w}x${h} px"
		[ "${bw:-0}" -ge 300 ] && [ "${bh:-0}" -ge 150 ] || fail "$name: $id's ladder content is ${bw}x${bh} px"
		[ "${rows:-0}" -ge 1 ] || fail "$name: $id's timeline has no row"
		[ "${checks:-0}" -ge 1 ] || fail "$name: $id shows no check"
	done

	# For the eye: the page as it opens, and with every section open.
	chrome --screenshot="$out/$name.png" --window-size=1400,3000 "file://$page" >/dev/null
	[ -s "$out/$name.png" ] || fail "$name: no screenshot"
	chrome --screenshot="$out/$name-expanded.png" --window-size=1400,3000 "file://$page#all" >/dev/null
	[ -s "$out/$name-expanded.png" ] || fail "$name: no expanded screenshot"
	echo "$name: $out/$name.png, $out/$name-expanded.png"
}

# Every shipped scenario, simulated.
ids=$(walkthrough_ids)
[ -n "$ids" ] || fail "tcplab list shows no scenario"
"$TCPLAB" report --sim -o "$out/sim" >"$out/sim.out" 2>&1
rc=$?
cat "$out/sim.out"
[ "$rc" = 0 ] || fail "tcplab report --sim -o DIR exited $rc"
grep -q "report: $out/sim/index.html" "$out/sim.out" || fail "report --sim does not name its page"
# shellcheck disable=SC2086
check_page "$out/sim" sim $ids

# Thirty sections on one page (the shipped suite three times over, the
# repeats named ID-2 and ID-3), one of them failing, with a title that
# would be markup if it were not escaped.
scenarios=${TCPLAB_SCENARIOS:-$root/scenarios}
sed -e 's|^title .*|title   Wrong <script>alert(1)</script> \& <b>bold</b>|' \
	-e 's|^expect packets .*|expect packets S S. R|' "$scenarios/N3.scn" >"$profile/X1.scn"
# shellcheck disable=SC2086 # ids are words
set -- $ids $ids $ids
[ $# = 30 ] || fail "the shipped suite three times is $# scenarios, not 30"
shift
"$TCPLAB" report --sim -o "$out/thirty" "$@" "$profile/X1.scn" >"$out/thirty.out" 2>&1
rc=$?
[ "$rc" = 1 ] || { cat "$out/thirty.out"; fail "30 scenarios with one failing: exit $rc, not 1"; }
stems=""
seen=" "
for id in "$@"; do
	stem=$id
	n=1
	while [[ $seen == *" $stem "* ]]; do
		n=$((n + 1))
		stem=$id-$n
	done
	seen="$seen$stem "
	stems="$stems $stem"
done
# shellcheck disable=SC2086
check_page "$out/thirty" thirty $stems X1
grep -q '<section class="run fail" id="run-X1">' "$out/thirty/index.html" || fail "X1 is not shown failing"
grep -q 'Wrong &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;' "$out/thirty/index.html" ||
	fail "X1's title is not escaped"
grep -q '<script>alert' "$out/thirty/index.html" && fail "X1's title went into the page as markup"
grep -q 'class="attention"' "$out/thirty/index.html" || fail "the failing scenario is not listed at the top"

# Two scenarios on the kernel: a handshake and the SYN retransmission series.
"$TCPLAB" report -o "$out/kernel" N3 A1 >"$out/kernel.out" 2>&1
rc=$?
cat "$out/kernel.out"
[ "$rc" = 0 ] || fail "tcplab report -o DIR N3 A1 exited $rc"
check_page "$out/kernel" kernel N3 A1
# A1's page carries its retransmission table beside the model and the walkthrough.
grep -q 'client SYN-SENT SYN' "$out/kernel/index.html" || fail "A1's SYN series is not on the page"
grep -q 'walkthrough gap (s)' "$out/kernel/index.html" || fail "A1's series lacks the walkthrough's gaps"

# The documents beside the pages follow the schema, series included.
/usr/bin/python3 -c 'from jsonschema import Draft202012Validator' 2>/dev/null ||
	skip "python3-jsonschema (4.0 or later) is missing: apt-get install python3-jsonschema"
/usr/bin/python3 - "$root/docs/tcplab-run.schema.json" "$out"/sim/*.json "$out"/kernel/*.json <<'EOF' ||
import json, sys
from jsonschema import Draft202012Validator
v = Draft202012Validator(json.load(open(sys.argv[1], encoding="utf-8")))
bad = 0
for path in sys.argv[2:]:
    doc = json.load(open(path, encoding="utf-8"))
    for e in v.iter_errors(doc):
        bad += 1
        print("%s: %s: %s" % (path, "/".join(map(str, e.absolute_path)), e.message[:300]))
    if not isinstance(doc.get("series"), list):
        bad += 1
        print("%s: no series array" % path)
a1 = json.load(open([p for p in sys.argv[2:] if p.endswith("/kernel/A1.json")][0], encoding="utf-8"))
s = a1["series"]
if not s or s[0]["kind"] != "syn" or len(s[0]["sends"]) < 2 or not s[0]["walkthrough_gaps_s"]:
    bad += 1
    print("kernel A1: no SYN series with sends and the walkthrough's gaps: %r" % s)
sys.exit(1 if bad else 0)
EOF
	fail "the run documents do not follow docs/tcplab-run.schema.json"

# Usage errors: no -o, --seed without --sim.
"$TCPLAB" report --sim N3 >/dev/null 2>&1
[ $? = 2 ] || fail "report without -o should exit 2"
"$TCPLAB" report --seed 3 -o "$out/x" N3 >/dev/null 2>&1
[ $? = 2 ] || fail "report --seed without --sim should exit 2"
true
