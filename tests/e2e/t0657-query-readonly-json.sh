#!/bin/sh
# query only reads (issue 9): VACUUM INTO (which writes a new file even on
# a read-only connection, and went through on the old code), ATTACH, a
# temporary table, a pragma that writes, INSERT and load_extension() are
# refused with a reason; the database and the disk are unchanged.
# query --json emits valid JSON for inf and NaN (the old code printed inf
# and -inf, which no JSON parser takes).
. "$(dirname "$0")/lib/common.sh"

trace c "$PROGS/counts"
load c
db=$WORK/c.db
sum=$(cksum <"$db")

refused() {
	"$ML" query "$db" "$1" >"$WORK/r.out" 2>&1
	rc=$?
	[ $rc -eq 1 ] || fail "'$1' exited $rc, want 1: $(cat "$WORK/r.out")"
	grep -q "^memledger: $db: query only reads the database: $2" "$WORK/r.out" ||
		fail "'$1': $(cat "$WORK/r.out")"
}
refused "VACUUM INTO '$WORK/copy.db'" "refusing a statement that writes: VACUUM INTO"
[ -e "$WORK/copy.db" ] && fail "VACUUM INTO wrote $WORK/copy.db"
refused "SELECT 1; vacuum into '$WORK/copy2.db'" "refusing a statement that writes: vacuum into"
[ -e "$WORK/copy2.db" ] && fail "a second statement's VACUUM INTO wrote a file"
refused "ATTACH '$WORK/other.db' AS o" "ATTACH is refused"
[ -e "$WORK/other.db" ] && fail "ATTACH created a file"
refused "CREATE TEMP TABLE t AS SELECT * FROM processes" "refusing a statement that writes"
refused "PRAGMA user_version = 7" "refusing a statement that writes"
refused "INSERT INTO meta VALUES ('k', 'v')" "refusing a statement that writes"
refused "SELECT load_extension('/nonexistent')" "load_extension() is refused"
[ "$(cksum <"$db")" = "$sum" ] || fail "the database changed"
# reading still works, and read-only pragmas too
[ "$(q "$db" "SELECT count(*) FROM processes")" = 1 ] || fail "a plain SELECT"
"$ML" query "$db" "PRAGMA table_info(processes)" >/dev/null 2>&1 || fail "PRAGMA table_info"

"$ML" query --json "$db" "SELECT 1e999 AS inf, -1e999 AS ninf, 0.1 AS tenth, 1.0 / 3 AS third,
	1e999 - 1e999 AS nan, 3 AS i, 'x' AS s" >"$WORK/j.out" 2>&1 || fail "query --json: $(cat "$WORK/j.out")"
"$PY" - "$WORK/j.out" <<'PYEOF' || fail "query --json: $(cat "$WORK/j.out")"
import json, sys
def bad(c):
    raise ValueError("not JSON: " + c)
rows = json.load(open(sys.argv[1]), parse_constant=bad)
want = [{"inf": None, "ninf": None, "tenth": 0.1, "third": 1.0 / 3, "nan": None, "i": 3, "s": "x"}]
if rows != want:
    sys.exit("got %r, want %r" % (rows, want))
PYEOF
exit 0
