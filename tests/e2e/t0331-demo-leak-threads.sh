#!/bin/sh
# partition_demo --leak-threads: instance 0's 3 workers are never
# dismissed. Only threads_stopped fails, with 3 pieces of evidence: worker
# threads created in instance_create. Their TLS vectors (runtime blocks,
# live at exit) are no global_references evidence.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"
. "$(dirname "$0")/lib/demo.sh"

demo d --leak-threads
expect_items d threads_stopped
expect_check d
expect d "SELECT group_concat(start_function || ':' || n, ' ') FROM (SELECT start_function, count(*) n FROM threads
	WHERE state_at_exit = 'running' GROUP BY 1)" "worker_main:3" "threads running at exit"
expect d "SELECT count(*) FROM checklist_evidence WHERE item = 'threads_stopped'
	AND text LIKE 'thread % (worker_main) still running at exit, created at instance_create (%partition_demo.c:%)'" 3 \
	"threads_stopped evidence naming worker_main and instance_create"
expect d "SELECT count(*) FROM checklist_evidence WHERE item = 'threads_stopped'" 3 "threads_stopped evidence rows"
expect d "SELECT count(*) FROM checklist_evidence WHERE item = 'global_references'" 0 "global_references evidence rows"
expect d "SELECT count(*) FROM allocations a JOIN sites s ON s.stack_id = a.stack_id
	WHERE a.free_ns IS NULL AND s.runtime = 0" 0 "blocks of the demo's own sites live at exit"
exit 0
