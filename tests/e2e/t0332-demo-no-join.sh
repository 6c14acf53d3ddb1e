#!/bin/sh
# partition_demo --no-join: instance 0's 3 workers return but are never
# joined or detached. Only threads_joined fails, with those 3 worker_main
# threads as evidence; they ended before AFTER CLEANUP.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"
. "$(dirname "$0")/lib/demo.sh"

demo d --no-join
expect_items d threads_joined
expect_check d
snap_ns d "AFTER CLEANUP"
expect d "SELECT count(*) FROM threads WHERE state_at_exit = 'exited-unjoined' AND start_function = 'worker_main'
	AND end_ns < $V" 3 "worker_main threads exited-unjoined before AFTER CLEANUP"
expect d "SELECT count(*) FROM threads WHERE state_at_exit = 'exited-unjoined'" 3 "exited-unjoined threads"
expect d "SELECT count(*) FROM checklist_evidence WHERE item = 'threads_joined'
	AND text LIKE 'thread % (worker_main) ended without being joined, created at instance_create (%'" 3 "threads_joined evidence naming worker_main"
expect d "SELECT count(*) FROM checklist_evidence WHERE item = 'threads_joined'" 3 "threads_joined evidence rows"
exit 0
