#!/bin/sh
# Thread churn: 5 rounds of 64 threads created and joined. Same output
# as without the tracer, and the trace counts exactly what the program
# says it did: 320 threads, all joined, plus main; 2560 blocks of
# 7001..7008 bytes, all freed, 320 of them by main in another thread
# than the one that made them; no unknown frees.
. "$(dirname "$0")/lib/common.sh"
# reads the rows of freed blocks: every allocation gets one
ALLOCS="--allocations all"
. "$(dirname "$0")/lib/transparent.sh"
same churn -- "$PROGS/rob_threads"
[ "$RC" -eq 0 ] || fail "status $RC, want 0"
set -- $(cat "$WORK/churn.out")
[ "$1 $3 $5 $7" = "threads mallocs freed_by_thread freed_by_main" ] || fail "stdout: $(cat "$WORK/churn.out")"
threads=$2 mallocs=$4 by_thread=$6 by_main=$8
ingest_all churn
expect churn "SELECT count(*)||' '||sum(state_at_exit='joined')||' '||sum(state_at_exit='main') FROM threads" \
	"$((threads + 1)) $threads 1"
expect churn "SELECT count(*)||' '||count(free_ns) FROM allocations WHERE size BETWEEN 7001 AND 7008" "$mallocs $mallocs"
expect churn "SELECT sum(free_tid = alloc_tid)||' '||sum(free_tid != alloc_tid) FROM allocations WHERE size BETWEEN 7001 AND 7008" \
	"$by_thread $by_main"
expect churn "SELECT count(DISTINCT alloc_tid) FROM allocations WHERE size = 7001" "$threads"
expect churn "SELECT unknown_frees||' '||end_reason||' '||exit_code FROM processes" "0 exit 0"
exit 0
