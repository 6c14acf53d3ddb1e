#!/bin/sh
# Acceptance 4 (issue 2): a program dying by SIGSEGV makes `run` exit 139;
# the trace ingests with its events and end_reason 'signal' (signal 11).
. "$(dirname "$0")/lib/common.sh"
# reads the rows of freed blocks: every allocation gets one
ALLOCS="--allocations all"
trace crash "$PROGS/crash"
[ "$RC" -eq 139 ] || fail "run exited $RC, want 139"
load crash
DB=$WORK/crash.db
got=$(q "$DB" "SELECT end_reason||' '||ifnull(signal,'-') FROM processes")
[ "$got" = "signal 11" ] || fail "end: '$got', want 'signal 11'"
# nearly all events: the program made 13 allocations and 4 frees
got=$(q "$DB" "SELECT count(*)||' '||sum(free_ns IS NOT NULL) FROM allocations")
[ "$got" = "13 4" ] || fail "allocations/frees loaded: '$got', want '13 4'"
got=$(q "$DB" "SELECT mallocs||' '||frees||' '||alloc FROM snapshots WHERE label='BEFORE CRASH'")
[ "$got" = "10 4 3900" ] || fail "BEFORE CRASH snapshot: '$got', want '10 4 3900'"
exit 0
