# Sides are known from the sockets each side made, not guessed from the
# scenario's port: a server that listens on 2018 while the scenario's port
# stays 2017 is still the server, on the kernel and in the model. Its
# packets, state changes and snapshot rows carry "server", the client's
# "client", both state paths pass their checks, and "drop from server"
# drops what leaves the port the server really listens on.
. "$(dirname "$0")/common.bash"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/P2.scn" <<'SCN'
title   The server on its own port
server listen 2018
server accept &
client connect 2018
wait server
drop from server flags . count 1
client send "hello"
server recv
sleep 500ms
snapshot both ends established
expect client connect ok
expect server accept ok
expect server recv ok
expect client states CLOSE > SYN_SENT > ESTABLISHED
expect server states LISTEN > SYN_RECV > ESTABLISHED
expect client listed ESTABLISHED
expect server listed ESTABLISHED
SCN

# The server's first SYN-ACK is dropped, so its request socket lives a second
# (sock_diag sees it) before the child takes over: one SYN_RECV, not two.
cat >"$dir/P1.scn" <<'SCN'
title   The server on its own port, its first SYN-ACK lost
server listen 2018
server accept &
drop from server flags S. count 1
client connect 2018
wait server
expect client connect ok
expect client states CLOSE > SYN_SENT > ESTABLISHED
expect server states LISTEN > SYN_RECV > ESTABLISHED
SCN

for cmd in run sim; do
	out=$("$TCPLAB" "$cmd" "$dir/P1.scn" 2>&1)
	rc=$?
	[ "$rc" = 0 ] || { echo "$out"; fail "tcplab $cmd P1 exited $rc"; }
	grep -Eq '^ *[0-9.]+  server  IP [0-9.]+\.2018 > .*Flags \[S\.\].*DROPPED by rule1' <<<"$out" ||
		{ echo "$out"; fail "$cmd: 'drop from server flags S.' did not drop the SYN-ACK from port 2018"; }
done

for cmd in run sim; do
	out=$("$TCPLAB" "$cmd" "$dir/P2.scn" 2>&1)
	rc=$?
	[ "$rc" = 0 ] || { echo "$out"; fail "tcplab $cmd exited $rc"; }
	# Every packet is labelled by its sender: the server sends from 2018, the client to it.
	grep -Eq '^ *[0-9.]+  client  IP [0-9.]+\.2018 ' <<<"$out" && { echo "$out"; fail "$cmd: a packet from port 2018 labelled client"; }
	grep -Eq '^ *[0-9.]+  server  IP [0-9.]+\.[0-9]+ > [0-9.]+\.2018:' <<<"$out" && { echo "$out"; fail "$cmd: a packet to port 2018 labelled server"; }
	grep -Eq '^ *[0-9.]+  server  LISTEN -> SYN_RECV' <<<"$out" || { echo "$out"; fail "$cmd: the server's LISTEN -> SYN_RECV is not the server's"; }
	# The rule took the server's real port: its ACK of the data was dropped.
	grep -Eq '^ *[0-9.]+  server  IP [0-9.]+\.2018 > .*Flags \[\.\], ack 6,.*DROPPED by rule1' <<<"$out" ||
		{ echo "$out"; fail "$cmd: 'drop from server' did not drop the server's ACK from port 2018"; }
done
exit 0
