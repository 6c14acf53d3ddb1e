#!/bin/sh
# Issue 9, signal dispositions: the program sees exactly the dispositions,
# alternate stack and masks it would have without the tracer, in the main
# thread and in a new one, and a program that sets its own handlers for
# the signals the tracer watches (SIGSEGV, SIGFPE, SIGABRT) gets the same
# old values back and the same behaviour. Yet a crash the program did not
# handle is still recorded: end_reason 'signal', 11.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/transparent.sh"
P=$PROGS/lc_sigquery

same query -- "$P"
[ "$RC" -eq 0 ] || fail "query: status $RC"
grep -q '^main sig 11: DFL flags 0 mask$' "$WORK/query.out" || fail "query: SIGSEGV not at its default: $(grep 'sig 11:' "$WORK/query.out" | head -1)"
grep -q '^thread altstack: flags 2 ' "$WORK/query.out" || fail "query: a thread has an alternate stack"

same set -- "$P" set
[ "$RC" -eq 0 ] || fail "set: status $RC"
grep -q '^caught 2$' "$WORK/set.out" || fail "set: the program's own handlers did not run: $(tail -3 "$WORK/set.out")"
ingest_all set
expect set "SELECT end_reason||' '||exit_code FROM processes" "exit 0"

# A crash nobody handles still ends the trace, with its signal.
trace crash "$PROGS/crash"
[ "$RC" -eq 139 ] || fail "crash: run exited $RC, want 139"
load crash
got=$(q "$WORK/crash.db" "SELECT end_reason||' '||signal FROM processes")
[ "$got" = "signal 11" ] || fail "crash: end '$got', want 'signal 11'"
exit 0
