#!/bin/sh
# After closefrom(3) the descriptor number the trace file had is the
# program's again; the program dup2()s stdout onto it and closes it (a
# server's 900th connection could land there just as well). The tracer
# must not write its trace into the program's stdout, and close() must
# really close the program's descriptor: stdout, stderr and status are
# the same as without the tracer.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/transparent.sh"
same cfdup -- "$PROGS/rob_closefds" closefrom_dup2
[ "$RC" -eq 0 ] || fail "status $RC, want 0"
[ "$(cat "$WORK/cfdup.out")" = "after close: 10 blocks, pipe ok" ] || fail "stdout '$(head -c 200 "$WORK/cfdup.out")'"
exit 0
