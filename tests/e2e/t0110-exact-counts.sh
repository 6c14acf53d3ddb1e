#!/bin/sh
# Acceptance 1 (issue 2): a known number of each allocation call between
# two snapshots gives exact snapshot deltas of mallocs, frees, total_alloc
# and heap_objects (tests/programs/counts.c prints what to expect).
. "$(dirname "$0")/lib/common.sh"
# reads the rows of freed blocks: every allocation gets one
ALLOCS="--allocations all"

trace counts "$PROGS/counts"
[ "$RC" -eq 0 ] || fail "counts exited $RC: $(head -1 "$WORK/counts.err")"
load counts
exp=$(grep '^expect' "$WORK/counts.out") || fail "counts printed no expectation"
for kv in $exp; do
	case "$kv" in *=*) eval "want_${kv%%=*}=${kv#*=}" ;; esac
done
DB=$WORK/counts.db
got=$(q "$DB" "SELECT (b.mallocs-a.mallocs)||' '||(b.frees-a.frees)||' '||(b.total_alloc-a.total_alloc)||' '||(b.heap_objects-a.heap_objects)
 FROM snapshots a, snapshots b WHERE a.label='A' AND b.label='B'")
want="$want_mallocs $want_frees $want_total_alloc $want_heap_objects_delta"
[ "$got" = "$want" ] || fail "deltas A->B: got '$got', want '$want'"
# Live = Mallocs - Frees = HeapObjects at every snapshot, and Alloc never negative
bad=$(q "$DB" "SELECT count(*) FROM snapshots WHERE live != mallocs - frees OR heap_objects != live OR alloc < 0")
[ "$bad" = 0 ] || fail "$bad snapshots break Live = Mallocs - Frees = HeapObjects"
# the allocations table agrees with the exit counters
got=$(q "$DB" "SELECT count(*)||' '||sum(free_ns IS NOT NULL)||' '||sum(size) FROM allocations")
want=$(q "$DB" "SELECT mallocs||' '||frees||' '||total_alloc FROM snapshots WHERE kind='exit'")
[ "$got" = "$want" ] || fail "allocations table ($got) disagrees with the exit snapshot ($want)"
# every call kind was seen with its own name
kinds=$(q "$DB" "SELECT group_concat(kind, ' ') FROM (SELECT DISTINCT kind FROM allocations ORDER BY kind)")
[ "$kinds" = "aligned_alloc calloc malloc memalign posix_memalign pvalloc realloc reallocarray valloc" ] ||
	fail "kinds seen: $kinds"
exit 0
