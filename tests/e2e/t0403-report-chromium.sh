#!/bin/sh
# The report renders in headless Chromium: no console message at all (no
# script error, no failed load), a screenshot that is not blank at laptop
# and at phone width, a working flame graph zoom, and a printable PDF.
. "$(dirname "$0")/lib/report.sh"

need_chrome

make_fixture_db "$WORK/run.db"
"$TOOL" report -o "$WORK/run.html" "$WORK/run.db" >/dev/null 2>"$WORK/err" ||
	fail "report exited $?: $(head -1 "$WORK/err")"

# chrome WHAT ARGS...: run headless Chromium with a fresh profile; log in $WORK/WHAT.log
chrome() {
	what=$1
	shift
	mkdir -p "$WORK/profile-$what"
	timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$WORK/profile-$what" --enable-logging=stderr --v=0 \
		--hide-scrollbars --virtual-time-budget=5000 "$@" "file://$WORK/run.html" \
		>"$WORK/$what.out" 2>"$WORK/$what.log"
}

chrome laptop --window-size=1280,2000 --screenshot="$WORK/laptop.png" ||
	fail "chromium exited $? (laptop): $(grep -v dbus "$WORK/laptop.log" | tail -1)"
chrome phone --window-size=390,1600 --screenshot="$WORK/phone.png" ||
	fail "chromium exited $? (phone): $(grep -v dbus "$WORK/phone.log" | tail -1)"
chrome print --print-to-pdf="$WORK/report.pdf" --no-pdf-header-footer ||
	fail "chromium exited $? (print): $(grep -v dbus "$WORK/print.log" | tail -1)"

for what in laptop phone print; do
	# with --enable-logging every console message (and uncaught error) is a CONSOLE line
	if grep -q 'CONSOLE' "$WORK/$what.log"; then
		fail "console message ($what): $(grep 'CONSOLE' "$WORK/$what.log" | head -1 | cut -c1-200)"
	fi
done

PYTHONPATH="$(dirname "$0")/lib" "$PY" - "$WORK/laptop.png" "$WORK/phone.png" <<'PY' || exit 1
import sys

from pngpixels import pixels

for path in sys.argv[1:]:
    w, h, bpp, rows = pixels(path)
    colours, ink = set(), 0
    for r in rows[::4]:
        for x in range(0, w * bpp, bpp * 4):
            px = r[x:x + 3]
            colours.add(px)
            if px != b"\xff\xff\xff":
                ink += 1
    total = len(rows[::4]) * len(range(0, w * bpp, bpp * 4))
    if len(colours) < 8 or ink < total * 0.02:
        print("FAIL: t0403: %s looks blank (%d colours, %.1f%% ink)" % (path, len(colours), 100.0 * ink / total))
        sys.exit(1)
PY

# the optional script: clicking a flame graph frame zooms into it, without errors
"$PY" - "$WORK/run.html" "$WORK/zoom.html" <<'PY' || exit 1
import sys
page = open(sys.argv[1]).read()
probe = """<script>window.addEventListener('load', function () {
  var frames = document.querySelectorAll('svg.flame g.fr'), target = frames[3];
  target.querySelector('rect').dispatchEvent(new MouseEvent('click', {bubbles: true}));
  var hidden = 0;
  for (var i = 0; i < frames.length; i++) if (frames[i].style.display === 'none') hidden++;
  document.title = 'zoom ' + target.querySelector('rect').getAttribute('width') + ' hidden ' + hidden;
});</script></body>"""
open(sys.argv[2], "w").write(page.replace("</body>", probe))
PY
mkdir -p "$WORK/profile-zoom"
timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$WORK/profile-zoom" --enable-logging=stderr --v=0 \
	--virtual-time-budget=5000 --dump-dom "file://$WORK/zoom.html" >"$WORK/zoom.dom" 2>"$WORK/zoom.log" ||
	fail "chromium exited $? (zoom)"
grep -q 'CONSOLE' "$WORK/zoom.log" && fail "console message (zoom): $(grep 'CONSOLE' "$WORK/zoom.log" | head -1 | cut -c1-200)"
grep -q '<title>zoom 1200.00 hidden [1-9]' "$WORK/zoom.dom" ||
	fail "flame graph zoom did not work: $(grep -o '<title>[^<]*' "$WORK/zoom.dom" | head -1)"

[ "$(head -c 4 "$WORK/report.pdf")" = "%PDF" ] || fail "print to PDF produced no PDF"
pages=$(grep -ac '/Type /Page$\|/Type /Page[^s]' "$WORK/report.pdf")
[ "$pages" -ge 3 ] || fail "the printed report has $pages pages, want several"
exit 0
