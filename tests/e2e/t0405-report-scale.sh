#!/bin/sh
# The report of a huge trace's database (tests/fixtures/scale_fixture.sql:
# 100,000 sites and stacks, 200,000 samples, no allocations table at all)
# has every section and stays a few MB, its charts thinned. How long it
# takes (budget 1.5 s) is measured by `make bench` (bench/run.py,
# "Report at scale"): a wall-clock limit here would fail on a busy machine.
. "$(dirname "$0")/lib/report.sh"

FAST=${MEMLEDGER_FAST:-build/memledger}
[ -x "$FAST" ] || fail "$FAST is not built"
make_fixture_db "$WORK/big.db" tests/fixtures/scale_fixture.sql

"$FAST" report -o "$WORK/big.html" "$WORK/big.db" >/dev/null 2>"$WORK/err" ||
	fail "report exited $?: $(head -1 "$WORK/err")"
size=$(wc -c <"$WORK/big.html")
echo "scale fixture: report of $size bytes"
[ "$size" -lt 5000000 ] || fail "report is $size bytes, budget 5 MB"
for id in $SECTIONS; do
	grep -q "id=\"$id\"" "$WORK/big.html" || fail "section $id missing"
done
# 200,000 samples are drawn as at most 1,000 points per line, and whole
"$PY" - "$WORK/big.html" <<'PY' || exit 1
import re, sys
page = open(sys.argv[1]).read()
paths = re.findall(r'<path d="([^"]*)" class="(series|area)', page)
if not paths:
    print("FAIL: t0405: no chart lines found")
    sys.exit(1)
for d, kind in paths:
    points = d.count("M") + d.count("L")
    if kind == "series" and points > 1000:
        print("FAIL: t0405: a chart line has %d points, want at most 1000" % points)
        sys.exit(1)
    if kind == "area" and not d.endswith("Z"):
        print("FAIL: t0405: a chart area is cut short")
        sys.exit(1)
PY

# the sanitizer build too, if there is one: no memory error at scale (not timed)
if [ "$TOOL" != "$FAST" ]; then
	"$TOOL" report -o "$WORK/big2.html" "$WORK/big.db" >/dev/null 2>"$WORK/err" ||
		fail "sanitizer build exited $?: $(head -1 "$WORK/err")"
fi
exit 0
