#!/bin/sh
# partition_demo --leak-fds: instance 0's stop eventfd and done pipe are
# never closed. Only channels_closed fails; the evidence is the eventfd and
# the pipe, opened in instance_create, and nothing else.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"
. "$(dirname "$0")/lib/demo.sh"

demo d --leak-fds
expect_items d channels_closed
expect_check d
expect d "SELECT count(*) FROM checklist_evidence WHERE item = 'channels_closed'
	AND text LIKE 'eventfd fd % opened by eventfd at instance_create (%'" 1 "eventfd evidence"
val d "SELECT count(*) FROM checklist_evidence WHERE item = 'channels_closed'
	AND text LIKE 'pipe fd % opened by pipe2 at instance_create (%'"
pipes=$V
[ "$pipes" -eq 1 ] || [ "$pipes" -eq 2 ] || fail "d: $pipes pipe evidence rows, want 1 (per call) or 2 (per fd)"
expect d "SELECT count(*) FROM checklist_evidence WHERE item = 'channels_closed'" $((pipes + 1)) "channels_closed evidence rows"
exit 0
