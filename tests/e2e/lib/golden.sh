# Golden-output tests (t1110, t1111): a command's text against a file in
# tests/e2e/expected/, so that a change of wording is a deliberate one.
# Sourced after common.sh. Run a test with --record to write its expected
# files instead of comparing (then review `git diff tests/e2e/expected`):
#
#   sh tests/e2e/t1110-golden-stats.sh --record
#
# Defines:
#   golden_fixture_db PATH
#       the schema plus tests/fixtures/report_fixture.sql: fixed data, so
#       its output needs no normalising at all.
#   golden_run [-x] NAME CMD...
#       runs CMD, writes its stdout and then a last line "exit N" to
#       $WORK/NAME.raw, and the same normalised by lib/golden_norm.py
#       (what varies from run to run or machine to machine masked, see
#       there) to $WORK/NAME.txt; with -x (exact: for the fixture) not
#       normalised at all.
#   golden NAME
#       compares $WORK/NAME.txt with tests/e2e/expected/TNNNN-NAME.txt
#       (fails with the first lines of the diff), or records it.

GOLDEN_DIR=$ROOT/tests/e2e/expected
GOLDEN_TEST=$(basename "$0" .sh | cut -d- -f1)
GOLDEN_RECORD=
[ "$1" = --record ] && GOLDEN_RECORD=1

golden_fixture_db() {
	rm -f "$1"
	"$PY" -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for f in sys.argv[2:]:
    db.executescript(open(f).read())
db.commit()' "$1" ingest/schema.sql tests/fixtures/report_fixture.sql ||
		fail "could not build the fixture database $1"
}

golden_run() {
	gexact=
	[ "$1" = -x ] && gexact=1 && shift
	gname=$1
	shift
	"$@" >"$WORK/$gname.raw" 2>"$WORK/$gname.stderr"
	echo "exit $?" >>"$WORK/$gname.raw"
	if [ -n "$gexact" ]; then
		cp "$WORK/$gname.raw" "$WORK/$gname.txt"
	else
		"$PY" "$ROOT/tests/e2e/lib/golden_norm.py" "$ROOT" "$WORK" <"$WORK/$gname.raw" >"$WORK/$gname.txt" ||
			fail "$gname: could not normalise the output"
	fi
}

golden() {
	want=$GOLDEN_DIR/$GOLDEN_TEST-$1.txt
	if [ -n "$GOLDEN_RECORD" ]; then
		cp "$WORK/$1.txt" "$want" || fail "cannot write $want"
		echo "recorded $want"
		return 0
	fi
	[ -f "$want" ] || fail "no expected output $want (record it: sh $0 --record)"
	diff -u "$want" "$WORK/$1.txt" >"$WORK/$1.diff" ||
		fail "$1: the output differs from $(basename "$want") (if deliberate: sh $0 --record): $(sed -n '3,24p' "$WORK/$1.diff" | tr '\n' '|')"
}
