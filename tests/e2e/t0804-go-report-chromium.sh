#!/bin/sh
# The report of a Go run (memledger run --report on tests/go/partition)
# renders in headless Chromium: no console message, a screenshot that is
# not blank, the GC section with its chart, the same metric section ids
# as for native programs with the Go meaning in each, and every n/a
# checklist item saying what would answer it.
. "$(dirname "$0")/lib/common.sh"
P=$ROOT/build/go/partition
[ -x "$P" ] || skip "build/go/partition is not built (needs golang-go: make deps)"
need_chrome
"$ML" run --report -o "$WORK/go.mlt" -- "$P" leaky >/dev/null 2>"$WORK/err" || true
H=$WORK/go.html
[ -s "$H" ] || fail "no report: $(tail -2 "$WORK/err")"
grep -q 'class="chart gc-chart"' "$H" || fail "no GC chart"
grep -q '<section id="gc"' "$H" || fail "no GC section"
for id in alloc totalalloc sys heapinuse heapidle stackinuse heapobjects mallocs frees live numgc gccpufraction; do
	grep -q "<section id=\"metric-$id\"" "$H" || fail "section metric-$id missing"
done
[ "$(grep -c 'class="explain go"' "$H")" = 12 ] || fail "not every metric explains the Go meaning"
grep -q 'scavenger' "$H" || fail "HeapIdle/HeapReleased not explained for Go"
grep -q 'between 5% and 10%\|under 1%\|between 1% and 5%\|above 10%' "$H" || fail "no GCCPUFraction band"
for what in laptop phone; do
	size=1280,3000
	[ $what = phone ] && size=390,2000
	mkdir -p "$WORK/profile-$what"
	timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$WORK/profile-$what" --enable-logging=stderr --v=0 --hide-scrollbars \
		--virtual-time-budget=5000 --window-size=$size --screenshot="$WORK/$what.png" "file://$H" \
		>"$WORK/$what.out" 2>"$WORK/$what.log" || fail "chromium exited $? ($what)"
	grep -q 'CONSOLE' "$WORK/$what.log" && fail "console message ($what): $(grep CONSOLE "$WORK/$what.log" | head -1 | cut -c1-200)"
done
"$PY" - "$WORK/laptop.png" "$WORK/phone.png" <<'PY' || fail "a screenshot is blank"
import struct, sys, zlib
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    pos, idat, w, h = 8, b"", 0, 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    # unfiltered bytes are enough to tell a blank page from a drawn one
    if len(set(raw[:: 97])) < 16:
        sys.exit(1)
PY
exit 0
