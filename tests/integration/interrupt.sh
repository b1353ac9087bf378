# SIGINT or SIGTERM in the middle of a run leaves nothing behind: no
# process, no network namespace, no firewall rule, no changed sysctl.
. "$(dirname "$0")/common.bash"
# Network namespaces held by a tcplab process (a lab's namespace dies with its processes).
lab_netns() { lsns -t net -n -o NS,COMMAND 2>/dev/null | grep -cF "$TCPLAB run N6 N5"; }
rules_before=$(nft list ruleset 2>/dev/null | md5sum)
fin_before=$(cat /proc/sys/net/ipv4/tcp_fin_timeout)

for sig in INT TERM; do
	"$TCPLAB" run N6 N5 >/dev/null 2>&1 &
	pid=$!
	sleep 0.8
	kill -0 "$pid" 2>/dev/null || fail "run ended before the signal"
	kill -"$sig" "$pid"
	wait "$pid"
	rc=$?
	[ "$rc" = 130 ] || fail "SIG$sig: exit status $rc, expected 130"
	sleep 0.2
	pgrep -f "^$TCPLAB" >/dev/null && fail "SIG$sig: a tcplab process is left"
	[ "$(lab_netns)" = 0 ] || fail "SIG$sig: a network namespace is left"
done
[ "$(nft list ruleset 2>/dev/null | md5sum)" = "$rules_before" ] || fail "host firewall changed"
[ "$(cat /proc/sys/net/ipv4/tcp_fin_timeout)" = "$fin_before" ] || fail "host tcp_fin_timeout changed"
echo "clean after SIGINT and SIGTERM"
