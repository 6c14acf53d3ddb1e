#!/bin/sh
# Issue 10: `memledger check` listed every one of 241 threads (600+ lines).
# It groups them by the place that created them: 40 runners still running
# and 3 quitters never joined (tests/programs/many_threads.c) take one
# entry each, with one stack; the database keeps one evidence row a thread.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"

trace t "$PROGS/many_threads"
[ "$RC" -eq 0 ] || fail "many_threads exited $RC"
load t
expect t "SELECT count(*) FROM checklist_evidence WHERE item = 'threads_stopped'" 40 "threads_stopped evidence rows"
"$ML" check "$WORK/t.db" >"$WORK/check.out" 2>&1
[ $? -eq 1 ] || fail "check did not exit 1"
grep -q '^        - 40 threads (runner) still running at exit: ' "$WORK/check.out" ||
	fail "no group of 40 runners: $(grep -m1 runner "$WORK/check.out")"
grep -q '^        - 3 threads (quitter) ended without being joined: ' "$WORK/check.out" ||
	fail "no group of 3 quitters: $(grep -m1 quitter "$WORK/check.out")"
n=$(grep -c 'start_runners' "$WORK/check.out")
[ "$n" -eq 1 ] || fail "the runners' creation stack is printed $n times"
n=$(wc -l <"$WORK/check.out")
[ "$n" -le 60 ] || fail "check printed $n lines"
exit 0
