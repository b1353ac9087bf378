# tests/run counts what it runs honestly: a cmocka skip() and an integration
# script's exit 77 are counted and named as skipped, the closing line is
# "N passed, N failed, N skipped", and with TCPLAB_TESTS_NO_SKIP=1 (CI) a skip
# is a failure. Runs the real tests/run over a scratch tree holding two unit
# test binaries (one pass and one skip; one that skips whole with exit 77,
# as test_sockdiag does without root) and three scripts (pass, skip, fail).
. "$(dirname "$0")/common.bash"
root=$(cd "$(dirname "$0")/../.." && pwd)
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/tests/integration" "$tree/out/tests"
cp "$root/tests/run" "$tree/tests/run"
cp "$root/tests/integration/common.bash" "$tree/tests/integration/"
cat >"$tree/unit.c" <<'C'
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
static void passes(void **state) { (void)state; assert_true(1); }
static void skips(void **state) { (void)state; print_message("skipped: no such device here\n"); skip(); }
int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(passes), cmocka_unit_test(skips) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
C
cc "$tree/unit.c" -o "$tree/out/tests/test_fake" $(pkg-config --cflags --libs cmocka) || fail "cannot build the cmocka probe"
printf '#include <stdio.h>\nint main(void) { fputs("test_fakeroot: needs root\\n", stderr); return 77; }\n' >"$tree/root.c"
cc "$tree/root.c" -o "$tree/out/tests/test_fakeroot" || fail "cannot build the exit-77 probe"
printf '. "$(dirname "$0")/common.bash"\necho fine\n' >"$tree/tests/integration/passes.sh"
printf '. "$(dirname "$0")/common.bash"\nskip "no chromium here"\n' >"$tree/tests/integration/skips.sh"
printf '. "$(dirname "$0")/common.bash"\nfail "broken"\n' >"$tree/tests/integration/fails.sh"

out=$(TCPLAB_TESTS_NO_SKIP= OUT=out "$tree/tests/run" fake 2>&1)
rc=$?
echo "$out"
[ "$rc" = 0 ] || fail "a run with only passes and skips exited $rc"
[ "$(tail -1 <<<"$out")" = "1 passed, 0 failed, 2 skipped" ] || fail "the unit probes' skips were not counted"
grep -q "^    skipped: test_fakeroot: needs root$" <<<"$out" || fail "the exit-77 binary's reason is not shown"
grep -q "^    \[  SKIPPED \] skips$" <<<"$out" || fail "the skipped unit test is not named"
grep -q "^    skipped: no such device here$" <<<"$out" || fail "the skip's reason is not shown"

out=$(TCPLAB_TESTS_NO_SKIP= OUT=out "$tree/tests/run" 2>&1)
rc=$?
echo "$out"
[ "$rc" != 0 ] || fail "a run with a failing script exited 0"
[ "$(tail -1 <<<"$out")" = "2 passed, 1 failed, 3 skipped" ] || fail "expected 2 passed, 1 failed, 3 skipped"
grep -q "^integ skips: SKIP$" <<<"$out" || fail "the skipping script is not marked SKIP"
grep -q "^    SKIP: no chromium here$" <<<"$out" || fail "the script's reason for skipping is not shown"
grep -q "^skipped: test_fake test_fakeroot skips$" <<<"$out" || fail "the skips are not listed by name"

out=$(TCPLAB_TESTS_NO_SKIP=1 OUT=out "$tree/tests/run" fake 2>&1)
rc=$?
echo "$out"
[ "$rc" != 0 ] || fail "TCPLAB_TESTS_NO_SKIP=1: a skip still exited 0"
[ "$(tail -1 <<<"$out")" = "1 passed, 2 failed, 0 skipped" ] || fail "TCPLAB_TESTS_NO_SKIP=1: the skips were not counted as failed"
echo "skips counted"
