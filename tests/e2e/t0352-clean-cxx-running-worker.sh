#!/bin/sh
# tests/programs/clean_cxx.cc --warm --leave-worker: a clean C++ program
# that leaves one worker thread (created before START, holding no heap
# block) running at exit. Only threads_stopped fails, naming worker_main.
# With a thread alive the runtime cannot release its caches before the exit
# scan, so libstdc++'s emergency pool, stdout's buffer and the worker's TLS
# vector are live at exit: they belong to runtime sites, and none of them
# is global_references evidence.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"

traced c "$PROGS/clean_cxx" --warm --leave-worker
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
