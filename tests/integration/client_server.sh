# The standalone client and server print each socket call with its result,
# including errno's text on failure. Run in a private namespace of their own.
. "$(dirname "$0")/common.bash"
unshare -n bash -s "$TCPLAB" <<'INNER' || exit 1
set -u
TCPLAB=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
ip link set lo up
out=$("$TCPLAB" client --send hello --close 2>&1)
rc=$?
echo "$out"
[ "$rc" = 1 ] || fail "refused connect: exit $rc"
grep -q '^connect(127.0.0.1:2017) = -1 ECONNREFUSED (Connection refused)$' <<<"$out" || fail "refusal not printed"

log=$(mktemp)
timeout 20 "$TCPLAB" server --port 2099 --once >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 50); do grep -q '^listen' "$log" && break; sleep 0.05; done
out=$("$TCPLAB" client 127.0.0.1 --port 2099 --send hello --wait 0.1 --close 2>&1)
rc=$?
echo "$out"
wait "$server"
cat "$log"
[ "$rc" = 0 ] || fail "client exit $rc"
grep -q '^send(5 bytes) = 5$' <<<"$out" || fail "send not printed"
grep -q '^recv() = 5, "hello"$' "$log" || fail "server did not print the data"
grep -q '^recv() = 0, end of file' "$log" || fail "server did not see end of file"
rm -f "$log"
INNER
