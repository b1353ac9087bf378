# Shared by the integration tests: fail with a message, and the packet lines
# of a tcplab timeline.
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# The tcpdump text of every packet line of a timeline, without tcplab's role label.
timeline_packets() {
	sed -n 's/^ *[0-9.]\+  \(client\|server\|lab\) \+\(IP .*\)$/\2/p' | sed 's/   \[[^]]*\]$//'
}
