#!/bin/sh
# A trace that cannot be loaded leaves the database as it was (DESIGN.md,
# "ingest"); when there was no database, that means there is still none:
# `memledger ingest` of a missing, empty or corrupt trace must not leave
# an empty database behind, neither at -o DB nor at the default TRACE.db.
# A database that gets at least one trace is of course created.
. "$(dirname "$0")/lib/common.sh"

: >"$WORK/empty.mlt"
printf 'not a trace at all\n' >"$WORK/junk.mlt"
for t in missing empty junk; do
	"$ML" ingest -q -o "$WORK/$t-o.db" "$WORK/$t.mlt" >/dev/null 2>"$WORK/err" && fail "$t: ingest exited 0"
	[ -e "$WORK/$t-o.db" ] && fail "$t: ingest -o created $WORK/$t-o.db ($(wc -c <"$WORK/$t-o.db") bytes) for a trace it could not load"
	"$ML" ingest -q "$WORK/$t.mlt" >/dev/null 2>"$WORK/err" && fail "$t: ingest exited 0"
	[ -e "$WORK/$t.db" ] && fail "$t: ingest created the default $WORK/$t.db for a trace it could not load"
done

trace counts "$PROGS/counts"
[ "$RC" -eq 0 ] || fail "counts exited $RC"
"$ML" ingest -q -o "$WORK/mixed.db" "$WORK/junk.mlt" "$WORK/counts.mlt" >/dev/null 2>"$WORK/err"
[ $? -eq 1 ] || fail "junk + good: exit status is not 1"
[ "$(q "$WORK/mixed.db" "SELECT count(*) FROM processes")" = 1 ] || fail "junk + good: the good trace was not loaded"
exit 0
