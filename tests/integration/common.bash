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
