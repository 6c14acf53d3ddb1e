#!/bin/sh
# After closing every descriptor from 3 to 1024 a program gets 3 and 4
# again for its next pipe or file. The tracer (libunwind, its fallback
# unwinder, validates memory through a pipe of its own that the loop
# closed) must not read from, write to, close or hang on the program's
# descriptors: "hello" written into a fresh pipe, or a fresh file, must
# come back as "hello" after the allocations, as without the tracer,
# within the timeout. With loop_pipe_signal the allocations come from a
# signal handler, whose stacks take the libunwind fallback.
. "$(dirname "$0")/lib/common.sh"
# reads the rows of freed blocks: every allocation gets one
ALLOCS="--allocations all"
SAME_TIMEOUT=20
. "$(dirname "$0")/lib/transparent.sh"
same sigpipe -- "$PROGS/rob_closefds" loop_pipe_signal
[ "$RC" -eq 0 ] || fail "pipe, signal handler: status $RC, want 0: stdout '$(cat "$WORK/sigpipe.out")'"
ingest_all sigpipe
expect sigpipe "SELECT count(*)||' '||count(free_ns) FROM allocations WHERE size=3101" "10 10"
same_ok file "file: hello" -- "$PROGS/rob_closefds" loop_file "$WORK/data"
ingest_all file
expect file "SELECT count(*)||' '||count(free_ns) FROM allocations WHERE size=3101" "100 100"
same pipe -- "$PROGS/rob_closefds" loop_pipe
[ "$RC" -eq 0 ] || fail "pipe: status $RC, want 0"
ingest_all pipe
expect pipe "SELECT count(*)||' '||count(free_ns) FROM allocations WHERE size=3101" "100 100"
exit 0
