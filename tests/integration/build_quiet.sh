# A build ends with what it built: the BPF object behind the tracer's
# skeleton is kept, not removed by make as an intermediate ("rm ...bpf.o"
# at the end of every `make run` and `make check`).
. "$(dirname "$0")/common.bash"
# Build the tracer's skeleton from scratch in a scratch folder.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log=$(make OUT="$tmp/out" "$tmp/out/tracer.skel.h" 2>&1) || fail "skeleton did not build: $log"
echo "$log"
grep -q '^rm .*\.bpf\.o' <<<"$log" && fail "make removed the BPF object: $log"
[ -f "$tmp/out/tracer.bpf.o" ] || fail "the BPF object was not kept"
echo "the BPF object is kept"
