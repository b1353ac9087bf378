# N3 with --pcap: the three handshake packets are labelled 1/3, 2/3, 3/3, both
# sides reach ESTABLISHED, and tcpdump reads the pcap file back to the very
# text tcplab printed.
. "$(dirname "$0")/common.bash"
command -v tcpdump >/dev/null || skip "tcpdump is not installed"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
out=$("$TCPLAB" run N3 --pcap "$dir/x.pcap")
rc=$?
echo "$out"
[ "$rc" = 0 ] || fail "tcplab run N3 exited $rc"
labels=$(grep -o '\[handshake [123]/3\]' <<<"$out" | tr '\n' ' ')
[ "$labels" = "[handshake 1/3] [handshake 2/3] [handshake 3/3] " ] || fail "handshake labels: $labels"
grep -q "client  SYN_SENT -> ESTABLISHED" <<<"$out" || fail "client never ESTABLISHED"
grep -q "server  SYN_RECV -> ESTABLISHED" <<<"$out" || fail "server never ESTABLISHED"
timeline_packets <<<"$out" >"$dir/ours"
tcpdump -nn -r "$dir/x.pcap" 2>/dev/null | cut -d' ' -f2- >"$dir/theirs"
[ -s "$dir/ours" ] || fail "no packet lines in the timeline"
diff -u "$dir/theirs" "$dir/ours" || fail "tcpdump's text differs from tcplab's"
