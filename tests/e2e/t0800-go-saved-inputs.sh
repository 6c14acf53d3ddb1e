#!/bin/sh
# Go inputs saved by a real Go program (tests/go/data, written by
# tests/go/gendata) ingest as one Go process, and every figure matches
# what is computed here independently: MemStats with python's json,
# gctrace with a regular expression (MB figures are MiB), the heap
# profile with `go tool pprof -raw`, the goroutine dump by counting
# headers. Kinds come from content: the files are renamed to hide theirs.
. "$(dirname "$0")/lib/common.sh"
D=$ROOT/tests/go/data
cp "$D/memstats.jsonl" "$WORK/a.txt"
cp "$D/gctrace-mixed.log" "$WORK/b.txt"
cp "$D/heap.pprof" "$WORK/c.txt"
cp "$D/goroutines.txt" "$WORK/d.data"
"$ML" ingest -o "$WORK/go.db" "$WORK/a.txt" "$WORK/b.txt" "$WORK/c.txt" "$WORK/d.data" \
	>"$WORK/out" 2>&1 || fail "ingest exited $?: $(head -1 "$WORK/out")"
[ "$(q "$WORK/go.db" "SELECT count(*) FROM processes")" = 1 ] || fail "not one process"
[ "$(q "$WORK/go.db" "SELECT runtime FROM processes")" = go ] || fail "runtime is not go"

# MemStats: every column of every line, in file order (times increase)
"$ML" query --csv "$WORK/go.db" "SELECT label, alloc, total_alloc, sys, heap_inuse, heap_idle,
	heap_released, stack_inuse, heap_objects, mallocs, frees, live, num_gc, gc_cpu_fraction,
	num_forced_gc, pause_total_ns, next_gc FROM snapshots ORDER BY seq" | sed 1d | tr -d '\r' >"$WORK/got"
"$PY" - "$D/memstats.jsonl" >"$WORK/want" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    m = o.get("memstats", o)
    label = o.get("label") or "sample" if "memstats" in o else "sample"
    print(",".join(str(x) for x in [label, m["Alloc"], m["TotalAlloc"], m["Sys"], m["HeapInuse"],
        m["HeapIdle"], m["HeapReleased"], m["StackInuse"], m["HeapObjects"], m["Mallocs"], m["Frees"],
        m["Mallocs"] - m["Frees"], m["NumGC"], repr(float(m["GCCPUFraction"])), m["NumForcedGC"],
        m["PauseTotalNs"], m["NextGC"]]))
PY
# sqlite prints REAL with 15 significant digits: compare that column as numbers
"$PY" - "$WORK/got" "$WORK/want" <<'PY' || fail "snapshots differ from the JSON"
import sys
got = [l.strip().split(",") for l in open(sys.argv[1])]
want = [l.strip().split(",") for l in open(sys.argv[2])]
assert len(got) == len(want) == 3, (got, want)
for g, w in zip(got, want):
    assert g[:13] == w[:13] and g[14:] == w[14:], (g, w)
    assert abs(float(g[13]) - float(w[13])) <= 1e-12 * max(1, abs(float(w[13]))), (g, w)
PY

# gctrace: the four gc lines, the other four lines counted
"$ML" query --csv "$WORK/go.db" "SELECT num, forced, heap_before, heap_after, heap_live, heap_goal,
	stacks, globals, procs, pause_ns, mark_ns, cpu_ns FROM gc_cycles ORDER BY num" | sed 1d | tr -d '\r' >"$WORK/got"
"$PY" - "$D/gctrace-mixed.log" >"$WORK/want" <<'PY'
import re, sys
from decimal import Decimal
pat = re.compile(r"gc (\d+) @([\d.]+)s (\d+)%: ([\d.]+)\+([\d.]+)\+([\d.]+) ms clock, ([\d.]+)\+([\d.]+)/([\d.]+)/([\d.]+)\+([\d.]+) ms cpu, (\d+)->(\d+)->(\d+) MB, (\d+) MB goal, (\d+) MB stacks, (\d+) MB globals, (\d+) P( \(forced\))?$")
ns = lambda s: int(Decimal(s) * 1000000)
for line in open(sys.argv[1]):
    m = pat.match(line.rstrip("\n"))
    if not m:
        continue
    g = m.groups()
    mib = lambda s: int(s) << 20
    print(",".join(str(x) for x in [g[0], 1 if g[18] else 0, mib(g[11]), mib(g[12]), mib(g[13]), mib(g[14]),
        mib(g[15]), mib(g[16]), g[17], ns(g[3]) + ns(g[5]), ns(g[4]), sum(ns(g[i]) for i in range(6, 11))]))
PY
diff "$WORK/want" "$WORK/got" >"$WORK/diff" || fail "gc_cycles differ: $(head -3 "$WORK/diff" | tr '\n' ' ')"
[ "$(wc -l <"$WORK/got")" = 4 ] || fail "expected 4 cycles"
[ "$(q "$WORK/go.db" "SELECT go_skipped_lines FROM processes")" = 4 ] || fail "skipped lines not counted as 4"

# heap profile: live and allocated totals as go tool pprof reads them
if command -v go >/dev/null 2>&1; then
	GOCACHE=$ROOT/build/go/cache GOTOOLCHAIN=local GOPROXY=off go tool pprof -raw "$D/heap.pprof" \
		>"$WORK/raw" 2>&1 || fail "go tool pprof -raw failed"
	want=$("$PY" - "$WORK/raw" <<'PY'
import re, sys
t = [0, 0, 0, 0]
for line in open(sys.argv[1]):
    m = re.match(r"\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+):", line)
    if m:
        t = [a + int(b) for a, b in zip(t, m.groups())]
print(",".join(map(str, t)))
PY
)
	got=$(q "$WORK/go.db" "SELECT sum(allocs) || ',' || sum(bytes) || ',' || sum(live_allocs) || ',' || sum(live_bytes) FROM sites" | tr -d '"')
	[ "$got" = "$want" ] || fail "sites total $got, go tool pprof says $want"
fi
[ "$(q "$WORK/go.db" "SELECT sample_bytes FROM processes")" = 1 ] || fail "profile rate not recorded"
# the biggest live site is the 100 x 10000-byte slices kept by main.main
[ "$(q "$WORK/go.db" "SELECT function || ' ' || live_allocs FROM sites ORDER BY live_bytes DESC LIMIT 1")" = "main.main 101" ] ||
	[ "$(q "$WORK/go.db" "SELECT function FROM sites ORDER BY live_bytes DESC LIMIT 1")" = "main.main" ] ||
	fail "top live site is not main.main"

# goroutine dump: one thread row per goroutine, wait reasons and creators
want=$(grep -c '^goroutine ' "$D/goroutines.txt")
[ "$(q "$WORK/go.db" "SELECT count(*) FROM threads")" = "$want" ] || fail "threads != $want goroutines"
[ "$(q "$WORK/go.db" "SELECT count(*) FROM goroutines WHERE wait_reason = 'chan receive'")" = 3 ] ||
	fail "3 goroutines in chan receive expected"
[ "$(q "$WORK/go.db" "SELECT count(*) FROM threads t JOIN stacks s ON s.stack_id = t.stack_id JOIN frames f
	ON f.id = s.frame_id WHERE f.function = 'main.main' AND f.file LIKE '%main.go'")" = 3 ] ||
	fail "creation stacks do not name main.main"
[ "$(q "$WORK/go.db" "SELECT state_at_exit FROM threads WHERE tid = 1")" = main ] || fail "goroutine 1 not main"
[ "$(q "$WORK/go.db" "SELECT status FROM checklist WHERE item = 'channels_closed'")" = fail ] ||
	fail "channels_closed should fail on 3 blocked goroutines"
[ "$(q "$WORK/go.db" "SELECT count(*) FROM checklist")" = 9 ] || fail "not nine checklist items"
[ "$(q "$WORK/go.db" "SELECT count(*) FROM checklist WHERE status = 'n/a' AND length(detail) < 40")" = 0 ] ||
	fail "an n/a item does not say what would answer it"
exit 0
