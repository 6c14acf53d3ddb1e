#!/bin/sh
# partition_demo without flags: every checklist item passes (gc_repeated
# n/a), `memledger check` exits 0, and Alloc and HeapObjects at AFTER
# CLEANUP equal START exactly.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"
. "$(dirname "$0")/lib/demo.sh"

demo d
expect_items d
expect_check d
grep -q '^\[AFTER CLEANUP\] ' "$WORK/d.out" || fail "d: the demo printed no AFTER CLEANUP line"
expect d "SELECT (SELECT alloc || '/' || heap_objects FROM snapshots WHERE label = 'AFTER CLEANUP')
	= (SELECT alloc || '/' || heap_objects FROM snapshots WHERE label = 'START')" 1 \
	"Alloc/HeapObjects at AFTER CLEANUP equal START"
expect d "SELECT count(*) FROM threads WHERE start_function = 'worker_main' AND state_at_exit != 'joined'" 0 \
	"workers not joined"
expect d "SELECT count(*) FROM resources WHERE origin != 'inherited' AND close_ns IS NULL" 0 "resources open at exit"
expect d "SELECT count(*) FROM allocations a JOIN sites s ON s.stack_id = a.stack_id
	WHERE a.free_ns IS NULL AND s.runtime = 0" 0 "blocks of the demo's own sites live at exit"
exit 0
