#!/bin/sh
# Allocation inside signal handlers: 100 synchronous SIGUSR1 (raise) and
# ~150 SIGALRM from a 1 ms timer that mostly land while the program is
# inside malloc or free. Same output as without the tracer, no deadlock,
# no unknown frees, every recorded block freed, the 100 SIGUSR1 blocks
# exact - and, by the counting rules, the SIGALRM blocks exact too.
. "$(dirname "$0")/lib/common.sh"
# reads the rows of freed blocks: every allocation gets one
ALLOCS="--allocations all"
. "$(dirname "$0")/lib/transparent.sh"
same sig -- "$PROGS/rob_sigalloc" "$WORK/alarms"
[ "$RC" -eq 0 ] || fail "status $RC, want 0"
alarms=$(cat "$WORK/alarms")
[ "$alarms" -gt 0 ] || fail "no SIGALRM was handled"
ingest_all sig
expect sig "SELECT unknown_frees||' '||end_reason||' '||exit_code FROM processes" "0 exit 0"
expect sig "SELECT count(*)||' '||count(free_ns) FROM allocations WHERE size=3333" "100 100"
got=$(q "$DB" "SELECT count(*)||' '||count(free_ns) FROM allocations WHERE size=4444")
[ "${got% *}" = "${got#* }" ] || fail "SIGALRM blocks recorded but not freed: '$got'"
[ "${got% *}" -le "$alarms" ] || fail "more SIGALRM blocks recorded (${got% *}) than made ($alarms)"
[ "${got% *}" -eq "$alarms" ] ||
	fail "SIGALRM handler made $alarms blocks of 4444 bytes, the trace has ${got% *}: allocations in a handler that interrupted malloc/free are not counted"
exit 0
