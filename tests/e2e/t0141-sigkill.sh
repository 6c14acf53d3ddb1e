#!/bin/sh
# SIGKILL leaves no chance to write an end record: the trace must still
# ingest its complete prefix, with a warning, as end_reason 'truncated',
# and `run` exits 137.
. "$(dirname "$0")/lib/common.sh"
cat >"$WORK/spin.c" <<'EOF2'
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(void)
{
	volatile char *keep[1000];
	for (int i = 0; i < 1000; i++)
		keep[i] = malloc(100 + i);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		free((void *)keep[0]);
		keep[0] = malloc(100);
		usleep(1000);
	}
}
EOF2
cc -O1 -fno-builtin -o "$WORK/spin" "$WORK/spin.c" || fail "cannot build the test program"
"$ML" run -o "$WORK/k.mlt" -- "$WORK/spin" >"$WORK/k.out" 2>"$WORK/k.err" &
runner=$!
# Kill only once the trace on disk holds the 1000 blocks: the writer
# flushes on its own schedule, so wait for that, not for a guessed time.
# The probe is a load of the growing trace, which is itself a trace cut
# short.
flushed=0
for i in $(seq 400); do
	if grep -q ready "$WORK/k.out" 2>/dev/null; then
		rm -f "$WORK/probe.db"
		"$ML" ingest -q -o "$WORK/probe.db" "$WORK/k.mlt" >/dev/null 2>&1 &&
			[ "$(q "$WORK/probe.db" "SELECT count(*) FROM allocations")" -ge 1000 ] && flushed=1 && break
	fi
	sleep 0.05
done
[ $flushed -eq 1 ] || fail "the trace never held the first 1000 allocations while the program ran"
pkill -KILL -f "$WORK/spin" || fail "could not find the program to kill"
wait $runner
rc=$?
[ $rc -eq 137 ] || fail "run exited $rc, want 137"
"$ML" ingest -o "$WORK/k.db" "$WORK/k.mlt" 2>"$WORK/ing.err" || fail "ingest of a killed trace failed: $(head -1 "$WORK/ing.err")"
grep -q "warning: the trace stops early" "$WORK/ing.err" || fail "no truncation warning"
got=$(q "$WORK/k.db" "SELECT end_reason FROM processes")
[ "$got" = truncated ] || fail "end_reason '$got', want truncated"
n=$(q "$WORK/k.db" "SELECT count(*) FROM allocations")
[ "$n" -ge 1000 ] || fail "only $n allocations survived the kill"
exit 0
