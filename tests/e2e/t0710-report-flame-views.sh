#!/bin/sh
# The report's flame graph in headless Chromium: the views (allocated
# bytes, allocations, live at the program's snapshot and at exit, lost,
# indirect) switch and redraw with the right totals and frames, search
# highlights matching frames and states their share, folding hides the
# runtime's frames and keeps the total, and nothing logs an error.
# Without JavaScript the default view is a complete picture.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/export.sh"
need_chrome

trace lc "$PROGS/leak_classes"
[ "$RC" = 0 ] || fail "leak_classes exited $RC"
load lc
"$ML" report -o "$WORK/lc.html" "$WORK/lc.db" >/dev/null 2>"$WORK/report.err" ||
	fail "report exited $?: $(head -1 "$WORK/report.err")"

# without JavaScript: the allocated-bytes picture is in the page, the controls are hidden
"$PY" - "$WORK/lc.html" <<'PY' || exit 1
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
sec = page[page.index('<section id="flamegraph"'):]
sec = sec[:sec.index("</section>")]
if '<div class="flame-ui" hidden' not in sec:
    sys.exit("FAIL: t0710: the flame graph controls are not hidden without JavaScript")
titles = re.findall(r"<title>([^<]*)</title>", sec)
if not any(t.startswith("lost_single\n100 B") for t in titles):
    sys.exit("FAIL: t0710: the static flame graph has no lost_single frame of 100 B: %r" % titles[:5])
if not any(t.startswith("all\n2.23 KiB") for t in titles):
    sys.exit("FAIL: t0710: the static flame graph's root is not 2280 B")
PY

"$PY" - "$WORK/lc.html" "$WORK/probe.html" <<'PY'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
probe = r"""<script>window.addEventListener('load', function () {
  var out = {}, sec = document.getElementById('flamegraph');
  var sel = sec.querySelector('select.flame-view'), search = sec.querySelector('input.flame-search');
  var fold = sec.querySelector('input.flame-fold'), match = sec.querySelector('.flame-match');
  function titles() {
    return Array.prototype.map.call(sec.querySelectorAll('svg.flame g.fr > title'), function (t) { return t.textContent; });
  }
  function heading() { return sec.querySelector('.flame-title').textContent; }
  out.ui_hidden = sec.querySelector('.flame-ui').hidden;
  out.views = Array.prototype.map.call(sel.options, function (o) { return o.textContent; });
  sel.selectedIndex = 4; sel.dispatchEvent(new Event('change'));
  out.lost_heading = heading();
  out.lost_titles = titles();
  search.value = 'lost_'; search.dispatchEvent(new Event('input'));
  out.lost_match = match.textContent;
  out.lost_marked = sec.querySelectorAll('svg.flame g.fr.match').length;
  sel.selectedIndex = 0; sel.dispatchEvent(new Event('change'));
  search.value = 'freed_control'; search.dispatchEvent(new Event('input'));
  out.freed_match = match.textContent;
  out.freed_marked = sec.querySelectorAll('svg.flame g.fr.match').length;
  sel.selectedIndex = 2; sel.dispatchEvent(new Event('change'));
  out.snap_heading = heading();
  out.snap_freed = titles().filter(function (t) { return t.indexOf('freed_control') === 0; }).length;
  sel.selectedIndex = 0; sel.dispatchEvent(new Event('change'));
  search.value = ''; search.dispatchEvent(new Event('input'));
  out.runtime_before = titles().filter(function (t) { return t.indexOf('(C/C++ runtime)') >= 0; }).length;
  fold.checked = true; fold.dispatchEvent(new Event('change'));
  out.runtime_after = titles().filter(function (t) { return t.indexOf('(C/C++ runtime)') >= 0; }).length;
  out.fold_heading = heading();
  out.fold_main_under_root = titles().some(function (t) { return t.indexOf('main\n') === 0; });
  document.title = 'RESULT ' + JSON.stringify(out);
});</script></body>"""
open(sys.argv[2], "w", encoding="utf-8").write(page.replace("</body>", probe))
PY
chrome_dump "file://$WORK/probe.html" "$WORK/probe.dom"
if grep 'CONSOLE' "$WORK/probe.dom.log" | grep -q ':ERROR:\|:WARNING:\|Uncaught\|rror'; then
	fail "console error: $(grep CONSOLE "$WORK/probe.dom.log" | head -1 | cut -c1-300)"
fi
"$PY" - "$WORK/probe.dom" <<'PY' || exit 1
import html, json, re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r"<title>RESULT (.*?)</title>", dom, re.S)
if not m:
    sys.exit("FAIL: t0710: the probe did not finish: %s" % re.findall(r"<title>[^<]*", dom)[:1])
r = json.loads(html.unescape(m.group(1)))
def check(cond, what):
    if not cond:
        sys.exit("FAIL: t0710: %s\n%s" % (what, json.dumps(r, indent=1)[:3000]))
check(r["ui_hidden"] is False, "the controls stay hidden with JavaScript")
check([v.split(" (")[0] for v in r["views"]] == ["Allocated bytes", "Allocations",
      "Live at \u201cLEAKS MADE\u201d", "Live at exit", "Lost", "Indirectly lost"], "the views")
check(r["lost_heading"] == "Lost (196 B)", "the lost view's heading")
lost = [t.split("\n")[0] for t in r["lost_titles"]]
check("lost_single" in lost and "lost_cycle" in lost and "lost_list" in lost, "lost frames missing")
check(not any(n.startswith("reachable_") or n == "freed_control" for n in lost), "non-lost frames in the lost view")
check(r["lost_match"].endswith("196 B, 100% of lost"), "search share in the lost view")
check(r["lost_marked"] >= 3, "search highlighted %d frames" % r["lost_marked"])
check(r["freed_match"] == "1 function matches (1 bar drawn): 576 B, 25.3% of allocated bytes", "search share of freed_control")
check(r["freed_marked"] >= 1, "freed_control not highlighted")
check(r["snap_heading"].startswith("Live at \u201cLEAKS MADE\u201d (1.66 KiB)"), "the snapshot view's heading")
check(r["snap_freed"] == 0, "freed_control is drawn as live at the snapshot")
check(r["runtime_before"] >= 2 and r["runtime_after"] == 0, "folding runtime frames")
check(r["fold_heading"] == "Allocated bytes (2.23 KiB)", "the total after folding")
PY
exit 0
