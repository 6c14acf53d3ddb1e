#!/bin/sh
# Transparency suite (issue 9): a small signal-stack program. Handlers on
# an 8 KiB alternate stack run there, a stack overflow is caught on it and
# recovered from, and a SIGALRM without SA_RESTART interrupts a read with
# EINTR: the same with and without the tracer, which brings no alternate
# stack, handler or mask of its own; the trace loads.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/transparent.sh"
ulimit -c 0
same sigstack -- "$PROGS/lc_sigstack"
[ "$RC" -eq 0 ] || fail "status $RC"
[ "$(tr '\n' '|' <"$WORK/sigstack.out")" = "usr1: 100 on the alternate stack, 0 off it|recovered from a stack overflow|read: -1 Interrupted system call, alarms 1|" ] ||
	fail "output: $(tr '\n' '|' <"$WORK/sigstack.out")"
all_load sigstack
exit 0
