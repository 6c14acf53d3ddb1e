#!/bin/sh
# Where ingest cannot write, it says why (issue 9), exits 1 and prints no
# line that reads like success: -o /dev/null (old code: "no such table:
# frames", then "database: /dev/null"), a directory, a path in a folder
# that does not exist, a folder it may not write (/sys), and a trace given
# as the database (left untouched). A failed load into an existing
# database prints only its error (old code: then "database: DB"); of
# several traces, how many loaded.
. "$(dirname "$0")/lib/common.sh"

trace c "$PROGS/counts"
[ "$RC" -eq 0 ] || fail "run: $RC"
sum=$(cksum <"$WORK/c.mlt")

# ingest_fails OUT WANT: ingest -o OUT fails with "memledger: OUT: WANT"
ingest_fails() {
	"$ML" ingest -o "$1" "$WORK/c.mlt" >"$WORK/o.out" 2>&1
	rc=$?
	[ $rc -eq 1 ] || fail "-o $1: exit $rc, want 1: $(cat "$WORK/o.out")"
	grep -qF "memledger: $1: $2" "$WORK/o.out" || fail "-o $1: $(cat "$WORK/o.out")"
	grep -q "^memledger: database: \|events in" "$WORK/o.out" && fail "-o $1 reads like success: $(cat "$WORK/o.out")"
	[ "$(wc -l <"$WORK/o.out")" -eq 1 ] || fail "-o $1: want one line: $(cat "$WORK/o.out")"
}

ingest_fails /dev/null "not a regular file: the database must be a file"
[ -c /dev/null ] || fail "/dev/null is no longer a device"
mkdir "$WORK/dir"
ingest_fails "$WORK/dir" "is a directory"
ingest_fails "$WORK/nodir/x.db" "cannot write the database: No such file or directory"
[ -e "$WORK/nodir" ] && fail "nodir was created"
if ! touch /sys/memledger-test.db 2>/dev/null; then
	ingest_fails /sys/memledger-test.db "cannot write the database: Permission denied"
fi
ingest_fails "$WORK/c.mlt" "a memledger trace, not a database (left as it is)"
[ "$(cksum <"$WORK/c.mlt")" = "$sum" ] || fail "the trace given as -o changed"

# a failed load into an existing database
db=$WORK/e.db
"$ML" ingest -q -o "$db" "$WORK/c.mlt" || fail "first ingest"
dbsum=$(cksum <"$db")
printf 'garbage, not a trace at all' >"$WORK/junk.mlt"
"$ML" ingest -o "$db" "$WORK/junk.mlt" >"$WORK/f.out" 2>&1
[ $? -eq 1 ] || fail "a bad trace into an existing database: want exit 1"
grep -q "^memledger: database: \|events in" "$WORK/f.out" && fail "a failed ingest reads like success: $(cat "$WORK/f.out")"
[ "$(cat "$WORK/f.out")" = "memledger: $WORK/junk.mlt: not a memledger trace (bad magic)" ] ||
	fail "one bad trace: want its one error line: $(cat "$WORK/f.out")"
"$ML" ingest -o "$db" "$WORK/junk.mlt" "$WORK/c.mlt" >"$WORK/f.out" 2>&1
[ $? -eq 1 ] || fail "two bad traces: want exit 1"
grep -q "^memledger: database: \|events in" "$WORK/f.out" && fail "a failed ingest reads like success: $(cat "$WORK/f.out")"
grep -qF "memledger: $db: 0 of 2 traces loaded; the database is as it was" "$WORK/f.out" || fail "$(cat "$WORK/f.out")"
[ "$(cksum <"$db")" = "$dbsum" ] || fail "the failed ingest changed the database"

trace d "$PROGS/counts"
"$ML" ingest -o "$db" "$WORK/junk.mlt" "$WORK/d.mlt" >"$WORK/g.out" 2>&1
[ $? -eq 1 ] || fail "one bad trace of two: want exit 1"
grep -qF "memledger: $db: 1 of 2 traces loaded" "$WORK/g.out" || fail "partial: $(cat "$WORK/g.out")"
grep -q "^memledger: database: " "$WORK/g.out" && fail "a partial load reads like full success: $(cat "$WORK/g.out")"
[ "$(q "$db" "SELECT count(*) FROM processes")" = 2 ] || fail "the good trace did not load"
exit 0
