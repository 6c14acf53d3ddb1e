#!/bin/sh
# C++ exceptions thrown and caught 1000 times: same output as without the
# tracer; the trace has the 1000 exception objects (frame 0
# __cxa_allocate_exception) and the 2000 operator new blocks of the
# messages, every one freed, and ends with 'exit' 0, no unknown frees.
. "$(dirname "$0")/lib/common.sh"
# reads the rows of freed blocks: every allocation gets one
ALLOCS="--allocations all"
. "$(dirname "$0")/lib/transparent.sh"
same_ok exc "caught 1000" -- "$PROGS/rob_cxx_exc"
ingest_all exc
BY_FN="SELECT count(*)||' '||count(a.free_ns) FROM allocations a
	JOIN stacks s ON s.stack_id=a.stack_id AND s.depth=0 JOIN frames f ON f.id=s.frame_id WHERE f.function"
expect exc "$BY_FN = '__cxa_allocate_exception'" "1000 1000"
expect exc "$BY_FN LIKE 'operator new%'" "2000 2000"
expect exc "SELECT unknown_frees||' '||end_reason||' '||exit_code FROM processes" "0 exit 0"
expect exc "SELECT count(*) FROM allocations WHERE free_ns IS NULL" "0"
exit 0
