#!/bin/sh
# Acceptance 4 (issue 2): a program dying by SIGSEGV makes `run` exit 139;
# the trace ingests with its events and end_reason 'signal' (signal 11).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"
# reads the rows of freed blocks: every allocation gets one
ALLOCS="--allocations all"
trace crash "$PROGS/crash"
[ "$RC" -eq 139 ] || fail "run exited $RC, want 139"
load crash
expect crash "SELECT end_reason||' '||ifnull(signal,'-') FROM processes" "signal 11" "end"
# nearly all events: the program made 13 allocations and 4 frees
expect crash "SELECT count(*)||' '||sum(free_ns IS NOT NULL) FROM allocations" "13 4" "allocations/frees loaded"
expect crash "SELECT mallocs||' '||frees||' '||alloc FROM snapshots WHERE label='BEFORE CRASH'" "10 4 3900" "BEFORE CRASH snapshot"
exit 0
