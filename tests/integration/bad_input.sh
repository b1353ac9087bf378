# Bad input gets one clear line naming what and where, and a non-zero exit,
# before anything runs.
. "$(dirname "$0")/common.bash"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf 'title bad\nclient connect\nexpect client states CLOSE > SYN_SNET\n' >"$dir/bad.scn"
err=$("$TCPLAB" run "$dir/bad.scn" 2>&1 >/dev/null)
rc=$?
echo "$err"
[ "$rc" = 2 ] || fail "exit status $rc, expected 2"
[ "$(wc -l <<<"$err")" = 1 ] || fail "expected one line"
grep -q "bad.scn:3: .*SYN_SNET" <<<"$err" || fail "error does not name bad.scn:3 and the bad word"

err=$("$TCPLAB" run NOSUCH 2>&1 >/dev/null)
rc=$?
echo "$err"
[ "$rc" = 2 ] || fail "unknown scenario: exit $rc"
grep -q "no scenario 'NOSUCH'" <<<"$err" || fail "unknown scenario not named"

err=$("$TCPLAB" client --port 70000 2>&1)
rc=$?
echo "$err"
[ "$rc" = 2 ] || fail "bad port: exit $rc"
grep -q "70000" <<<"$err" || fail "bad port not named"

err=$("$TCPLAB" frobnicate 2>&1)
[ $? = 2 ] || fail "unknown command accepted"

# An unknown option or a missing value: one line that names the command with
# "tcplab" and the option (getopt's own message was two lines, "sim: ...").
for cmd in run sim report client server; do
	err=$("$TCPLAB" $cmd --no-such-option 2>&1 >/dev/null)
	rc=$?
	echo "$err"
	[ "$rc" = 2 ] || fail "$cmd --no-such-option: exit $rc"
	[ "$err" = "tcplab $cmd: unknown option '--no-such-option'; try 'tcplab $cmd --help'" ] ||
		fail "$cmd --no-such-option: not one line naming it"
done
err=$("$TCPLAB" sim --timers 2>&1 >/dev/null)
[ "$err" = "tcplab sim: --timers needs a value; try 'tcplab sim --help'" ] || fail "sim --timers without a value: $err"

# Output that cannot be written is an error with its reason, not a success.
err=$("$TCPLAB" list 2>&1 >/dev/full)
rc=$?
echo "$err"
[ "$rc" = 3 ] || fail "list >/dev/full: exit $rc, expected 3"
grep -q "^tcplab: cannot write the output: No space left on device$" <<<"$err" || fail "list >/dev/full: $err"

# A file name that would not fit is refused, not cut to another file's name.
long=$(printf 'x%.0s' $(seq 1 4100))
err=$("$TCPLAB" sim --pcap "$long.pcap" N3 N5 2>&1 >/dev/null)
rc=$?
echo "$err"
[ "$rc" = 2 ] || fail "sim --pcap with a 4105-byte name: exit $rc, expected 2"
grep -q "^tcplab sim: a file name of at most [0-9]* bytes, got 'x*\.\.\.' (4105 bytes)$" <<<"$err" ||
	fail "sim --pcap with a long name: $err"

# Input only the kernel can judge is still bad input: the run says REFUSED
# with FILE:LINE (or the option) and exits 2, not 3 ("the lab failed").
printf 'title refused\nsysctl net.ipv4.tcp_fin_timeout = banana\nserver listen\n' >"$dir/banana.scn"
printf 'title refused\nsysctl net.ipv4.tcp_syn_retries = 1000\nserver listen\n' >"$dir/range.scn"
printf 'title refused\nsysctl net.ipv4.tcp_no_such_thing = 1\nserver listen\n' >"$dir/unknown.scn"
# refused CMD NAME: CMD runs NAME.scn, which says REFUSED with NAME.scn:2 and exits 2.
refused() {
	local out rc
	out=$("$TCPLAB" "$1" -q "$dir/$2.scn" 2>&1)
	rc=$?
	echo "$out"
	[ "$rc" = 2 ] || fail "$1 $2.scn: exit $rc, expected 2"
	grep -q "REFUSED $2: $dir/$2.scn:2: .*tcp_" <<<"$out" || fail "$1 $2.scn: no REFUSED FILE:2 line"
}
for f in banana range unknown; do refused run $f; done
for f in banana range; do refused sim $f; done
out=$("$TCPLAB" run -q --drop 'nft tcp dport 2017 blah' N3 2>&1)
rc=$?
echo "$out"
[ "$rc" = 2 ] || fail "a raw nft rule nft refuses: exit $rc, expected 2"
grep -q "REFUSED N3: --drop '.*nft tcp dport 2017 blah': nft: syntax error" <<<"$out" || fail "the raw rule's error does not blame --drop"
