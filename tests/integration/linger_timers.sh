# Linger timers are predicted and judged like retransmissions: an orphan's
# FIN-WAIT-2 lasts tcp_fin_timeout (N6) or the socket's TCP_LINGER2, on the
# kernel and in the model; a TIME-WAIT the run did not wait out is cut off
# and gives `expect timers` nothing to judge. Expected values come from the
# scenario files' own settings.
. "$(dirname "$0")/common.bash"
n6=$TCPLAB_SCENARIOS/N6.scn
fin_timeout=$(sed -n 's/^sysctl net\.ipv4\.tcp_fin_timeout *= *\([0-9]*\).*/\1/p' "$n6")
linger2=$(sed -n 's/^server setsockopt linger2 \([0-9]*\).*/\1/p' "$TCPLAB_SCENARIOS/close/linger2.scn")
[ -n "$fin_timeout" ] && [ -n "$linger2" ] || fail "could not read the scenarios' settings"

row_re() { # title predicted-seconds
	printf '^     %s +[0-9.]+ +[0-9.]+ +%s\\.000  timer +ok$' "$1" "$2"
}
for runner in sim run; do
	n6_out=$("$TCPLAB" "$runner" N6) || { echo "$n6_out"; fail "$runner N6 failed"; }
	l2_out=$("$TCPLAB" "$runner" linger2) || { echo "$l2_out"; fail "$runner linger2 failed"; }
	echo "$n6_out$l2_out"
	[ "$(grep -cE "$(row_re 'server FIN-WAIT-2 \(orphan\)' "$fin_timeout")" <<<"$n6_out")" = 1 ] ||
		fail "$runner: N6's FIN-WAIT-2 not judged against tcp_fin_timeout $fin_timeout s"
	[ "$(grep -cE "$(row_re 'server FIN-WAIT-2 \(orphan\)' "$linger2")" <<<"$l2_out")" = 1 ] ||
		fail "$runner: TCP_LINGER2 $linger2 s not the predicted FIN-WAIT-2"
	grep -q 'PASS  timers  .*server FIN-WAIT-2 (orphan): [0-9.]* s, ended by its timer as predicted' <<<"$l2_out" ||
		fail "$runner: expect timers did not judge the linger timer"
done

# N5 does not wait out TIME-WAIT: cut off, and nothing ran out for expect timers.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{ cat "$TCPLAB_SCENARIOS/N5.scn"; echo "expect timers"; } >"$tmp/n5-timers.scn"
out=$("$TCPLAB" sim "$tmp/n5-timers.scn") && fail "expect timers passed with no timer run out: $out"
grep -qE '^     client TIME-WAIT +[0-9.]+ +[0-9.]+ +60\.000  cut off +ok$' <<<"$out" || fail "TIME-WAIT not cut off: $out"
grep -q 'FAIL  timers .*no timer ran out in this run' <<<"$out" || fail "the timers check does not say why: $out"
# ... and waited out, it lasts the fixed 60 s (in the model: the kernel takes a minute).
out=$("$TCPLAB" sim --time-wait "$tmp/n5-timers.scn") || fail "sim --time-wait N5 failed: $out"
grep -qE '^     client TIME-WAIT +[0-9.]+ +60\.[0-9]+ +60\.000  timer +ok$' <<<"$out" || fail "TIME-WAIT not 60 s: $out"
echo "linger timers judged"
