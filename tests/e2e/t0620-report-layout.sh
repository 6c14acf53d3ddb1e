#!/bin/sh
# Issue 10, "The page", as Chromium lays it out at 1400 px, on real runs:
# sqlite3 (a program nobody here wrote), many_phases (eight snapshots, the
# last ones crowding the right edge) and the partition demo. The Phases
# table fits without sideways scroll, no two chart labels overlap or leave
# their chart, the composition picture's text is at least 12 px on screen,
# the navigation lists the sections in page order (Descriptors included),
# and no table is shown empty. Screenshots are kept in $WORK (set KEEP=1 to
# keep the folder).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/report.sh"
TOOL=$ML

need_chrome
command -v sqlite3 >/dev/null 2>&1 || skip "sqlite3 is not installed"
[ -n "$KEEP" ] && trap - EXIT

cat >"$WORK/work.sql" <<'SQL'
CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
INSERT INTO t SELECT i, printf('row %d %s', i, hex(randomblob(8))), i * 1.5 FROM n;
CREATE INDEX tb ON t(b);
SELECT count(*), sum(c) FROM t WHERE b LIKE 'row 1%';
SQL
"$ML" run -o "$WORK/sq.mlt" -- sqlite3 :memory: <"$WORK/work.sql" >/dev/null 2>"$WORK/sq.err" || fail "sqlite3 under run failed"
trace mp "$PROGS/many_phases"
[ "$RC" -eq 0 ] || fail "many_phases exited $RC"
trace demo build/examples/partition_demo --seconds 0.2
[ "$RC" -eq 0 ] || fail "partition_demo exited $RC"

for n in sq mp demo; do
	load $n
	"$ML" report -o "$WORK/$n.html" "$WORK/$n.db" >/dev/null 2>"$WORK/$n.rep" || fail "$n: report: $(head -1 "$WORK/$n.rep")"
	"$PY" - "$WORK/$n.html" "$WORK/$n.probe.html" tests/e2e/lib/layout_probe.js <<'PY'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
probe = open(sys.argv[3]).read()
open(sys.argv[2], "w", encoding="utf-8").write(page.replace("</body>", "<script>" + probe + "</script></body>", 1))
PY
	mkdir -p "$WORK/profile-$n"
	timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$WORK/profile-$n" --hide-scrollbars --window-size=1400,2000 \
		--virtual-time-budget=5000 --dump-dom "file://$WORK/$n.probe.html" >"$WORK/$n.dom" 2>"$WORK/$n.log" ||
		fail "$n: chromium exited $?"
	timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--user-data-dir="$WORK/profile-$n" --hide-scrollbars --window-size=1400,2400 \
		--screenshot="$WORK/$n.png" "file://$WORK/$n.html" >/dev/null 2>&1 || fail "$n: no screenshot"
	"$PY" - "$WORK/$n.dom" "$n" <<'PY' || exit 1
import html, json, re, sys
m = re.search(r"<title>PROBE (.*?)</title>", open(sys.argv[1], encoding="utf-8").read(), re.S)
if not m:
    print("FAIL: t0620: %s: the probe did not run" % sys.argv[2])
    sys.exit(1)
r = json.loads(html.unescape(m.group(1)))
if r["phases"] < 1 or r["labels"] < 2:
    print("FAIL: t0620: %s: nothing measured (%d Phases tables, %d labels)" % (sys.argv[2], r["phases"], r["labels"]))
    sys.exit(1)
if r["problems"]:
    print("FAIL: t0620: %s: %s" % (sys.argv[2], "; ".join(r["problems"][:4])))
    sys.exit(1)
PY
done
exit 0
