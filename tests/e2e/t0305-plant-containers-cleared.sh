#!/bin/sh
# tests/programs/plant_containers_cleared.c: the item list grows at every
# phase and is dropped, not freed. containers_cleared fails with the
# svc_consume site as its only evidence; baseline_returned fails too
# (documented as unavoidable); global_references passes because the list
# is lost (1 block) and indirect (the rest), as valgrind says.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"

planted p "$PROGS/plant_containers_cleared" containers_cleared baseline_returned

expect p "SELECT count(*) FROM checklist_evidence WHERE item = 'containers_cleared'" 1 "containers_cleared evidence rows"
expect p "SELECT text LIKE 'svc_consume %grew: START % -> AFTER RUN % -> AFTER CLEANUP %' FROM checklist_evidence
	WHERE item = 'containers_cleared'" 1 \
	"evidence names svc_consume and its phases: $(q "$WORK/p.db" "SELECT text FROM checklist_evidence WHERE item = 'containers_cleared'")"
site="(SELECT stack_id FROM checklist_evidence WHERE item = 'containers_cleared')"
expect p "SELECT count(*) FROM stacks st JOIN frames f ON f.id = st.frame_id WHERE st.stack_id = $site
	AND f.function IN ('svc_consume', 'svc_consumer_main')" 2 "the evidence stack is svc_consumer_main -> svc_consume"

# growth START < AFTER RUN < AFTER CLEANUP, and exit holds what AFTER CLEANUP held
live_at() {
	val p "SELECT coalesce((SELECT ss.live_bytes FROM site_snapshots ss JOIN snapshots s ON s.seq = ss.snapshot_seq
		WHERE s.label = '$1' AND ss.stack_id = $site), 0)"
}
live_at START
at_start=$V
live_at "AFTER RUN"
at_run=$V
live_at "AFTER CLEANUP"
at_cleanup=$V
if [ "$at_start" -ne 0 ] || [ "$at_run" -le 0 ] || [ "$at_cleanup" -le "$at_run" ]; then
	fail "p: svc_consume live bytes START $at_start, AFTER RUN $at_run, AFTER CLEANUP $at_cleanup: not growing from 0"
fi
expect p "SELECT live_bytes FROM sites WHERE stack_id = $site" "$at_cleanup" "svc_consume live bytes at exit = AFTER CLEANUP"
expect p "SELECT value FROM checklist_evidence WHERE item = 'containers_cleared'" "$at_cleanup" "evidence value (growth since START)"
expect p "SELECT lost_allocs || ' lost, ' || indirect_allocs || ' indirect of ' || live_allocs || ', ' || reachable_allocs || ' reachable'
	FROM sites WHERE stack_id = $site" \
	"1 lost, $(q "$WORK/p.db" "SELECT live_allocs - 1 FROM sites WHERE stack_id = $site") indirect of $(q "$WORK/p.db" "SELECT live_allocs FROM sites WHERE stack_id = $site"), 0 reachable" \
	"classes of the dropped list"
expect p "SELECT count(*) FROM checklist_evidence WHERE item = 'global_references'" 0 "global_references evidence rows"
exit 0
