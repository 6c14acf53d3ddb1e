#!/bin/sh
# memledger report on the fixture: exit 0, prints the output path, every
# section id (plain for the root process, -p2 for its child) is present
# exactly once, and the verdicts carry the fixture's numbers.
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
for s in "Alloc is 19.0 KiB higher at AFTER CLEANUP than at START (401 KiB against 382 KiB" \
	"HeapObjects is 107 higher at AFTER CLEANUP than at START" \
	"the same count as HeapObjects" \
	"the program had called it 1 time by AFTER CLEANUP" \
	"killed by signal 9 (SIGKILL)" \
	"exited with status 0 after 5.19 s"; do
	grep -qF "$s" "$WORK/run.html" || fail "report lacks: $s"
done
exit 0
