#!/bin/sh
# partition_demo --leak-map: instance 0's commits copy into a global
# archive map that only grows. containers_cleared fails, and (documented
# as unavoidable) global_references and baseline_returned. The evidence of
# both leads to the archive: stacks through archive_entry (entries, value
# copies) and the archive's bucket array.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"
. "$(dirname "$0")/lib/demo.sh"

demo d --leak-map
expect_items d containers_cleared global_references baseline_returned
expect_check d
for item in containers_cleared global_references; do
	expect d "SELECT count(*) FROM checklist_evidence e WHERE item = '$item' AND EXISTS (SELECT 1 FROM stacks st
		JOIN frames f ON f.id = st.frame_id WHERE st.stack_id = e.stack_id AND f.function = 'archive_entry')" 2 \
		"$item evidence rows with archive_entry in the stack (value_copy, map_put)"
	expect d "SELECT count(*) FROM checklist_evidence WHERE item = '$item' AND text LIKE '%value_copy (%'" 1 \
		"$item evidence naming value_copy"
	expect d "SELECT count(*) FROM checklist_evidence WHERE item = '$item' AND text LIKE '%map_put (%'" 1 \
		"$item evidence naming map_put"
	# the only other evidence: the archive's bucket array (map_init, 4096 x 8 bytes)
	expect d "SELECT count(*) FROM checklist_evidence WHERE item = '$item' AND text NOT LIKE '%value_copy (%'
		AND text NOT LIKE '%map_put (%' AND NOT (text LIKE '%map_init (%' AND value = 32768)" 0 \
		"$item evidence that is not the archive"
done
expect d "SELECT count(*) FROM checklist_evidence WHERE item = 'containers_cleared'
	AND text LIKE '% grew: START 0 B -> AFTER RUN % -> AFTER CLEANUP %'" 3 "containers_cleared evidence shows growth from 0"
exit 0
