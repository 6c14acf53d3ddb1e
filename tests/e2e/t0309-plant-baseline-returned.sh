#!/bin/sh
# tests/programs/plant_baseline_returned.c: an off-by-one in cleanup loses
# the first list item. Only baseline_returned fails: at AFTER CLEANUP
# HeapObjects is 1 and Alloc 48, 64, 80 or 96 bytes (one item) above
# START. The block is lost (not reachable, so global_references passes) and
# comes from svc_consume.
# containers_cleared passes: the site's live bytes go down from AFTER RUN to
# AFTER CLEANUP (the checker asks for growth between consecutive snapshots).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"

planted p "$PROGS/plant_baseline_returned" baseline_returned

expect p "SELECT group_concat(value, ' ') FROM (SELECT value FROM checklist_evidence
	WHERE item = 'baseline_returned' AND text LIKE 'HeapObjects: START % -> AFTER CLEANUP %')" 1 "HeapObjects delta"
val p "SELECT value FROM checklist_evidence WHERE item = 'baseline_returned' AND text LIKE 'Alloc: START % -> AFTER CLEANUP %'"
delta=$V
case $delta in
48 | 64 | 80 | 96) ;;
*) fail "p: Alloc delta $delta, want one item: 48, 64, 80 or 96" ;;
esac
expect p "SELECT count(*) || ' ' || sum(a.size) || ' ' || group_concat(a.leak) || ' ' || group_concat(s.function)
	FROM allocations a JOIN sites s ON s.stack_id = a.stack_id WHERE a.free_ns IS NULL AND s.runtime = 0" \
	"1 $delta lost svc_consume" "the program's blocks live at exit"
exit 0
