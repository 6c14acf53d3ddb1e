#!/bin/sh
# A program with its own SIGSEGV handler that recovers with siglongjmp:
# its handler wins over the tracer's, it recovers three times, exits 0
# with the same output as without the tracer, and the trace ends
# normally with the blocks it made after each recovery.
. "$(dirname "$0")/lib/common.sh"
# reads the rows of freed blocks: every allocation gets one
ALLOCS="--allocations all"
. "$(dirname "$0")/lib/transparent.sh"
same_ok segv "recovered 3" -- "$PROGS/rob_segv"
ingest_all segv
expect segv "SELECT end_reason||' '||ifnull(exit_code,'-')||' '||ifnull(signal,'-') FROM processes" "exit 0 -"
expect segv "SELECT count(*)||' '||sum(free_ns IS NOT NULL) FROM allocations WHERE size BETWEEN 2001 AND 2003" "3 3"
exit 0
