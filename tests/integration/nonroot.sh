# Without root, `tcplab run` says in one line which privilege is missing.
. "$(dirname "$0")/common.bash"
command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
err=$(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
	env ASAN_OPTIONS=detect_leaks=0 "$TCPLAB" run N3 2>&1 >/dev/null)
rc=$?
echo "$err"
[ "$rc" != 0 ] || fail "ran without root"
[ "$(wc -l <<<"$err")" = 1 ] || fail "expected exactly one line"
grep -q "needs root; missing CAP_SYS_ADMIN" <<<"$err" || fail "missing privilege not named"
grep -q "try: sudo $TCPLAB run, or '$TCPLAB sim' (the same scenarios on the model: no root needed)" <<<"$err" ||
	fail "the way out does not name the binary as run, or the simulator: $err"
