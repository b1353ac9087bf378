# Every shipped scenario, run with --json FILE, writes one JSON document that
# validates against docs/tcplab-run.schema.json (JSON Schema draft 2020-12,
# checked with python3-jsonschema), names its scenario, keeps its events in
# time order and carries a verdict. The scenarios run side by side.
. "$(dirname "$0")/common.bash"
root=$(cd "$(dirname "$0")/../.." && pwd)
schema="$root/docs/tcplab-run.schema.json"
[ -r "$schema" ] || fail "no schema at $schema"

py=$(schema_python) || { rc=$?; echo "$py"; exit $rc; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ids=$(walkthrough_ids)
[ -n "$ids" ] || fail "tcplab list shows no scenario"
ids="$ids accept-queue-order" # named connections: events and rows carry "conn"

for id in $ids; do
	("$TCPLAB" run --json "$dir/$id.json" "$id" >"$dir/$id.out" 2>&1; echo $? >"$dir/$id.rc") &
done
wait
for id in $ids; do
	rc=$(cat "$dir/$id.rc")
	# 0: passed, 1: a check failed; either way the document must be complete.
	if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
		cat "$dir/$id.out"
		fail "tcplab run --json $dir/$id.json $id exited $rc"
	fi
	[ -s "$dir/$id.json" ] || fail "$id: --json wrote nothing"
done

"$py" - "$schema" "$dir" $ids <<'EOF'
import json
import sys
from jsonschema import Draft202012Validator

schema_path, folder, ids = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(schema_path, encoding="utf-8") as f:
    schema = json.load(f)
Draft202012Validator.check_schema(schema)
validator = Draft202012Validator(schema)
problems = []
for run_id in ids:
    path = "%s/%s.json" % (folder, run_id)
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except ValueError as e:
        problems.append("%s: not JSON: %s" % (run_id, e))
        continue
    for e in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        where = "/".join(map(str, e.absolute_path)) or "(document)"
        problems.append("%s: %s: %s" % (run_id, where, e.message[:400]))
    if not isinstance(doc, dict):
        continue
    if doc.get("scenario", {}).get("id") != run_id:
        problems.append("%s: scenario.id is %r" % (run_id, doc.get("scenario", {}).get("id")))
    events = doc.get("events") or []
    if not events:
        problems.append("%s: no events" % run_id)
    times = [e.get("t_ns", 0) for e in events]
    if times != sorted(times):
        problems.append("%s: events are not in time order" % run_id)
    if not doc.get("checks"):
        problems.append("%s: no checks" % run_id)
    print("%s: %d events, %d checks, verdict %s" % (run_id, len(events), len(doc.get("checks") or []),
                                                    doc.get("verdict")))
for p in problems:
    print("FAIL: " + p)
sys.exit(1 if problems else 0)
EOF
[ $? = 0 ] || fail "some documents do not follow docs/tcplab-run.schema.json"
grep -Eq '"conn": *"first"' "$dir/accept-queue-order.json" ||
	fail "accept-queue-order: no event of server:first carries \"conn\": \"first\""
