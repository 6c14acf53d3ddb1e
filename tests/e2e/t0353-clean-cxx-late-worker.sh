#!/bin/sh
# tests/programs/clean_cxx.cc --warm --late-worker: as t0352, but the
# worker is started during the run, as programs usually do, so its TLS
# vector (a runtime block, calloc'ed by ld.so in pthread_create) is
# allocated after START and still allocated at AFTER CLEANUP and at exit.
# It must fail neither global_references nor baseline_returned: the running
# thread is the one failure, so only threads_stopped fails, naming
# worker_main.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"

traced c "$PROGS/clean_cxx" --warm --late-worker
expect c "SELECT group_concat(start_function, ' ') FROM threads WHERE state_at_exit = 'running'" \
	"worker_main(void*)" "threads running at exit"
expect c "SELECT count(*) FROM checklist_evidence WHERE item = 'threads_stopped'
	AND text LIKE 'thread % (worker_main(void*)) still running at exit, created at start_worker() (%'" 1 "threads_stopped evidence"
expect c "SELECT count(*) FROM checklist_evidence WHERE item = 'global_references'" 0 "global_references evidence rows"
expect c "SELECT count(*) FROM allocations a JOIN sites s ON s.stack_id = a.stack_id
	WHERE a.free_ns IS NULL AND s.runtime = 0" 0 "blocks of the program's own sites live at exit"
expect c "SELECT count(*) FROM allocations WHERE free_ns IS NULL AND leak IS NULL" 0 "unclassified blocks live at exit"
expect_items c threads_stopped
expect_check c
exit 0
