#!/bin/sh
# Issue 9, forked children: every child's trace loads. A child forked
# while a pipe and a socket are open starts its trace with its process
# record, then the descriptors it inherited; a bash pipeline and a shell
# loop leave one trace per process, and every one of them loads without a
# complaint. `run --report` loads them all; when one does not load, it
# names it and exits non-zero.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/transparent.sh"

same_ok forkpipe "child said hello" -- "$PROGS/lc_forkpipe"
all_load forkpipe
expect forkpipe "SELECT count(*) FROM processes" 2
child=$(q "$DB" "SELECT id FROM processes WHERE parent_process_id IS NOT NULL")
expect "child's inherited descriptors" "SELECT sum(kind = 'pipe')||' '||sum(kind = 'socket') FROM resources WHERE process_id = $child AND open_ns = 0" "2 2"
expect "child's blocks" "SELECT count(*) FROM allocations WHERE process_id = $child AND size = 2000" 2

command -v bash >/dev/null || skip "no bash"
same pipeline -- bash -c 'ls / | sort | uniq | wc -l'
[ "$RC" -eq 0 ] || fail "pipeline: status $RC"
all_load pipeline
[ "$(q "$DB" "SELECT count(*) FROM processes")" -ge 5 ] || fail "pipeline: only $(q "$DB" "SELECT count(*) FROM processes") processes"

same loop -- sh -c 'i=0; while [ $i -lt 15 ]; do echo $i | cat >/dev/null; i=$((i + 1)); done; echo done'
[ "$RC" -eq 0 ] || fail "loop: status $RC"
all_load loop
[ "$(q "$DB" "SELECT count(*) FROM processes")" -ge 31 ] || fail "loop: only $(q "$DB" "SELECT count(*) FROM processes") processes"

# --report loads every trace of the run
"$ML" run --report -o "$WORK/rep.mlt" -- bash -c 'ls / | sort | uniq | wc -l' >"$WORK/rep.out" 2>"$WORK/rep.err" ||
	fail "run --report on a pipeline exited $?: $(grep -v '^  ' "$WORK/rep.err" | head -3)"
n=$(q "$WORK/rep.db" "SELECT count(*) FROM processes")
[ "$n" -eq "$(ls "$WORK"/rep.*mlt | wc -l)" ] || fail "run --report loaded $n processes of $(ls "$WORK"/rep.*mlt | wc -l) traces"

# ... and when one does not load (the program wrote into its own trace),
# it says which and exits non-zero, with the report of the others
"$ML" run --report -o "$WORK/bad.mlt" -- sh -c 'printf garbage >>"$MEMLEDGER_TRACE"; true | cat' \
	>"$WORK/bad.out" 2>"$WORK/bad.err"
rc=$?
[ $rc -ne 0 ] || fail "run --report exited 0 although a trace did not load"
grep -q "^memledger: $WORK/bad.mlt: " "$WORK/bad.err" || fail "run --report does not name the trace that failed: $(cat "$WORK/bad.err")"
grep -q "1 of [0-9]* traces did not load" "$WORK/bad.err" || fail "run --report does not say how many failed: $(cat "$WORK/bad.err")"
[ -s "$WORK/bad.html" ] || fail "no report for the traces that loaded"
exit 0
