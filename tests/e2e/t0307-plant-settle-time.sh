#!/bin/sh
# tests/programs/plant_settle_time.c: AFTER CLEANUP is taken before the
# reporter frees its 4096-byte buffer (allocated in main) and exits. Only
# settle_time fails, with exactly that evidence: 1 thread exit
# (svc_reporter_main) and 1 block of 4096 bytes from main.
. "$(dirname "$0")/lib/common.sh"
# reads the rows of freed blocks: every allocation gets one
ALLOCS="--allocations all"
. "$(dirname "$0")/lib/checklist.sh"

planted p "$PROGS/plant_settle_time" settle_time

expect p "SELECT detail LIKE 'After the program''s last snapshot, 1 block (4.00 KiB) were freed and 1 thread ended %'
	FROM checklist WHERE item = 'settle_time'" 1 \
	"settle_time detail: $(q "$WORK/p.db" "SELECT detail FROM checklist WHERE item = 'settle_time'")"
expect p "SELECT count(*) FROM checklist_evidence WHERE item = 'settle_time'" 2 "settle_time evidence rows"
expect p "SELECT count(*) FROM checklist_evidence WHERE item = 'settle_time'
	AND text LIKE 'thread % (svc_reporter_main) ended % after the last snapshot'" 1 "evidence: the reporter's exit"
expect p "SELECT count(*) FROM checklist_evidence WHERE item = 'settle_time'
	AND text LIKE '1 block (4.00 KiB) from main (%plant_settle_time.c:%) freed after the last snapshot'" 1 \
	"evidence: the scratch buffer from main"
snap_ns p "AFTER CLEANUP"
expect p "SELECT count(*) FROM allocations WHERE size = 4096 AND free_ns > $V" 1 "the 4096-byte block freed after AFTER CLEANUP"
exit 0
