# Every shipped scenario passes in the simulator, as user nobody without a
# single capability, under each timer profile: `tcplab sim` needs no
# privilege and no kernel feature, and virtual time makes even the kernel
# profile's minutes of timers finish at once. A simulated pcap reads back in
# tcpdump as the very text the timeline printed.
. "$(dirname "$0")/common.bash"
command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
scenarios=${TCPLAB_SCENARIOS:-$(cd "$(dirname "$0")/../.." && pwd)/scenarios}
ids=$(for f in "$scenarios"/*.scn; do basename "$f" .scn; done)
count=$(wc -w <<<"$ids")
[ "$count" -gt 0 ] || fail "no scenarios in $scenarios"

as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
		env TCPLAB_SCENARIOS="$scenarios" ASAN_OPTIONS=detect_leaks=0 "$TCPLAB" "$@"
}

for profile in fast kernel article; do
	start=$(date +%s%N)
	out=$(as_nobody sim --timers "$profile" 2>&1)
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	echo "$out" | tail -n $((count + 3))
	[ "$rc" = 0 ] || { echo "$out"; fail "tcplab sim --timers $profile exited $rc"; }
	for id in $ids; do
		grep -q "^   PASS $id\$" <<<"$out" || { echo "$out"; fail "$id did not pass with timers $profile"; }
	done
	grep -q "^   $count of $count scenarios passed" <<<"$out" || fail "summary does not say $count of $count"
	# Minutes of virtual time (SYN give-up after 131 s with 'kernel') in seconds of real time.
	[ "$ms" -lt 20000 ] || fail "timers $profile took $ms ms"
done

# The pcap of a simulated run is what the timeline printed, to the letter.
command -v tcpdump >/dev/null || skip "tcpdump is not installed"
dir=$(mktemp -d)
chmod 777 "$dir"
trap 'rm -rf "$dir"' EXIT
out=$(as_nobody sim N5 --pcap "$dir/n5.pcap") || fail "tcplab sim N5 --pcap failed"
timeline_packets <<<"$out" >"$dir/ours"
tcpdump -nn -r "$dir/n5.pcap" 2>/dev/null | cut -d' ' -f2- >"$dir/theirs"
[ -s "$dir/ours" ] || fail "no packet lines in the timeline"
diff -u "$dir/theirs" "$dir/ours" || fail "tcpdump's text differs from tcplab's"

# A failing run names its seed, and the seed repeats the run byte for byte.
out=$(as_nobody sim --drop 'from client count 1' N3 2>&1)
[ $? = 1 ] || fail "a dropped SYN should fail N3's packet check"
grep -q "simulated with seed 1" <<<"$out" || fail "the seed is not printed on failure"
as_nobody sim --seed 9 N5 --pcap "$dir/a.pcap" >/dev/null || fail "seed 9 run failed"
as_nobody sim --seed 9 N5 --pcap "$dir/b.pcap" >/dev/null || fail "seed 9 rerun failed"
cmp -s "$dir/a.pcap" "$dir/b.pcap" || fail "the same seed gave different packets"
