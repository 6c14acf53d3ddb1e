#!/bin/sh
# libunwind probes memory through a pipe of its own (libunwind 1.6's
# write_validate), and unwinds nothing without one. The tracer gives it
# two impossible descriptor numbers and serves them (tracer/lu_probe.c),
# so stacks that go through libunwind (signal frames, or every stack
# under MEMLEDGER_UNWIND=libunwind) are whole while the program's
# descriptor table holds nothing of ours, even under `ulimit -n 6`.
. "$(dirname "$0")/lib/common.sh"
# reads the rows of freed blocks: every allocation gets one
ALLOCS="--allocations all"
. "$(dirname "$0")/lib/transparent.sh"

MEMLEDGER_UNWIND=libunwind
export MEMLEDGER_UNWIND
same lu -- "$PROGS/counts"
ingest_all lu
expect lu "SELECT count(*) > 20 AND count(*) = count(stack_id) FROM allocations" 1
# the stacks reach main
expect lu "SELECT count(DISTINCT a.stack_id) > 0 FROM allocations a JOIN stacks st ON st.stack_id = a.stack_id
	JOIN frames f ON f.id = st.frame_id WHERE f.function = 'main'" 1
# nothing in the program's descriptor table, even at a tight limit
same fds -- sh -c 'ulimit -n 6; ls /proc/self/fd'
same fds2 -- sh -c 'ls -l /proc/self/fd | grep -c pipe'
exit 0
