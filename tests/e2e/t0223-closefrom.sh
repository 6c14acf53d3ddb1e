#!/bin/sh
# closefrom(3) and close_range(3, ~0U, 0) close descriptors without
# calling close(): the trace file must survive them too. Same behaviour
# as without the tracer, and a complete trace with the blocks made after.
. "$(dirname "$0")/lib/common.sh"
# reads the rows of freed blocks: every allocation gets one
ALLOCS="--allocations all"
. "$(dirname "$0")/lib/transparent.sh"
for mode in close_range closefrom; do
	same $mode -- "$PROGS/rob_closefds" $mode
	[ "$RC" -eq 0 ] || fail "$mode: status $RC, want 0"
	ingest_all $mode
	expect $mode "SELECT end_reason||' '||ifnull(exit_code,'-') FROM processes" "exit 0"
	expect $mode "SELECT count(*)||' '||sum(free_ns IS NOT NULL) FROM allocations WHERE size BETWEEN 3001 AND 3010" "10 10"
done
exit 0
