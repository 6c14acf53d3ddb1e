#!/bin/sh
# Thread states under a create/join race (issue 9): 4 threads, each doing
# 200 pthread_create + pthread_join pairs at once (createjoin_race.c).
# glibc hands a joined thread's pthread_t to the next create at once, and
# the tracer's start record is handed back to a pool by the new thread;
# either race recorded some joined threads as exited-unjoined (5 to 20 per
# run) and failed threads_joined falsely. Every thread must be 'joined',
# with exactly one join, in each of two runs.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"

for i in 1 2; do
	r=race$i
	traced $r "$PROGS/createjoin_race"
	[ "$(cat "$WORK/$r.out")" = "threads 804 joined 804" ] || fail "$r: stdout: $(cat "$WORK/$r.out")"
	expect $r "SELECT group_concat(state_at_exit || '=' || n, ' ') FROM
		(SELECT state_at_exit, count(*) n FROM threads GROUP BY 1 ORDER BY 1)" \
		"joined=804 main=1" "thread states (run $i)"
	expect $r "SELECT count(*) FROM threads WHERE state_at_exit = 'joined'
		AND join_ns IS NOT NULL AND end_ns IS NOT NULL AND join_ns >= end_ns" 804 "joins after the ends (run $i)"
	expect $r "SELECT count(DISTINCT start_function) || ' ' || min(start_function) FROM threads
		WHERE state_at_exit = 'joined' AND creator_tid != (SELECT pid FROM processes)" "1 child" \
		"children's start function (run $i)"
	expect $r "SELECT status FROM checklist WHERE item = 'threads_joined'" pass "threads_joined (run $i)"
done
exit 0
