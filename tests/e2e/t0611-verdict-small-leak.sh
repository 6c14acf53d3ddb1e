#!/bin/sh
# Issue 10's symptom: a program that leaks 4 KiB on top of a 1 MiB baseline
# (tests/programs/plant_small_leak.c) got "did not come back to baseline"
# in the checklist while the Phases table said "back to baseline". One
# module judges now (ingest/verdicts.c) and stores the verdicts: every one
# of them says the memory did not come back, in the database, on the page
# and in `memledger check`.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"
. "$(dirname "$0")/lib/report.sh"
TOOL=$ML

traced p "$PROGS/plant_small_leak"
expect p "SELECT status FROM checklist WHERE item = 'baseline_returned'" fail "baseline_returned"
expect p "SELECT group_concat(subject || '=' || status, ' ') FROM (SELECT subject, status FROM verdicts
	WHERE subject IN ('alloc', 'baseline', 'heapinuse', 'heapobjects', 'live') ORDER BY subject)" \
	"alloc=fail baseline=fail heapinuse=fail heapobjects=fail live=fail" "the verdicts that follow the baseline rule"
# the compared pair is the program's own, START and AFTER CLEANUP
expect p "SELECT (SELECT label FROM snapshots s WHERE s.seq = v.baseline_seq) || ',' ||
	(SELECT label FROM snapshots s WHERE s.seq = v.final_seq) FROM verdicts v WHERE subject = 'baseline'" \
	"START,AFTER CLEANUP" "the snapshots compared"
"$ML" report -o "$WORK/p.html" "$WORK/p.db" >/dev/null 2>"$WORK/report.err" || fail "report: $(head -1 "$WORK/report.err")"
check_page "$WORK/p.html" "$WORK/p.db"
grep -q 'Against START: +4.00 KiB and +1 object above baseline' "$WORK/p.html" ||
	fail "the Phases table's last row does not say the 4 KiB stayed"
grep -q 'back to baseline (Alloc' "$WORK/p.html" && fail "the Phases table says back to baseline"
"$ML" check "$WORK/p.db" >"$WORK/check.out"
grep -Eq '^  FAIL +baseline_returned ' "$WORK/check.out" || fail "check does not fail baseline_returned"
# a database from before the verdicts table: appending to it still works,
# the new process is judged, the old one says it has no verdicts
cp "$WORK/p.db" "$WORK/old.db"
sqlite3 "$WORK/old.db" "DROP TABLE verdicts" || fail "could not make an old database"
"$ML" ingest -q --force -o "$WORK/old.db" "$WORK/p.mlt" >"$WORK/old.out" 2>&1 || fail "appending to an old database: $(head -1 "$WORK/old.out")"
expect old "SELECT group_concat(DISTINCT process_id) FROM verdicts" 2 "processes judged in the old database"
"$ML" report -o "$WORK/old.html" "$WORK/old.db" >/dev/null 2>&1 || fail "report of the old database failed"
grep -q 'No verdict is recorded' "$WORK/old.html" || fail "the old process does not say it has no verdicts"
exit 0
