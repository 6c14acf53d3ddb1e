#!/bin/sh
# A program that closes every descriptor from 3 to 1024 in a loop (the
# trace file's among them), then allocates, uses a pipe and prints: same
# behaviour as without the tracer, and a complete trace: the blocks made
# after the loop, the pipe, the exit snapshot and a normal end.
. "$(dirname "$0")/lib/common.sh"
# reads the rows of freed blocks: every allocation gets one
ALLOCS="--allocations all"
. "$(dirname "$0")/lib/transparent.sh"
same loop -- "$PROGS/rob_closefds" loop
[ "$RC" -eq 0 ] || fail "status $RC, want 0"
ingest_all loop
expect loop "SELECT end_reason||' '||ifnull(exit_code,'-') FROM processes" "exit 0"
expect loop "SELECT count(*)||' '||sum(free_ns IS NOT NULL) FROM allocations WHERE size BETWEEN 3001 AND 3010" "10 10"
expect loop "SELECT count(*) FROM snapshots WHERE label='exit'" "1"
expect loop "SELECT count(*)||' '||count(close_ns) FROM resources WHERE kind='pipe'" "2 2"
exit 0
