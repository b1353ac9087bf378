# The scenario library: every scenario in scenarios/GROUP/ passes on the
# kernel, in the model with each timer profile (fast, kernel, article), and
# `run --compare` finds no difference between the two, over IPv4 and IPv6. Each is written as a
# library scenario should be: an id that is a lower-case word, unique and
# unlike any group's name; a title, explain lines, and expectations of states
# and packets (or a comment saying why the packets' order is not TCP's). `tcplab run` alone still runs the walkthrough's ten only.
. "$(dirname "$0")/common.bash"
scenarios=${TCPLAB_SCENARIOS:-$(cd "$(dirname "$0")/../.." && pwd)/scenarios}
files=("$scenarios"/*/*.scn)
[ -e "${files[0]}" ] || fail "no library scenarios in $scenarios/*/"
count=${#files[@]}
groups=$(for d in "$scenarios"/*/; do basename "$d"; done)
ids=$(for f in "${files[@]}"; do basename "$f" .scn; done)

# The files themselves.
dups=$(sort <<<"$ids" | uniq -d)
[ -z "$dups" ] || fail "library ids used twice: $dups"
for f in "${files[@]}"; do
	id=$(basename "$f" .scn)
	[[ $id =~ ^[a-z][a-z0-9]*(-[a-z0-9]+)*$ ]] || fail "$f: id '$id' is not a lower-case word"
	for word in $groups library walkthrough; do
		[ "$id" != "$word" ] || fail "$f: id '$id' is also the word that runs a group"
	done
	# A side's states: of its one connection, or of each it names (client:NAME); a side whose
	# connections are all a crowd's is judged by how many are in a state (expect SIDE count).
	for line in '^title ' '^explain ' '^expect client((:[a-z][a-z0-9_-]*)? states | count )' \
		'^expect server((:[a-z][a-z0-9_-]*)? states | count )'; do
		grep -Eq "$line" "$f" || fail "$f: no line matching '$line'"
	done
	# Packets are expected, unless the file says why the order is not TCP's to decide.
	grep -q '^expect packets' "$f" || grep -q "^# No 'expect packets': " "$f" ||
		fail "$f: no 'expect packets', and no comment saying why"
	[ -e "$scenarios/$id.scn" ] && fail "$f: the walkthrough has an id '$id' too"
done

# The walkthrough's ten stay what `tcplab run` runs; `list` shows every group.
out=$("$TCPLAB" sim -q 2>&1) || { echo "$out"; fail "tcplab sim (the walkthrough) failed"; }
grep -q '^   10 of 10 scenarios passed' <<<"$out" || fail "tcplab sim without an id no longer runs the ten: $out"
list=$("$TCPLAB" list) || fail "tcplab list failed"
for g in $groups; do
	grep -q "^$g (tcplab run $g)\$" <<<"$list" || fail "tcplab list does not show group $g: $list"
done

passes_all() { # label output: every id passed and the summary counts them all
	for id in $ids; do
		grep -q "^   PASS $id\$" <<<"$2" || { echo "$2"; fail "$1: $id did not pass"; }
	done
	grep -q "^   $count of $count scenarios passed" <<<"$2" || { echo "$2"; fail "$1: not $count of $count"; }
}

for profile in fast kernel article; do
	out=$("$TCPLAB" sim -q --timers "$profile" library 2>&1) || { echo "$out"; fail "sim --timers $profile library failed"; }
	passes_all "sim --timers $profile" "$out"
done
echo "the model: $count of $count with each timer profile"

# The kernel, then the kernel against the model; a few at a time on a 2-core machine.
out=$("$TCPLAB" run -q --jobs 6 library 2>&1) || { echo "$out"; fail "run library failed"; }
passes_all "run" "$out"
for family in "" --ipv6; do
	out=$("$TCPLAB" run --compare --jobs 6 $family library 2>&1) ||
		{ echo "$out"; fail "run --compare $family library failed"; }
	passes_all "run --compare $family" "$out"
	n=$(grep -c ': the model conforms to the kernel$' <<<"$out")
	[ "$n" = "$count" ] || { echo "$out"; fail "compare $family: $n of $count conform"; }
done
echo "the kernel: $count of $count; compare, IPv4 and IPv6: no difference in any"
