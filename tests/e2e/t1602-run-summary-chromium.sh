#!/bin/sh
# Issue 16: the run summary in headless Chromium. A traced shell pipeline
# gives a run of several processes; its page opens with the run summary,
# which renders without a console message, is not blank, shows failing
# processes in the failure colour, and sorts the processes table when a
# column's title is clicked.
. "$(dirname "$0")/lib/common.sh"

need_chrome

cat >"$WORK/script.sh" <<'SH'
n=$(ls /usr/bin | wc -l)
ls /etc | sort | head -3 | tr a-z A-Z
echo "$n" >/dev/null
SH
trace r /bin/sh "$WORK/script.sh"
[ "$RC" -eq 0 ] || fail "the script exited $RC"
load r
"$ML" report -o "$WORK/run.html" "$WORK/r.db" >/dev/null 2>"$WORK/err" || fail "report: $(head -1 "$WORK/err")"

chrome() {  # WHAT URL ARGS...: headless Chromium, fresh profile, log in $WORK/WHAT.log
	what=$1
	url=$2
	shift 2
	mkdir -p "$WORK/profile-$what"
	timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$WORK/profile-$what" --enable-logging=stderr --v=0 \
		--hide-scrollbars --virtual-time-budget=5000 "$@" "file://$url" \
		>"$WORK/$what.out" 2>"$WORK/$what.log" || fail "chromium exited $? ($what)"
	if grep -q 'CONSOLE' "$WORK/$what.log"; then
		fail "console message ($what): $(grep 'CONSOLE' "$WORK/$what.log" | head -1 | cut -c1-200)"
	fi
}

chrome shot "$WORK/run.html" --window-size=1280,1400 --screenshot="$WORK/summary.png"

PYTHONPATH="$(dirname "$0")/lib" "$PY" - "$WORK/summary.png" <<'PY' || exit 1
import sys

from pngpixels import pixels

w, h, bpp, rows = pixels(sys.argv[1])
colours, ink, red = set(), 0, 0
for r in rows[::2]:
    for x in range(0, w * bpp, bpp * 2):
        px = r[x:x + 3]
        colours.add(px)
        ink += px != b"\xff\xff\xff"
        # the failure colour, #b3261e, anti-aliased
        red += px[0] > 140 and px[1] < 90 and px[2] < 90
total = len(rows[::2]) * len(range(0, w * bpp, bpp * 2))
if len(colours) < 8 or ink < total * 0.02:
    print("FAIL: t1602: the run summary looks blank (%d colours, %.1f%% ink)" % (len(colours), 100.0 * ink / total))
    sys.exit(1)
if red < 20:
    print("FAIL: t1602: no failing process is drawn in the failure colour (%d pixels)" % red)
    sys.exit(1)
PY

# with the script: the summary is at the top, and a click on TotalAlloc sorts the table by it
"$PY" - "$WORK/run.html" "$WORK/probe.html" <<'PY' || exit 1
import sys
page = open(sys.argv[1], encoding="utf-8").read()
probe = """<script>window.addEventListener('load', function () {
  var s = document.getElementById('run-summary'), t = document.getElementById('processes');
  var th = Array.prototype.filter.call(t.tHead.rows[0].cells, function (c) { return c.textContent === 'TotalAlloc'; })[0];
  var col = Array.prototype.indexOf.call(t.tHead.rows[0].cells, th);
  th.dispatchEvent(new MouseEvent('click', {bubbles: true}));
  var v = Array.prototype.map.call(t.tBodies[0].rows, function (r) { return parseFloat(r.cells[col].getAttribute('data-v')); });
  var sorted = v.every(function (x, i) { return i === 0 || v[i - 1] >= x; });
  document.title = 'top ' + (s.getBoundingClientRect().top < 400) + ' sorted ' + sorted + ' rows ' + v.length +
    ' order ' + th.getAttribute('aria-sort');
});</script></body>"""
open(sys.argv[2], "w", encoding="utf-8").write(page.replace("</body>", probe))
PY
chrome probe "$WORK/probe.html" --dump-dom
n=$(q "$WORK/r.db" "SELECT count(*) FROM processes")
grep -q "<title>top true sorted true rows $n order descending</title>" "$WORK/probe.out" ||
	fail "the run summary is not on top or does not sort: $(grep -o '<title>[^<]*' "$WORK/probe.out" | head -1)"
exit 0
