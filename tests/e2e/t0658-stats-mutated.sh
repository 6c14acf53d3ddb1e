#!/bin/sh
# stats on mutated traces (issue 9): the fuzz corpus's bug-stats-* inputs
# (tests/fuzz/make_corpus.sh) are a trace whose TotalAlloc falls between
# snapshots (a negative allocation rate, which the old code converted to
# an unsigned integer: UBSan float-cast-overflow at format/memstats.c)
# and one whose allocator CPU share is 2^63 ns against 1 ns. With the
# sanitizer build, `stats` of the trace and of its database prints every
# block, says the rate is n/a, and UBSan reports nothing.
. "$(dirname "$0")/lib/common.sh"

# payload corpus file (mode byte 1) -> a trace file
wrap() {
	"$PY" - "$1" "$2" <<'PYEOF'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[0] == 1, "want a payload-mode corpus file"
c = zlib.compressobj(1)
open(sys.argv[2], "wb").write(b"\x89MLT\r\n\x1a\n" + struct.pack("<II", 3, 0) +
                              c.compress(data[1:]) + c.flush())
PYEOF
}

for bug in negative-rate huge-fraction; do
	in=tests/fuzz/corpus/bug-stats-$bug
	[ -f "$in" ] || fail "$in is missing (sh tests/fuzz/make_corpus.sh)"
	t=$WORK/$bug.mlt
	wrap "$in" "$t" || fail "wrap $in"
	"$ML" stats --samples "$t" >"$WORK/$bug.out" 2>"$WORK/$bug.err" || fail "stats $bug: $(head -3 "$WORK/$bug.err")"
	grep -q "runtime error" "$WORK/$bug.err" && fail "stats $bug: $(head -1 "$WORK/$bug.err")"
	"$ML" ingest -q -o "$WORK/$bug.db" "$t" 2>"$WORK/$bug.ierr" || fail "ingest $bug: $(head -1 "$WORK/$bug.ierr")"
	"$ML" stats "$WORK/$bug.db" >"$WORK/$bug.dbout" 2>"$WORK/$bug.err" || fail "stats DB $bug: $(head -3 "$WORK/$bug.err")"
	grep -q "runtime error" "$WORK/$bug.err" && fail "stats DB $bug: $(head -1 "$WORK/$bug.err")"
done
[ "$(grep -c '^=== memledger: ' "$WORK/negative-rate.out")" -eq 3 ] || fail "want 3 blocks: $(cat "$WORK/negative-rate.out")"
grep -q '^AllocRate *= n/a (the counters went backwards) since start$' "$WORK/negative-rate.out" ||
	fail "negative rate: $(grep AllocRate "$WORK/negative-rate.out")"
# the allocator share is a share of CPU time: a damaged trace cannot push it past 100% (format/memstats.c)
grep -q '^GCCPUFraction = 100.00%' "$WORK/huge-fraction.out" ||
	fail "huge fraction: $(grep GCCPUFraction "$WORK/huge-fraction.out")"
exit 0
