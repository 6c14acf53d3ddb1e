#!/bin/sh
# Issue 9, descriptors: the tracer holds no descriptor in the program's
# table, so no open() that would succeed without it fails with it, and a
# program listing its descriptors sees only its own.
#  - `ls /proc/self/fd` lists the same descriptors with and without it;
#  - under `ulimit -n 6` it still works, with the same output;
#  - a program that lowers RLIMIT_NOFILE to leave itself exactly one free
#    descriptor opens it, gets EMFILE on the next, and its trace is still
#    written in full; so is the trace of a child it forks in that state.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/transparent.sh"

same fdlist -- ls /proc/self/fd
[ "$RC" -eq 0 ] || fail "ls /proc/self/fd: status $RC"

same ulimit6 -- sh -c 'ulimit -n 6 && exec ls /proc/self/fd'
[ "$RC" -eq 0 ] || fail "ulimit -n 6: ls failed (status $RC): $(head -2 "$WORK/ulimit6.err")"
ingest_all ulimit6
expect ulimit6 "SELECT count(*) FROM processes" 2

same nofile -- "$PROGS/lc_nofile"
[ "$RC" -eq 0 ] || fail "lowered limit: status $RC"
[ "$(sed -n 1,2p "$WORK/nofile.out" | tr '\n' '|')" = "first: ok|second: Too many open files|" ] ||
	fail "lowered limit: $(tr '\n' '|' <"$WORK/nofile.out")"
ingest_all nofile
expect nofile "SELECT group_concat(end_reason||' '||exit_code, ' / ') FROM processes" "exit 0 / exit 0"
# sites are aggregates, the same in every ingest mode
expect nofile "SELECT sum(allocs) FROM sites WHERE bytes = allocs * 777 AND allocs >= 20000" 20000
expect nofile "SELECT sum(s.allocs) FROM sites s JOIN processes p ON p.id = s.process_id WHERE p.parent_process_id IS NOT NULL AND s.bytes = s.allocs * 555" 100
exit 0
