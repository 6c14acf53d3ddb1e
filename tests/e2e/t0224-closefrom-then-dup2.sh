#!/bin/sh
# After closefrom(3) the descriptor number the trace file had is the
# program's again; the program dup2()s stdout onto it and closes it (a
# server's 900th connection could land there just as well). The tracer
# must not write its trace into the program's stdout, and close() must
# really close the program's descriptor: stdout, stderr and status are
# the same as without the tracer.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/transparent.sh"
same_ok cfdup "after close: 10 blocks, pipe ok" -- "$PROGS/rob_closefds" closefrom_dup2
exit 0
