# Shared by the integration tests: fail or skip with a message, and the packet lines
# of a tcplab timeline.
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# The tcpdump text of every packet line of a timeline, without tcplab's role label.
timeline_packets() {
	sed -n 's/^ *[0-9.]\+  \(client\|server\|lab\) \+\(IP .*\)$/\2/p' | sed 's/   \[[^]]*\]$//'
}

# Ends the test as skipped (tests/run counts it; CI counts it as a failure),
# for what this machine lacks rather than what tcplab does wrong.
skip() {
	echo "SKIP: $*"
	exit 77
}

# The walkthrough's ids, as `tcplab list` prints them: the indented lines of its
# first section, up to the blank line before the library's groups.
walkthrough_ids() {
	"$TCPLAB" list | awk '/^walkthrough/ { w = 1; next } /^$/ { w = 0 } w && /^  [^ ]/ { print $1 }'
}
