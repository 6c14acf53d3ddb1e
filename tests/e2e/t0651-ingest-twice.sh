#!/bin/sh
# The same trace twice (issue 9): ingesting a trace whose process the
# database already holds is refused, naming that process, and leaves the
# database as it was, whether in a second command, twice in one command,
# or as a copy under another name; --force loads it again. A different
# process of the same program still loads. On the old code the second
# load silently duplicated the process.
. "$(dirname "$0")/lib/common.sh"

trace a "$PROGS/counts"
[ "$RC" -eq 0 ] || fail "run a: $RC"
trace b "$PROGS/counts"
db=$WORK/x.db
"$ML" ingest -q -o "$db" "$WORK/a.mlt" || fail "first ingest failed"
sum0=$(cksum <"$db")

"$ML" ingest -o "$db" "$WORK/a.mlt" >"$WORK/2.out" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "second ingest exited $rc, want 1"
grep -q "a.mlt: already loaded as process 1 (pid [0-9]*, from .*a.mlt); --force loads it again" "$WORK/2.out" ||
	fail "message: $(cat "$WORK/2.out")"
grep -q "database: " "$WORK/2.out" && fail "a refused load reads like success: $(cat "$WORK/2.out")"
[ "$(cksum <"$db")" = "$sum0" ] || fail "the refused load changed the database"

cp "$WORK/a.mlt" "$WORK/copy.mlt"
"$ML" ingest -q -o "$db" "$WORK/copy.mlt" "$WORK/b.mlt" "$WORK/b.mlt" >"$WORK/3.out" 2>&1 && fail "a copy and a repeat loaded"
grep -q "copy.mlt: already loaded as process 1 " "$WORK/3.out" || fail "the copy: $(cat "$WORK/3.out")"
grep -q "b.mlt: already loaded as process 2 " "$WORK/3.out" || fail "b twice in one command: $(cat "$WORK/3.out")"
[ "$(q "$db" "SELECT group_concat(id || ':' || trace_file, ' ') FROM processes")" = "1:$WORK/a.mlt 2:$WORK/b.mlt" ] ||
	fail "processes: $(q "$db" "SELECT group_concat(id || ':' || trace_file, ' ') FROM processes")"

"$ML" ingest -q --force -o "$db" "$WORK/a.mlt" || fail "--force did not load"
[ "$(q "$db" "SELECT count(*) || ' ' || count(DISTINCT pid) FROM processes")" = "3 2" ] ||
	fail "after --force: $(q "$db" "SELECT count(*) || ' ' || count(DISTINCT pid) FROM processes")"
exit 0
