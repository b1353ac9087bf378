# The pipeline's layering holds: no stage includes a stage above it, and the
# checker does catch an include that goes up.
. "$(dirname "$0")/common.bash"
scripts/check-layers src || fail "src/ includes against the layering (above)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r src "$tmp/src"
# The model reaching into the lab, and a view reaching into the command line.
sed -i '0,/^#include "model\/tcp_model.h"/s||&\n#include "lab/lab.h"|' "$tmp/src/model/tcp_model.c"
sed -i '0,/^#include "views\/svg.h"/s||&\n#include "cli/suite.h"|' "$tmp/src/views/svg.c"
out=$(scripts/check-layers "$tmp/src") && fail "an upward include passed the check"
echo "$out"
line=$(grep -n '#include "lab/lab.h"' "$tmp/src/model/tcp_model.c" | cut -d: -f1)
grep -q "^$tmp/src/model/tcp_model.c:$line: may not include lab/lab.h" <<<"$out" ||
	fail "the model's include of the lab was not named with its line"
grep -q "src/views/svg.c:[0-9]*: may not include cli/suite.h" <<<"$out" ||
	fail "the view's include of the command line was not named"
[ "$(wc -l <<<"$out")" = 2 ] || fail "expected exactly the two injected includes"
echo "layering holds"
