#!/bin/sh
# --sample-bytes: counters stay exact, only stack capture and per-allocation
# rows are sampled (about one per N bytes), and the database and the report
# say so.
. "$(dirname "$0")/lib/common.sh"
# reads the rows of freed blocks: every allocation gets one
ALLOCS="--allocations all"
# sampled NAME BYTES PROG WHAT: run PROG with --sample-bytes BYTES (else fail
# with "WHAT failed") and load it; DB is its database, and want_KEY=VALUE is
# set for every KEY=VALUE on the "expect" line the program prints.
sampled() {
	"$ML" run --sample-bytes "$2" -o "$WORK/$1.mlt" -- "$3" >"$WORK/$1.out" 2>/dev/null || fail "$4 failed"
	load "$1"
	DB=$WORK/$1.db
	exp=$(grep '^expect' "$WORK/$1.out")
	for kv in $exp; do case "$kv" in *=*) eval "want_${kv%%=*}=${kv#*=}" ;; esac; done
}

sampled s 65536 "$PROGS/threads8" "sampled run"
got=$(q "$DB" "SELECT (b.mallocs-a.mallocs)||' '||(b.frees-a.frees) FROM snapshots a, snapshots b WHERE a.label='BEGIN' AND b.label='END'")
[ "$got" = "$want_mallocs $want_frees" ] || fail "sampled counters '$got', want '$want_mallocs $want_frees'"
[ "$(q "$DB" "SELECT sample_bytes FROM processes")" = 65536 ] || fail "processes.sample_bytes not recorded"
rows=$(q "$DB" "SELECT count(*) FROM allocations")
total=$(q "$DB" "SELECT mallocs FROM snapshots WHERE kind='exit'")
bytes=$(q "$DB" "SELECT total_alloc FROM snapshots WHERE kind='exit'")
# about bytes/65536 rows: between a third and three times that
"$PY" -c "import sys; r, b = $rows, $bytes / 65536; sys.exit(0 if b / 3 <= r <= 3 * b + 10 and r < $total else 1)" ||
	fail "$rows rows for $bytes bytes in $total allocations is not a 1-in-64KiB sample"
# every sampled row pairs (all of threads8's blocks are freed), and the
# frees of unsampled blocks leave no trace
[ "$(q "$DB" "SELECT count(*) FROM allocations WHERE free_ns IS NULL")" = 0 ] || fail "sampled blocks left unpaired"
[ "$(q "$DB" "SELECT unknown_frees FROM processes")" = 0 ] || fail "unsampled frees leaked into the trace as unknown"
"$ML" report -o "$WORK/s.html" "$DB" >/dev/null || fail "report failed"
grep -q "This run was sampled" "$WORK/s.html" || fail "the report does not say the run was sampled"
# every entry point (realloc moving, shrinking, to 0, reallocarray) under a
# fine sample: the counters stay exact and the sampled rows still pair
sampled c 512 "$PROGS/counts" "sampled counts"
got=$(q "$DB" "SELECT (b.mallocs-a.mallocs)||' '||(b.frees-a.frees)||' '||(b.total_alloc-a.total_alloc) FROM snapshots a, snapshots b WHERE a.label='A' AND b.label='B'")
[ "$got" = "$want_mallocs $want_frees $want_total_alloc" ] ||
	fail "sampled counts deltas '$got', want '$want_mallocs $want_frees $want_total_alloc'"
[ "$(q "$DB" "SELECT unknown_frees FROM processes")" = 0 ] || fail "sampled reallocs wrote unknown frees"
rows=$(q "$DB" "SELECT count(*) FROM allocations")
total=$(q "$DB" "SELECT mallocs FROM snapshots WHERE kind='exit'")
[ "$rows" -gt 0 ] && [ "$rows" -lt "$total" ] || fail "$rows of $total allocations kept is not a sample"
exit 0
