#!/bin/sh
# memledger report on the fixture: exit 0, prints the output path, every
# section id (plain for the root process, -p2 for its child) is present
# exactly once, and the page carries the fixture's numbers. The fixture is
# not ingested, so it has no stored verdicts (ingest/verdicts.c makes them):
# the page says so. unit/test_report judges the fixture and checks them.
. "$(dirname "$0")/lib/report.sh"

make_fixture_db "$WORK/run.db"
out=$("$TOOL" report -o "$WORK/run.html" "$WORK/run.db" 2>"$WORK/err") ||
	fail "report exited $?: $(head -1 "$WORK/err")"
[ "$out" = "$WORK/run.html" ] || fail "stdout was '$out', want the output path"
[ -s "$WORK/err" ] && fail "unexpected stderr: $(head -1 "$WORK/err")"
[ -s "$WORK/run.html" ] || fail "no report written"

for id in $SECTIONS; do
	for sfx in "" -p2; do
		n=$(grep -o "id=\"$id$sfx\"" "$WORK/run.html" | wc -l)
		[ "$n" -eq 1 ] || fail "section id=\"$id$sfx\" appears $n times"
	done
done

# numbers from the run, computed (see tests/fixtures/gen_report_fixture.py)
for s in "No verdict is recorded: this database was made by an older memledger" \
	"killed by signal 9 (SIGKILL)" \
	"exited with status 0 after 5.19 s"; do
	grep -qF "$s" "$WORK/run.html" || fail "report lacks: $s"
done
exit 0
