#!/bin/sh
# tests/programs/plant_threads_stopped.c: the reporter thread is never told
# to quit. Only threads_stopped fails, its evidence names the thread (start
# function svc_reporter_main, created in svc_start), and `check` exits 1.
# The running thread still owns its TLS vector, a runtime block: it must not
# make global_references fail, and nothing of the program's is live at exit.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"

planted p "$PROGS/plant_threads_stopped" threads_stopped

expect_thread_states p "joined:5 main:1 running:1"
expect p "SELECT start_function FROM threads WHERE state_at_exit = 'running'" \
	svc_reporter_main "start function of the running thread"
expect_one_evidence p threads_stopped '%svc_reporter_main%svc_start%' "evidence names svc_reporter_main created in svc_start"
expect p "SELECT e.value = t.tid AND e.stack_id = t.stack_id FROM checklist_evidence e, threads t
	WHERE e.item = 'threads_stopped' AND t.state_at_exit = 'running'" 1 "evidence carries the thread's tid and creation stack"
expect p "SELECT count(*) FROM stacks st JOIN frames f ON f.id = st.frame_id
	WHERE st.stack_id = (SELECT stack_id FROM threads WHERE state_at_exit = 'running')
	AND f.function = 'svc_start'" 1 "the running thread's creation stack passes through svc_start"
expect p "SELECT detail LIKE '1 thread %' FROM checklist WHERE item = 'threads_stopped'" 1 "threads_stopped detail counts 1 thread"

# runtime TLS blocks: live at exit, but runtime, and no evidence
expect p "SELECT count(*) FROM checklist_evidence WHERE item = 'global_references'" 0 "global_references evidence rows"
expect p "SELECT count(*) FROM allocations a JOIN sites s ON s.stack_id = a.stack_id
	WHERE a.free_ns IS NULL AND s.runtime = 0" 0 "blocks of the program's own sites live at exit"
expect p "SELECT count(*) FROM allocations WHERE free_ns IS NULL" 3 "blocks live at exit (the 3 warm-up TLS vectors)"
expect p "SELECT count(*) FROM allocations WHERE free_ns IS NULL AND (leak IS NULL OR size != 304)" 0 \
	"live blocks at exit that are not classified 304-byte TLS vectors"
exit 0
