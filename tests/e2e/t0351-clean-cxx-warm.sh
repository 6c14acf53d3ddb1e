#!/bin/sh
# tests/programs/clean_cxx.cc --warm: the same clean C++ program with the
# runtime's caches created before START (one line printed, one exception
# thrown). Every checklist item passes (gc_repeated n/a), `check` exits 0,
# and Alloc and HeapObjects at AFTER CLEANUP equal START.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"

traced c "$PROGS/clean_cxx" --warm
[ "$(wc -l <"$WORK/c.out")" -eq 12 ] || fail "c: the program printed $(wc -l <"$WORK/c.out") lines, want 12"
expect_items c
expect_check c
expect c "SELECT (SELECT alloc || '/' || heap_objects FROM snapshots WHERE label = 'AFTER CLEANUP')
	= (SELECT alloc || '/' || heap_objects FROM snapshots WHERE label = 'START')" 1 \
	"Alloc/HeapObjects at AFTER CLEANUP equal START"
expect c "SELECT count(*) FROM allocations a JOIN sites s ON s.stack_id = a.stack_id
	WHERE a.free_ns IS NULL AND s.runtime = 0" 0 "blocks of the program's own sites live at exit"
exit 0
