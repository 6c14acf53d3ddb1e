#!/bin/sh
# tests/programs/clean_mt.c: threads, a timerfd, a POSIX timer, a pipe and
# a socketpair, all cleaned up. Every checklist item passes (gc_repeated
# n/a) and `memledger check` exits 0. Also pins what the pass rests on:
# every thread joined, every resource closed before AFTER CLEANUP, Alloc
# and HeapObjects at AFTER CLEANUP equal to START, nothing of the
# program's live at exit.
. "$(dirname "$0")/lib/common.sh"
# reads the rows of freed blocks: every allocation gets one
ALLOCS="--allocations all"
. "$(dirname "$0")/lib/checklist.sh"

planted clean "$PROGS/clean_mt"
grep -q '^process 1: pid [0-9]* .*clean_mt (exit)$' "$WORK/clean.check" ||
	fail "check: no process header line: $(head -1 "$WORK/clean.check")"

expect_thread_states clean "joined:6 main:1" \
	"thread states (3 warm-up + producer, consumer, reporter joined)"
expect clean "SELECT group_concat(start_function, ' ') FROM (SELECT start_function FROM threads
	WHERE state_at_exit = 'joined' AND start_function != 'svc_idle' ORDER BY start_function)" \
	"svc_consumer_main svc_producer_main svc_reporter_main" "start functions of the service threads"

snap_ns clean "START"
start=$V
snap_ns clean "AFTER CLEANUP"
cleanup=$V
expect clean "SELECT count(*) FROM resources WHERE close_ns IS NULL OR close_ns > $cleanup
	OR open_ns < $start" 0 "resources opened before START, or not closed by AFTER CLEANUP"
expect clean "SELECT group_concat(kind, ' ') FROM (SELECT DISTINCT kind FROM resources ORDER BY kind)" \
	"pipe posix_timer socket timerfd" "kinds of resources"
expect clean "SELECT count(*) FROM resources WHERE kind IN ('timerfd', 'posix_timer')" 2 "timers"

expect clean "SELECT (SELECT alloc || '/' || heap_objects FROM snapshots WHERE label = 'AFTER CLEANUP')
	= (SELECT alloc || '/' || heap_objects FROM snapshots WHERE label = 'START')" 1 \
	"Alloc/HeapObjects at AFTER CLEANUP equal START"
expect clean "SELECT count(*) FROM allocations a JOIN sites s ON s.stack_id = a.stack_id
	WHERE a.free_ns IS NULL AND s.runtime = 0" 0 "blocks of the program's own sites live at exit"
expect clean "SELECT count(*) FROM allocations a JOIN sites s ON s.stack_id = a.stack_id
	WHERE s.function = 'svc_consume' AND a.free_ns <= $cleanup" \
	"$(q "$WORK/clean.db" "SELECT count(*) FROM allocations a JOIN sites s ON s.stack_id = a.stack_id WHERE s.function = 'svc_consume'")" \
	"svc_consume items not all freed before AFTER CLEANUP"
expect clean "SELECT count(*) >= 100 FROM allocations a JOIN sites s ON s.stack_id = a.stack_id
	WHERE s.function = 'svc_consume'" 1 "about 158 items from svc_consume"
exit 0
