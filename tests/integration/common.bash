# Shared by the integration tests: fail or skip with a message, and the packet lines
# of a tcplab timeline.
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# The tcpdump text of every packet line of a timeline, without tcplab's role label.
timeline_packets() {
	sed -n 's/^ *[0-9.]\+  \(client\|server\|lab\) \+\(IP6\? .*\)$/\2/p' | sed 's/   \[[^]]*\]$//'
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

# The python3 that can validate JSON Schema draft 2020-12, or a skip or a
# failure saying what is missing. Debian's python3-jsonschema lives under
# /usr/bin/python3; another python3 on PATH may lack it.
schema_python() {
	local p
	for p in /usr/bin/python3 python3; do
		if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import jsonschema' 2>/dev/null; then
			"$p" -c 'from jsonschema import Draft202012Validator' 2>/dev/null ||
				fail "python3-jsonschema is too old for JSON Schema draft 2020-12 (4.0 or later is needed)"
			echo "$p"
			return
		fi
	done
	skip "the Python module jsonschema is missing: apt-get install python3-jsonschema"
}

# compare_agrees OUT IDS...: the output of `tcplab run --compare` passed every
# scenario, printed no difference, and judged each one's expectations on both runs.
compare_agrees() {
	local out=$1 id bad=""
	shift
	for id in "$@"; do
		grep -q "^   PASS $id\$" <<<"$out" || bad="$bad $id"
	done
	[ -z "$bad" ] || fail "the model differs from the kernel in:$bad (tables above)"
	! grep -q "DIFFERS" <<<"$out" || fail "a difference was printed although every scenario passed"
	[ "$(grep -c "^   the scenario's expectations hold on the kernel and in the model\$" <<<"$out")" = "$#" ] ||
		fail "not every scenario's own expectations were judged on both runs"
}
