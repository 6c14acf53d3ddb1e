#!/bin/sh
# The exit scan reads only memory that is in RAM (tests/programs/
# leak_huge.c): a leaked 16 GiB block, untouched but for one page, and a
# reachable 1 GiB one. Exit processing (exit_begin_ns to end_ns) and the
# scan each take under 1 s (reading every page took 20 s), and every
# block is still classified: the 16 GiB block lost, the block only its
# touched page points to indirect, the 1 GiB block and the block its page
# points to reachable.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/transparent.sh"
[ "$(cat /proc/sys/vm/overcommit_memory 2>/dev/null)" != 2 ] || skip "overcommit_memory is 2: no 16 GiB block"
"$PROGS/leak_huge" >/dev/null 2>&1
[ $? -ne 3 ] || skip "the system does not hand out a 16 GiB block"
same huge -- "$PROGS/leak_huge"
[ "$RC" -eq 0 ] || fail "status $RC"
ingest_all huge
expect huge "SELECT scanned FROM processes" 1
expect huge "SELECT group_concat(size||' '||leak, '; ') FROM (SELECT size, leak FROM allocations
	WHERE size IN (100, 200, 1073741824, 17179869184) ORDER BY size)" \
	"100 indirect; 200 reachable; 1073741824 reachable; 17179869184 lost"
scan=$(q "$DB" "SELECT scan_ns FROM processes")
exit_ns=$(q "$DB" "SELECT end_ns - exit_begin_ns FROM processes")
echo "exit scan ${scan} ns, exit processing ${exit_ns} ns"
[ "$scan" -lt 1000000000 ] || fail "the exit scan took $scan ns"
[ "$exit_ns" -lt 1000000000 ] || fail "exit processing took $exit_ns ns"
exit 0
