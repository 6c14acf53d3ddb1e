#!/bin/sh
# tests/programs/thread_states.c: 2 joined, 2 running at exit, 1 exited
# and never joined, 1 detached, plus main. state_at_exit must say exactly
# that, per start function, in every one of several runs (races between
# thread exit, join, detach and process exit would show as a flip). The
# four threads that ended did so before the snapshot STATES; the running
# ones have no end. The checklist: threads_stopped fails with reader_main
# and pauser_main, threads_joined with unjoined_main, channels_closed with
# the pipe the reader blocks on; settle_time passes.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"

want="detached_main:detached:1 joined_main:joined:2 main:main:1 pauser_main:running:1 reader_main:running:1 unjoined_main:exited-unjoined:1"
for i in 1 2 3 4; do
	r=run$i
	traced $r "$PROGS/thread_states"
	expect $r "SELECT group_concat(f || ':' || state_at_exit || ':' || n, ' ') FROM
		(SELECT CASE WHEN state_at_exit = 'main' THEN 'main' ELSE coalesce(start_function, '?') END f,
		 state_at_exit, count(*) n FROM threads GROUP BY 1, 2 ORDER BY 1, 2)" "$want" "threads (run $i)"
	expect $r "SELECT count(*) FROM threads t, processes p WHERE t.state_at_exit = 'main' AND t.tid = p.pid" 1 \
		"the main thread's tid is the pid (run $i)"
	snap_ns $r STATES
	expect $r "SELECT count(*) FROM threads WHERE state_at_exit IN ('joined', 'exited-unjoined', 'detached')
		AND end_ns IS NOT NULL AND end_ns < $V" 4 "threads that ended before STATES (run $i)"
	expect $r "SELECT count(*) FROM threads WHERE state_at_exit IN ('running', 'main') AND end_ns IS NULL" 3 \
		"running threads and main without end_ns (run $i)"
	expect $r "SELECT count(*) FROM threads WHERE state_at_exit = 'joined' AND join_ns >= end_ns" 2 \
		"joined threads with join_ns (run $i)"
	expect $r "SELECT group_concat(item || '=' || status, ' ') FROM (SELECT item, status FROM checklist
		WHERE item IN ('threads_stopped', 'threads_joined', 'channels_closed', 'settle_time') ORDER BY item)" \
		"channels_closed=fail settle_time=pass threads_joined=fail threads_stopped=fail" "checklist (run $i)"
	expect $r "SELECT group_concat(fn, ' ') FROM (SELECT substr(text, instr(text, ' (') + 2,
		instr(text, ') still running at exit') - instr(text, ' (') - 2) fn
		FROM checklist_evidence WHERE item = 'threads_stopped' ORDER BY fn)" \
		"pauser_main reader_main" "threads_stopped evidence: start functions (run $i)"
	expect $r "SELECT count(*) FROM checklist_evidence WHERE item = 'threads_stopped'
		AND text LIKE '%, created at start (%thread_states.c:%)'" 2 "threads_stopped evidence: created in start() (run $i)"
	expect $r "SELECT count(*) FROM checklist_evidence WHERE item = 'threads_joined' AND text LIKE '% (unjoined_main) ended without being joined,%'" 1 \
		"threads_joined evidence names unjoined_main (run $i)"
	expect $r "SELECT count(*) FROM checklist_evidence WHERE item = 'threads_joined'" 1 "threads_joined evidence rows (run $i)"
	"$ML" check "$WORK/$r.db" >/dev/null 2>&1
	rc=$?
	[ $rc -eq 1 ] || fail "$r: memledger check exited $rc, want 1"
done
exit 0
