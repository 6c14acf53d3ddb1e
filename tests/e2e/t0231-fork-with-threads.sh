#!/bin/sh
# fork() from a program whose other threads allocate all the while: no
# child deadlocks (everything runs under timeout), the output is the
# same as without the tracer, and every child has a complete trace of
# its own: end 'exit' 0, its 100 blocks of 8001 bytes all freed, the
# blocks live at the fork as 'inherited', one thread, no unknown frees.
. "$(dirname "$0")/lib/common.sh"
# reads the rows of freed blocks: every allocation gets one
ALLOCS="--allocations all"
. "$(dirname "$0")/lib/transparent.sh"
for round in 1 2 3; do
	same fork$round -- "$PROGS/rob_forkthreads"
	[ "$RC" -eq 0 ] || fail "round $round: status $RC, want 0: $(cat "$WORK/fork$round.out")"
	ingest_all fork$round
	expect "round $round" "SELECT count(*)||' '||sum(end_reason='exit' AND exit_code=0)||' '||sum(unknown_frees) FROM processes" "6 6 0"
	expect "round $round: children" "SELECT count(*) FROM processes WHERE parent_process_id IS NOT NULL" "5"
	expect "round $round: children's blocks" "SELECT count(*)||' '||count(free_ns)||' '||count(DISTINCT process_id) FROM allocations a
		JOIN processes p ON p.id=a.process_id WHERE p.parent_process_id IS NOT NULL AND a.size=8001" "500 500 5"
	expect "round $round: children's threads" "SELECT count(*)||' '||count(DISTINCT process_id) FROM threads t
		JOIN processes p ON p.id=t.process_id WHERE p.parent_process_id IS NOT NULL" "5 5"
	expect "round $round: inherited" "SELECT count(DISTINCT a.process_id) FROM allocations a
		JOIN processes p ON p.id=a.process_id WHERE p.parent_process_id IS NOT NULL AND a.kind='inherited'" "5"
done
exit 0
