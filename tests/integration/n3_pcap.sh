# N3 with --pcap, over IPv4 and over IPv6 (--ipv6): the three handshake
# packets are labelled 1/3, 2/3, 3/3, both sides reach ESTABLISHED, and
# tcpdump reads the pcap file back to the very text tcplab printed ("IP" or
# "IP6" lines).
. "$(dirname "$0")/common.bash"
command -v tcpdump >/dev/null || skip "tcpdump is not installed"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for family in 4 6; do
	opt=""
	[ "$family" = 6 ] && opt=--ipv6
	out=$("$TCPLAB" run N3 $opt --pcap "$dir/x$family.pcap")
	rc=$?
	echo "$out"
	[ "$rc" = 0 ] || fail "tcplab run N3 $opt exited $rc"
	labels=$(grep -o '\[handshake [123]/3\]' <<<"$out" | tr '\n' ' ')
	[ "$labels" = "[handshake 1/3] [handshake 2/3] [handshake 3/3] " ] || fail "IPv$family: handshake labels: $labels"
	grep -q "client  SYN_SENT -> ESTABLISHED" <<<"$out" || fail "IPv$family: client never ESTABLISHED"
	grep -q "server  SYN_RECV -> ESTABLISHED" <<<"$out" || fail "IPv$family: server never ESTABLISHED"
	timeline_packets <<<"$out" >"$dir/ours$family"
	tcpdump -nn -r "$dir/x$family.pcap" 2>/dev/null | cut -d' ' -f2- >"$dir/theirs$family"
	[ "$(wc -l <"$dir/ours$family")" = 3 ] || fail "IPv$family: not three packet lines in the timeline"
	want=IP
	[ "$family" = 6 ] && want=IP6
	[ "$(cut -d' ' -f1 "$dir/ours$family" | sort -u)" = "$want" ] || fail "IPv$family: packet lines are not all '$want'"
	diff -u "$dir/theirs$family" "$dir/ours$family" || fail "IPv$family: tcpdump's text differs from tcplab's"
done
