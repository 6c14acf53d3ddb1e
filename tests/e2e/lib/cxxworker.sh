# Shared by t0352 and t0353: tests/programs/clean_cxx.cc with one worker
# thread (worker_main, created in start_worker) still running at exit.
# Sourced after common.sh and checklist.sh.
#
#   expect_running_worker NAME ARG...   trace clean_cxx ARG... as NAME. Only
#       threads_stopped fails, naming worker_main and start_worker; nothing
#       is global_references evidence; no block of the program's own sites
#       and no unclassified block is live at exit.

expect_running_worker() {
	_wname=$1
	shift
	traced "$_wname" "$PROGS/clean_cxx" "$@"
	expect "$_wname" "SELECT group_concat(start_function, ' ') FROM threads WHERE state_at_exit = 'running'" \
		"worker_main(void*)" "threads running at exit"
	expect "$_wname" "SELECT count(*) FROM checklist_evidence WHERE item = 'threads_stopped'
		AND text LIKE 'thread % (worker_main(void*)) still running at exit, created at start_worker() (%'" 1 "threads_stopped evidence"
	expect "$_wname" "SELECT count(*) FROM checklist_evidence WHERE item = 'global_references'" 0 "global_references evidence rows"
	expect "$_wname" "SELECT count(*) FROM allocations a JOIN sites s ON s.stack_id = a.stack_id
		WHERE a.free_ns IS NULL AND s.runtime = 0" 0 "blocks of the program's own sites live at exit"
	expect "$_wname" "SELECT count(*) FROM allocations WHERE free_ns IS NULL AND leak IS NULL" 0 "unclassified blocks live at exit"
	expect_items "$_wname" threads_stopped
	expect_check "$_wname"
}
