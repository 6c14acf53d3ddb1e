#!/bin/sh
# Issue 10: the main thread's stack pages never shrink, so a program whose
# one thread went deeper after START (tests/programs/stack_grow.c) must not
# fail StackInuse; the verdict says why it grew. A thread left running at
# the last snapshot (plant_threads_stopped) still fails it, pointing at
# Threads. Running totals (TotalAlloc, Mallocs, Frees, NumGC) carry no
# pass or fail badge on the page.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"
. "$(dirname "$0")/lib/report.sh"
TOOL=$ML

traced g "$PROGS/stack_grow"
val g "SELECT (SELECT stack_inuse FROM snapshots WHERE label = 'AFTER CLEANUP') -
	(SELECT stack_inuse FROM snapshots WHERE label = 'START')"
[ "$V" -ge 65536 ] || fail "g: StackInuse grew by $V bytes, want at least 64 KiB (the test is void)"
expect g "SELECT status FROM verdicts WHERE subject = 'stackinuse'" pass "StackInuse of one thread that went deeper"
expect g "SELECT detail LIKE '%no more threads hold a stack%not a leak%' FROM verdicts WHERE subject = 'stackinuse'" 1 \
	"the StackInuse verdict says why it grew"

traced t "$PROGS/plant_threads_stopped"
expect t "SELECT status || ' ' || see FROM verdicts WHERE subject = 'stackinuse'" "fail threads" \
	"StackInuse with a thread left running"

for n in g t; do
	"$ML" report -o "$WORK/$n.html" "$WORK/$n.db" >/dev/null 2>"$WORK/report.err" || fail "report: $(head -1 "$WORK/report.err")"
	check_page "$WORK/$n.html" "$WORK/$n.db"
	expect $n "SELECT group_concat(subject || '=' || status || '/' || judged, ' ') FROM (SELECT * FROM verdicts
		WHERE subject IN ('totalalloc', 'mallocs', 'frees', 'numgc') ORDER BY subject)" \
		"frees=n/a/0 mallocs=n/a/0 numgc=n/a/0 totalalloc=n/a/0" "running totals are not judged"
	"$PY" - "$WORK/$n.html" <<'PY' || fail "$n: a running total has a pass or fail badge"
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
for m in ("totalalloc", "mallocs", "frees", "numgc"):
    sec = re.search(r'<section id="metric-%s".*?</h2>' % m, page, re.S).group(0)
    if re.search(r'class="badge (pass|fail)"', sec) or "running total" not in sec:
        sys.exit("%s: %s" % (m, sec[-200:]))
PY
done
exit 0
