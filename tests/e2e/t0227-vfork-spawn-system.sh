#!/bin/sh
# vfork + execve, posix_spawn and system(): the children print as
# without the tracer, the parent sees each exit 0 and goes on allocating,
# and every image gets its own trace: four processes (rob_spawn, two
# /bin/echo, the /bin/sh of system()), each ending with 'exit' 0 and
# linked to the parent, the parent with its blocks made after each child.
. "$(dirname "$0")/lib/common.sh"
# reads the rows of freed blocks: every allocation gets one
ALLOCS="--allocations all"
. "$(dirname "$0")/lib/transparent.sh"
same spawn -- "$PROGS/rob_spawn"
[ "$RC" -eq 0 ] || fail "status $RC, want 0"
printf 'vfork child\nvfork: exit 0\nposix_spawn child\nposix_spawn: exit 0\nsystem child\nsystem: exit 0\n' >"$WORK/want"
cmp -s "$WORK/want" "$WORK/spawn.out" || fail "stdout: $(tr '\n' '|' <"$WORK/spawn.out")"
ingest_all spawn
expect spawn "SELECT count(*)||' '||sum(end_reason='exit' AND exit_code=0) FROM processes" "4 4"
root=$(q "$DB" "SELECT id FROM processes WHERE exe LIKE '%/rob_spawn'")
[ -n "$root" ] || fail "no process for rob_spawn"
expect spawn "SELECT count(*) FROM processes WHERE parent_process_id=$root" "3"
expect spawn "SELECT group_concat(replace(replace(argv, '\"', ''), ',', ' '), ' ') FROM (SELECT argv FROM processes WHERE id != $root ORDER BY argv)" \
	'[/bin/echo posix_spawn child] [/bin/echo vfork child] [sh -c echo system child]'
expect spawn "SELECT count(*)||' '||count(free_ns) FROM allocations WHERE process_id=$root AND size BETWEEN 6001 AND 6003" "3 3"
exit 0
