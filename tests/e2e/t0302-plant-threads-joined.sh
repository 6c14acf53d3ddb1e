#!/bin/sh
# tests/programs/plant_threads_joined.c: the reporter exits but is never
# joined nor detached. Only threads_joined fails; its evidence names
# svc_reporter_main; the thread is 'exited-unjoined' and ended before
# AFTER CLEANUP; `check` exits 1.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"

planted p "$PROGS/plant_threads_joined" threads_joined

expect_thread_states p "exited-unjoined:1 joined:5 main:1"
expect p "SELECT start_function FROM threads WHERE state_at_exit = 'exited-unjoined'" \
	svc_reporter_main "start function of the unjoined thread"
snap_ns p "AFTER CLEANUP"
expect p "SELECT end_ns < $V AND join_ns IS NULL AND detach_ns IS NULL FROM threads
	WHERE state_at_exit = 'exited-unjoined'" 1 "unjoined thread ended before AFTER CLEANUP, no join, no detach"
expect_one_evidence p threads_joined '%svc_reporter_main%svc_start%' "evidence names svc_reporter_main created in svc_start"
expect p "SELECT e.value = t.tid FROM checklist_evidence e, threads t
	WHERE e.item = 'threads_joined' AND t.state_at_exit = 'exited-unjoined'" 1 "evidence carries the thread's tid"
exit 0
