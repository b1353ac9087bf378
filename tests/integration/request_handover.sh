# When the handshake's final ACK is lost, the server's request socket lives
# until the SYN-ACK is resent and answered; the child socket made then
# carries on the same connection. The server's path is LISTEN SYN_RECV
# ESTABLISHED (not the request's and the child's concatenated), and the
# timeline says when the request socket became the child.
. "$(dirname "$0")/common.bash"
scn=final-ack-lost # the library's
for runner in run sim; do
	out=$("$TCPLAB" "$runner" "$scn") || { echo "$out"; fail "$runner: the scenario failed"; }
	echo "$out"
	[ "$(grep -c ' server  LISTEN -> SYN_RECV' <<<"$out")" = 1 ] || fail "$runner: the server enters SYN_RECV more than once"
done
grep -q 'the request socket became a full socket, still SYN_RECV' <<<"$(
	"$TCPLAB" run "$scn")" || fail "the kernel run does not say when the request socket became the child"
echo "one path across the request socket and its child"
