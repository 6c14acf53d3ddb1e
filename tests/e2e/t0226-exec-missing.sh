#!/bin/sh
# exec of a program that does not exist (execvp through PATH, execv,
# execl): each fails with ENOENT as without the tracer, the program goes
# on, and so does its trace: one process that ends with 'exit' (not
# 'exec'), the blocks made after the failed execs, no other trace file,
# and one 'exit' snapshot, at the real exit (a failed exec is not an exit).
. "$(dirname "$0")/lib/common.sh"
# reads the rows of freed blocks: every allocation gets one
ALLOCS="--allocations all"
. "$(dirname "$0")/lib/transparent.sh"
same nox -- "$PROGS/rob_execmissing"
[ "$RC" -eq 0 ] || fail "status $RC, want 0"
[ "$(grep -c ENOENT "$WORK/nox.out")" -eq 3 ] || fail "stdout: $(cat "$WORK/nox.out")"
ingest_all nox
expect nox "SELECT count(*)||' '||end_reason||' '||ifnull(exit_code,'-') FROM processes" "1 exit 0"
expect nox "SELECT count(*)||' '||count(free_ns) FROM allocations WHERE size BETWEEN 5001 AND 5004" "4 4"
expect nox "SELECT count(*) FROM snapshots WHERE label='exit'" "1"
expect nox "SELECT label FROM snapshots ORDER BY seq DESC LIMIT 1" "exit"
exit 0
