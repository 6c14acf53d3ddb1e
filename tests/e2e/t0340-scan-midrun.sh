#!/bin/sh
# tests/programs/scan_midrun.c: memledger_snapshot_flags("SCAN",
# MEMLEDGER_SCAN) classifies live blocks mid-run into scan_leaks. At SCAN
# the 777-byte block whose pointer is hidden is 'lost' and its 333-byte
# child 'indirect'; the 555-byte block held by a global is not lost or
# indirect. All three are freed after the scan, so at exit their
# allocations.leak is NULL, and the checklist passes.
. "$(dirname "$0")/lib/common.sh"
# reads the rows of freed blocks: every allocation gets one
ALLOCS="--allocations all"
. "$(dirname "$0")/lib/checklist.sh"

traced s "$PROGS/scan_midrun"
expect s "SELECT scan FROM snapshots WHERE label = 'SCAN'" 1 "SCAN snapshot marked as scanned"
expect s "SELECT count(*) FROM snapshots WHERE scan = 1 AND label != 'SCAN' AND kind != 'exit'" 0 "other mid-run scans"
val s "SELECT seq FROM snapshots WHERE label = 'SCAN'"
seq=$V

# block of NAME: the allocation whose stack passes through function NAME
blk() {
	echo "(SELECT a.id FROM allocations a WHERE EXISTS (SELECT 1 FROM stacks st JOIN frames f ON f.id = st.frame_id
		WHERE st.stack_id = a.stack_id AND f.function = '$1'))"
}
# hide_lost is in the child's stack too: the hidden block is the 777-byte one
lost="(SELECT id FROM allocations WHERE size = 777 AND id IN $(blk hide_lost))"
child=$(blk hide_lost_child)
kept=$(blk keep_reachable)
expect s "SELECT count(*) FROM allocations WHERE id IN $lost" 1 "777-byte block from hide_lost"
expect s "SELECT size FROM allocations WHERE id = $child" 333 "block from hide_lost_child"
expect s "SELECT size FROM allocations WHERE id = $kept" 555 "block from keep_reachable"

expect s "SELECT group_concat(leak) FROM scan_leaks WHERE snapshot_seq = $seq AND allocation_id IN $lost" lost \
	"scan_leaks for the hidden block at SCAN"
expect s "SELECT group_concat(leak) FROM scan_leaks WHERE snapshot_seq = $seq AND allocation_id = $child" indirect \
	"scan_leaks for its child at SCAN"
expect s "SELECT count(*) FROM scan_leaks WHERE allocation_id = $kept AND leak != 'reachable'" 0 \
	"scan_leaks calling the global's block lost or indirect"
expect s "SELECT count(*) FROM scan_leaks WHERE snapshot_seq != $seq" 0 "scan_leaks rows from other snapshots"
val s "SELECT ts_ns FROM snapshots WHERE label = 'SCAN'"
expect s "SELECT count(*) FROM scan_leaks l JOIN allocations a ON a.id = l.allocation_id
	WHERE a.alloc_ns > $V OR (a.free_ns IS NOT NULL AND a.free_ns < $V)" 0 "scan_leaks rows for blocks not live at SCAN"

expect s "SELECT count(*) FROM allocations WHERE (id IN $lost OR id = $child OR id = $kept)
	AND free_ns IS NOT NULL AND leak IS NULL" 3 "the three blocks freed, leak NULL at exit"
expect s "SELECT count(*) FROM allocations a JOIN sites s ON s.stack_id = a.stack_id
	WHERE a.free_ns IS NULL AND s.runtime = 0" 0 "blocks of the program's own sites live at exit"
expect_items s
expect_check s
exit 0
