#!/bin/sh
# Broken Go inputs: one line naming the file (and the line for text), a
# non-zero exit, and the database exactly as it was. A cut last line
# loads the complete prefix with a warning and marks the process
# truncated; snapshots out of time order load in order, with a warning.
. "$(dirname "$0")/lib/common.sh"
D=$ROOT/tests/go/data
"$ML" ingest -q -o "$WORK/base.db" "$D/gctrace.log" 2>/dev/null || fail "base ingest failed"
sum() { "$ML" query --csv "$WORK/base.db" "SELECT (SELECT count(*) FROM processes) || '/' ||
	(SELECT count(*) FROM snapshots) || '/' || (SELECT count(*) FROM gc_cycles) || '/' ||
	(SELECT count(*) FROM frames) || '/' || (SELECT count(*) FROM checklist)" | sed -n 2p; }
before=$(sum)

# bad FILE PATTERN: ingest FILE into base.db must fail with one line matching PATTERN
bad() {
	"$ML" ingest -q -o "$WORK/base.db" "$1" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	[ "$rc" -ne 0 ] || fail "$(basename "$1"): exit 0"
	[ "$(wc -l <"$WORK/err")" = 1 ] || fail "$(basename "$1"): not one line: $(cat "$WORK/err")"
	grep -q "^memledger: $1: $2" "$WORK/err" || fail "$(basename "$1"): message is '$(cat "$WORK/err")'"
	[ "$(sum)" = "$before" ] || fail "$(basename "$1"): database changed"
}

# JSON: an invalid line in the middle; a line that is not an object; a
# MemStats without Alloc; a field of the wrong type
{ sed -n 1p "$D/memstats.jsonl"; echo '{"label":"x","memstats":{"Alloc":1,}}'; sed -n 2p "$D/memstats.jsonl"; } >"$WORK/mid.jsonl"
bad "$WORK/mid.jsonl" "line 2: not valid JSON"
{ sed -n 1p "$D/memstats.jsonl"; echo '{"Alloc": 1'; sed -n 2p "$D/memstats.jsonl"; } >"$WORK/open.jsonl"
bad "$WORK/open.jsonl" "line 2: not valid JSON"
{ sed -n 1p "$D/memstats.jsonl"; echo 'hello'; } >"$WORK/text.jsonl"
bad "$WORK/text.jsonl" "line 2: not a JSON object"
sed -n 1p "$D/memstats.jsonl" | sed 's/"Alloc":[0-9]*,//' >"$WORK/noalloc.jsonl"
bad "$WORK/noalloc.jsonl" "line 1: no MemStats.Alloc"
sed -n 1p "$D/memstats.jsonl" | sed 's/"HeapObjects":[0-9]*/"HeapObjects":"many"/' >"$WORK/type.jsonl"
bad "$WORK/type.jsonl" "line 1: MemStats.HeapObjects is not a non-negative integer"
sed -n 1p "$D/memstats.jsonl" | sed 's/"GCCPUFraction":[^,]*/"GCCPUFraction":7e+00/' >"$WORK/frac.jsonl"
bad "$WORK/frac.jsonl" "line 1: MemStats.GCCPUFraction"

# gctrace: garbage in the numbers of a line in the middle
sed '3s/4->4->1 MB/4->x->1 MB/' "$D/gctrace-mixed.log" | sed '2s/4->4->1 MB/4->x->1 MB/' >"$WORK/gc.log"
bad "$WORK/gc.log" "line 2: a gctrace line that does not parse"
sed '4s/ 4 P$/ P/' "$D/gctrace-mixed.log" >"$WORK/gc2.log"
bad "$WORK/gc2.log" "line 4: a gctrace line that does not parse"

# pprof: bytes flipped inside the gzip data; cut short; valid gzip of garbage
"$PY" - "$D/heap.pprof" "$WORK" <<'PY'
import gzip, sys
d = open(sys.argv[1], "rb").read()
w = sys.argv[2]
b = bytearray(d); b[len(b) // 2] ^= 0xff; b[len(b) // 2 + 1] ^= 0x5a
open(w + "/flip.pprof", "wb").write(bytes(b))
open(w + "/cut.pprof", "wb").write(d[: len(d) * 2 // 3])
open(w + "/junk.pprof", "wb").write(gzip.compress(b"\x0a\xff\xff\xff\xff\x0f" + b"x" * 40))
raw = gzip.decompress(d)
open(w + "/rawcut.pprof", "wb").write(gzip.compress(raw[: len(raw) // 2]))
PY
bad "$WORK/flip.pprof" "corrupt pprof profile"
bad "$WORK/cut.pprof" "corrupt pprof profile"
bad "$WORK/junk.pprof" "corrupt pprof profile"
bad "$WORK/rawcut.pprof" "corrupt pprof profile"

# goroutine dump: a header that does not parse
sed 's/^goroutine 7 \[chan receive\]:/goroutine 7 [chan receive/' "$D/goroutines.txt" >"$WORK/g.txt"
bad "$WORK/g.txt" "line [0-9]*: a goroutine header that does not parse"

# several Go inputs, one broken: nothing of the run is loaded
"$ML" ingest -q -o "$WORK/base.db" "$D/gctrace.log" "$WORK/mid.jsonl" 2>"$WORK/err" && fail "mixed: exit 0"
grep -q "mid.jsonl: line 2" "$WORK/err" || fail "mixed: message is '$(cat "$WORK/err")'"
[ "$(sum)" = "$before" ] || fail "mixed: database changed"

# a cut last line: the prefix loads, with a warning, the process truncated
{ cat "$D/memstats.jsonl" | sed -n 1,2p; sed -n 3p "$D/memstats.jsonl" | cut -c1-200 | tr -d '\n'; } >"$WORK/cut.jsonl"
"$ML" ingest -q -o "$WORK/cut.db" "$WORK/cut.jsonl" 2>"$WORK/err" || fail "cut json: exit $?: $(cat "$WORK/err")"
grep -q "cut.jsonl: line 3: the last JSON object is cut short" "$WORK/err" || fail "cut json: no warning: $(cat "$WORK/err")"
[ "$(q "$WORK/cut.db" "SELECT count(*) FROM snapshots")" = 2 ] || fail "cut json: not 2 snapshots"
[ "$(q "$WORK/cut.db" "SELECT end_reason FROM processes")" = truncated ] || fail "cut json: not truncated"
head -c -40 "$D/gctrace-mixed.log" >"$WORK/cut.log"
"$ML" ingest -q -o "$WORK/cutgc.db" "$WORK/cut.log" 2>"$WORK/err" || fail "cut gctrace: exit $?"
grep -q "cut.log: line 7: the last gctrace line is cut short" "$WORK/err" || fail "cut gctrace: no warning: $(cat "$WORK/err")"
[ "$(q "$WORK/cutgc.db" "SELECT count(*) || ' ' || max(num) FROM gc_cycles")" = "3 3" ] || fail "cut gctrace: not gc 1-3"
[ "$(q "$WORK/cutgc.db" "SELECT end_reason FROM processes")" = truncated ] || fail "cut gctrace: not truncated"

# out of order: loaded in time order, with a warning
{ sed -n 2p "$D/memstats.jsonl"; sed -n 1p "$D/memstats.jsonl"; } >"$WORK/order.jsonl"
"$ML" ingest -q -o "$WORK/order.db" "$WORK/order.jsonl" 2>"$WORK/err" || fail "order: exit $?"
grep -q "order.jsonl: .*older than the one before it" "$WORK/err" || fail "order: no warning: $(cat "$WORK/err")"
[ "$(q "$WORK/order.db" "SELECT group_concat(label, '|') FROM (SELECT label FROM snapshots ORDER BY seq)")" = "START|AFTER RUN" ] ||
	fail "order: snapshots not in time order"
exit 0
