#!/bin/sh
# Ways out of a traced process: _exit(3), abort(), SIGTERM sent by the
# program to itself, and SIGTERM sent to `memledger run` (passed on to the
# program). Each behaves exactly as without the tracer (stdout, stderr,
# status 3, 134, 143, 143). _exit and abort end their traces (abort is a
# fault the thread raises itself: the tracer's invisible handler records
# it); an asynchronous SIGTERM is not taken from the program, so its trace
# loads as 'truncated', with what was written up to the kill.
. "$(dirname "$0")/lib/common.sh"
# reads the rows of freed blocks: every allocation gets one
ALLOCS="--allocations all"
. "$(dirname "$0")/lib/transparent.sh"
P=$PROGS/rob_exits
ENDQ="SELECT end_reason||' '||ifnull(exit_code,'-')||' '||ifnull(signal,'-') FROM processes"
BLOCKS="SELECT count(*)||' '||sum(free_ns IS NULL) FROM allocations WHERE size BETWEEN 1001 AND 1005"

same exit3 -- "$P" _exit
[ "$RC" -eq 3 ] || fail "_exit: status $RC, want 3"
ingest_all exit3
expect _exit "$ENDQ" "exit 3 -"
expect _exit "$BLOCKS" "5 3"
expect _exit "SELECT mallocs||' '||frees FROM snapshots WHERE label='BEFORE END'" "5 2"

same abort -- "$P" abort
[ "$RC" -eq 134 ] || fail "abort: status $RC, want 134"
ingest_all abort
expect abort "$ENDQ" "signal - 6"
expect abort "$BLOCKS" "5 3"

same term -- "$P" term
[ "$RC" -eq 143 ] || fail "SIGTERM: status $RC, want 143"
load term
DB=$WORK/term.db
expect SIGTERM "$ENDQ" "truncated - -"

# SIGTERM to memledger run itself: it passes the signal on, as a shell
# does for its foreground job, and exits 143
"$ML" run -o "$WORK/fwd.mlt" -- "$P" wait >"$WORK/fwd.out" 2>"$WORK/fwd.err" </dev/null &
runner=$!
i=0
until grep -q ready "$WORK/fwd.out" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 200 ] || { kill -KILL $runner; fail "forwarded SIGTERM: the program never got ready"; }
	sleep 0.05
done
sleep 0.1
kill -TERM $runner
wait $runner
rc=$?
[ $rc -eq 143 ] || fail "forwarded SIGTERM: memledger run exited $rc, want 143"
[ "$(cat "$WORK/fwd.out")" = ready ] || fail "forwarded SIGTERM: stdout '$(cat "$WORK/fwd.out")'"
load fwd
DB=$WORK/fwd.db
expect "forwarded SIGTERM" "$ENDQ" "truncated - -"
expect "forwarded SIGTERM" "$BLOCKS" "5 3"
exit 0
