#!/bin/sh
# Two versions of one program (tests/programs/cmp_app.c): version 2 adds a
# leaking site (leak_new, 120 bytes lost) and fills its container 40
# times fuller (push), and an edit moved all its lines by three. Every
# address differs too (another build, ASLR).
#  - `diff` matches the unchanged sites by symbols despite the moved
#    lines (nothing "gone"), names leak_new as new and push as grown, puts
#    the new lost site first among the leak changes, and exits 1;
#  - `check --baseline` exits 1 and names both regressions (new leak
#    site, peak Alloc growth) with their sites and stacks, and prints its
#    thresholds; old failures of version 1 are forgiven;
#  - `report --baseline` has a section id="baseline" naming both, with a
#    chart of both runs' Alloc overlaid; `diff --html` writes the page.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/compare.sh"

build_v2
traced_db v1 "$V1"
traced_db v2 "$V2"

# the edit really moved the lines, so exact keys differ
l1=$(q "$WORK/v1.db" "SELECT line FROM sites WHERE function = 'push'")
l2=$(q "$WORK/v2.db" "SELECT line FROM sites WHERE function = 'push'")
[ -n "$l1" ] && [ "$l2" = $((l1 + 3)) ] || fail "push's line: v1 $l1, v2 $l2 (want v1 + 3)"

# ---- diff, text
"$ML" diff "$WORK/v1.db" "$WORK/v2.db" >"$WORK/diff.txt" 2>"$WORK/diff.err"
rc=$?
[ $rc -eq 1 ] || fail "diff exited $rc, want 1: $(head -1 "$WORK/diff.err")"
grep -q '^allocation sites: 1 new, 0 gone, 1 grown, 0 shrunk' "$WORK/diff.txt" ||
	fail "diff's site counts: $(grep '^allocation sites' "$WORK/diff.txt")"
grep -Eq '^  new +leak_new \(.*cmp_app\.c:[0-9]+\)' "$WORK/diff.txt" || fail "diff does not name leak_new as new"
grep -Eq '^  grown +push \(.*cmp_app\.c:[0-9]+\)' "$WORK/diff.txt" || fail "diff does not name push as grown"
grep -Eq '^          at leak_new \(' "$WORK/diff.txt" || fail "diff shows no stack for leak_new"
grep -q '^differs: ' "$WORK/diff.txt" || fail "diff's last line: $(tail -1 "$WORK/diff.txt")"

# ---- diff, JSON
"$ML" diff --json "$WORK/v1.db" "$WORK/v2.db" >"$WORK/diff.json" 2>"$WORK/diff.err"
[ $? -eq 1 ] || fail "diff --json exited $?, want 1"
v=$(json_get "$WORK/diff.json" "d['differs'], len(d['processes']), d['only_in_base'], d['only_in_new']") ||
	fail "diff --json is not JSON"
[ "$v" = "(True, 1, [], [])" ] || fail "diff --json: $v"
expect_json "$WORK/diff.json" "[(s['change'], s['where'].split(' ')[0]) for s in d['processes'][0]['sites']['changes']]" \
	"[('new', 'leak_new'), ('grown', 'push')]" "diff --json sites"
expect_json "$WORK/diff.json" "[(s['base']['live_bytes'], s['new']['live_bytes']) for s in d['processes'][0]['sites']['changes']]" \
	"[(0, 120), (8192, 524288)]" "diff --json live bytes at exit"
expect_json "$WORK/diff.json" "[f['function'] for f in d['processes'][0]['sites']['changes'][0]['stack']][:2]" \
	"['leak_new', 'main']" "diff --json leak_new's stack"
expect_json "$WORK/diff.json" "(lambda l: (l['change'], l['class'], l['definite'], l['where'].split(' ')[0], l['new_bytes']))(d['processes'][0]['leaks'][0])" \
	"('new', 'lost', True, 'leak_new', 120)" "diff --json first leak change"
expect_json "$WORK/diff.json" "sorted(set((m['name'], m['counts']) for m in d['processes'][0]['metrics'] if m['label'] == 'exit' and m['name'] in ('Alloc', 'Mallocs', 'Time')))" \
	"[('Alloc', True), ('Mallocs', True), ('Time', False)]" "diff --json metrics at exit"
expect_json "$WORK/diff.json" "[m['change'] for m in d['processes'][0]['metrics'] if m['label'] == 'exit' and m['metric'] == 'alloc']" \
	"[516216]" "diff --json: Alloc at exit should grow by 524288 + 120 - 8192 = 516216"

# ---- check --baseline
"$ML" check --baseline "$WORK/v1.db" "$WORK/v2.db" >"$WORK/gate.txt" 2>"$WORK/gate.err"
rc=$?
[ $rc -eq 1 ] || fail "check --baseline exited $rc, want 1: $(head -1 "$WORK/gate.err")"
grep -q '^thresholds: --max-lost-growth 0 (default), --max-peak-growth 10%,64KiB (default), --max-allocs-growth 10%,1000 (default)$' \
	"$WORK/gate.txt" || fail "check --baseline does not print its thresholds: $(grep thresholds "$WORK/gate.txt")"
grep -q '^  REGRESSION new_leak_sites: 1 site leaks that did not in BASE' "$WORK/gate.txt" ||
	fail "no new_leak_sites regression: $(grep new_leak_sites "$WORK/gate.txt")"
grep -Eq '^        - new leak site: 120 B in 1 block definitely lost at leak_new \(' "$WORK/gate.txt" ||
	fail "the new leak site is not named"
grep -A1 -- '- new leak site' "$WORK/gate.txt" | grep -Eq '^          at leak_new \(' ||
	fail "the new leak site has no stack"
grep -q '^  REGRESSION peak_alloc_growth: peak Alloc ' "$WORK/gate.txt" || fail "no peak_alloc_growth regression"
grep -Eq '^        - peak live bytes .* at push \(' "$WORK/gate.txt" || fail "peak growth does not name push"
grep -Eq '^  skip +global_references: fails, as it did in BASE' "$WORK/gate.txt" ||
	fail "an old failure of version 1 is not forgiven: $(grep global_references "$WORK/gate.txt")"
[ "$(tail -1 "$WORK/gate.txt")" = "3 regressions" ] || fail "check --baseline ends with '$(tail -1 "$WORK/gate.txt")'"
# a threshold the user set: the container growth no longer counts, the new leak still does
"$ML" check --baseline "$WORK/v1.db" --max-peak-growth 100000% --max-lost-growth 1KiB "$WORK/v2.db" >"$WORK/gate2.txt" 2>&1
[ $? -eq 1 ] || fail "check --baseline with loose thresholds exited $?, want 1"
grep -q '^  ok         peak_alloc_growth: ' "$WORK/gate2.txt" || fail "--max-peak-growth 100000% still fails"
grep -q '^  ok         lost_growth: ' "$WORK/gate2.txt" || fail "--max-lost-growth 1KiB still fails"
grep -q '^thresholds: --max-lost-growth 1KiB, --max-peak-growth 100000%, ' "$WORK/gate2.txt" ||
	fail "thresholds as set: $(grep thresholds "$WORK/gate2.txt")"
[ "$(tail -1 "$WORK/gate2.txt")" = "1 regression" ] || fail "with loose thresholds: '$(tail -1 "$WORK/gate2.txt")'"

# ---- report --baseline and diff --html
"$ML" report --baseline "$WORK/v1.db" -o "$WORK/r.html" "$WORK/v2.db" >/dev/null 2>"$WORK/r.err" ||
	fail "report --baseline failed: $(head -1 "$WORK/r.err")"
"$ML" diff --html "$WORK/d.html" "$WORK/v1.db" "$WORK/v2.db" >/dev/null 2>"$WORK/d.err"
[ $? -eq 1 ] || fail "diff --html exited $?: $(head -1 "$WORK/d.err")"
for page in r d; do
	"$PY" - "$WORK/$page.html" <<'PYEOF' || fail "$page.html: the baseline section is wrong"
import sys, html5lib
doc = html5lib.parse(open(sys.argv[1], 'rb').read(), namespaceHTMLElements=False)
secs = [e for e in doc.iter() if e.get('id') == 'baseline']
if len(secs) != 1:
    sys.exit('%d elements with id=baseline' % len(secs))
sec = secs[0]
text = ''.join(sec.itertext())
def tag(e):
    return e.tag.split('}')[-1] if isinstance(e.tag, str) else ''
for want in ('leak_new', 'push', 'NEW differs from BASE', 'new: 1', 'grown: 1'):
    if want not in text:
        sys.exit('the section does not say %r' % want)
rows = [''.join(tr.itertext()) for tr in sec.iter() if tag(tr) == 'tr' and 'change-new' in (tr.get('class') or '')]
if not any('leak_new' in r for r in rows):
    sys.exit('no row of class change-new names leak_new')
# the Alloc chart: both runs, overlaid in one picture
svgs = [s for s in sec.iter() if tag(s) == 'svg']
if not svgs:
    sys.exit('no chart')
legend = ''.join(svgs[0].itertext())
if 'NEW' not in legend or 'BASE' not in legend:
    sys.exit('the chart does not show both runs: %r' % legend[:200])
paths = [p for p in svgs[0].iter() if tag(p) == 'path' and 'series' in (p.get('class') or '')]
if len(paths) < 2:
    sys.exit('%d series drawn, want 2' % len(paths))
PYEOF
done
# the report keeps its own sections beside the new one
grep -q 'id="overview"' "$WORK/r.html" || fail "report --baseline lost the overview section"
exit 0
