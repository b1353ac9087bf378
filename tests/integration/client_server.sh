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
timeout -k 5 20 "$TCPLAB" server --port 2099 --once >"$log" 2>&1 &
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

# A server whose accept() fails says which error by name and exits 1: with
# four descriptors the listener takes the last, so accept gets EMFILE.
(ulimit -n 4; exec timeout -k 5 20 "$TCPLAB" server --port 2098 --once) >"$log" 2>&1 &
server=$!
for _ in $(seq 50); do grep -q '^listen' "$log" && break; sleep 0.05; done
"$TCPLAB" client 127.0.0.1 --port 2098 --recv >/dev/null 2>&1
wait "$server"
rc=$?
cat "$log"
[ "$rc" = 1 ] || fail "server whose accept failed: exit $rc, expected 1"
grep -q '^accept() = -1 EMFILE (Too many open files)$' "$log" || fail "accept's failure not printed by name"

# Ctrl-C ends a holding client with 130 and a word, as it ends run; a server it ends with 0.
timeout -k 5 20 "$TCPLAB" server --port 2097 >"$log" 2>&1 &
server=$!
for _ in $(seq 50); do grep -q '^listen' "$log" && break; sleep 0.05; done
err=$(mktemp)
"$TCPLAB" client --port 2097 --hold >/dev/null 2>"$err" &
client=$!
for _ in $(seq 50); do grep -q '^accept() = ' "$log" && break; sleep 0.05; done
kill -INT "$client"
wait "$client"
rc=$?
[ "$rc" = 130 ] || fail "interrupted client: exit $rc, expected 130"
[ "$(cat "$err")" = "tcplab client: interrupted" ] || fail "interrupted client said: $(cat "$err")"
kill -INT "$server"
wait "$server"
rc=$?
[ "$rc" = 0 ] || fail "interrupted server: exit $rc, expected 0"
"$TCPLAB" client --help | grep -q '^exit status: 0 every call succeeded' || fail "client --help lists no exit status"
"$TCPLAB" server --help | grep -q '^exit status: 0 ended by Ctrl-C' || fail "server --help lists no exit status"
rm -f "$log" "$err"
INNER
