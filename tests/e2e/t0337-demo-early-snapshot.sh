#!/bin/sh
# partition_demo --early-snapshot: AFTER CLEANUP is taken before the
# workers are dismissed and joined. Only settle_time fails; its evidence is
# the 24 worker_main thread exits after the snapshot, and no block: nothing
# is freed after it.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"
. "$(dirname "$0")/lib/demo.sh"

demo d --early-snapshot
expect_items d settle_time
expect_check d
expect d "SELECT detail LIKE 'After the program''s last snapshot, 0 blocks (0 B) were freed and 24 threads ended %'
	FROM checklist WHERE item = 'settle_time'" 1 \
	"settle_time detail: $(q "$WORK/d.db" "SELECT detail FROM checklist WHERE item = 'settle_time'")"
expect d "SELECT count(*) FROM checklist_evidence WHERE item = 'settle_time'
	AND text LIKE 'thread % (worker_main) ended % after the last snapshot'" 24 "settle_time evidence: worker exits"
expect d "SELECT count(*) FROM checklist_evidence WHERE item = 'settle_time'" 24 "settle_time evidence rows"
snap_ns d "AFTER CLEANUP"
expect d "SELECT count(*) FROM threads WHERE start_function = 'worker_main' AND state_at_exit = 'joined' AND end_ns > $V" 24 \
	"workers joined after AFTER CLEANUP"
exit 0
