#!/bin/sh
# Several traces load into one database as separate processes; loading into
# a database that exists appends (the same trace again needs --force);
# frames and stacks are shared.
. "$(dirname "$0")/lib/common.sh"
trace a "$PROGS/counts"
trace b "$PROGS/threads8"
"$ML" ingest -q --allocations all -o "$WORK/all.db" "$WORK/a.mlt" "$WORK/b.mlt" || fail "ingest of two traces failed"
DB=$WORK/all.db
[ "$(q "$DB" "SELECT count(*) FROM processes")" = 2 ] || fail "want 2 processes"
stacks=$(q "$DB" "SELECT count(DISTINCT stack_id) FROM stacks")
"$ML" ingest -q --allocations all --force -o "$DB" "$WORK/a.mlt" || fail "appending failed"
[ "$(q "$DB" "SELECT count(*) FROM processes")" = 3 ] || fail "want 3 processes after appending"
[ "$(q "$DB" "SELECT count(DISTINCT stack_id) FROM stacks")" = "$stacks" ] || fail "the same trace again added new stacks"
# ids stay unique and each process's allocations are its own
[ "$(q "$DB" "SELECT count(*) - count(DISTINCT id) FROM allocations")" = 0 ] || fail "duplicate allocation ids"
got=$(q "$DB" "SELECT group_concat(n, ' ') FROM (SELECT count(*) n FROM allocations GROUP BY process_id ORDER BY process_id)")
a=$(q "$DB" "SELECT count(*) FROM allocations WHERE process_id=1")
[ "$got" = "$a $(q "$DB" "SELECT count(*) FROM allocations WHERE process_id=2") $a" ] || fail "per-process rows: $got"
exit 0
