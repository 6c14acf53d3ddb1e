#!/bin/sh
# Issue 4 acceptance on a real run: `memledger run --report` on the partition
# demo with two planted failures writes a report that has every section with
# numbers from the run, parses as HTML5, and shows the planted failures as
# failing with their evidence; the healthy items show as passing.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/report.sh"
"$PY" -c 'import html5lib' 2>/dev/null || skip "python3-html5lib is not installed"

"$ML" run --report -o "$WORK/demo.mlt" -- build/examples/partition_demo --seconds 0.3 --no-join --leak-timers \
	>"$WORK/out" 2>"$WORK/err" || fail "run --report exited $?: $(grep memledger: "$WORK/err" | head -1)"
grep -q "^memledger: report: $WORK/demo.html" "$WORK/err" || fail "run --report did not print the report's path"
H=$WORK/demo.html
[ -s "$H" ] || fail "no report"
for id in $SECTIONS; do
	n=$(grep -o "id=\"$id\"" "$H" | wc -l)
	[ "$n" -eq 1 ] || fail "section id=\"$id\" appears $n times"
done
"$PY" - "$H" <<'PYEOF' || fail "not well-formed HTML5"
import sys, html5lib
html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(open(sys.argv[1], "rb"))
PYEOF
# numbers from this run: the process's own pid and event count appear
pid=$(q "$WORK/demo.db" "SELECT pid FROM processes")
grep -q "pid $pid" "$H" || fail "the report does not name pid $pid"
# planted failures show as failing, the others as passing (n/a for gc)
"$PY" - "$H" <<'PYEOF' || fail "checklist statuses in the report are wrong"
import re, sys
h = open(sys.argv[1], encoding="utf-8").read()
got = {item: status for status, item in re.findall(r'<article[^>]*class="check (\w+)"[^>]*>\s*<h3>.*?<code class="item">(\w+)</code>', h, re.S)}
want = {i: "pass" for i in ("threads_stopped", "containers_cleared", "channels_closed", "settle_time",
                              "global_references", "baseline_returned")}
want.update(threads_joined="fail", timers_stopped="fail", gc_repeated="na")
for item, status in want.items():
    if not got.get(item, "").startswith(status[:2]):
        sys.exit("%s: %s, want %s" % (item, got.get(item), status))
PYEOF
grep -q "ended without being joined" "$H" || fail "threads_joined evidence missing from the report"
check_page "$H" "$WORK/demo.db"
grep -q "timerfd fd" "$H" || fail "timers_stopped evidence missing from the report"
exit 0
