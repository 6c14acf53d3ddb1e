#!/bin/sh
# export --format speedscope: speedscope itself (its npm package, run
# offline in headless Chromium) imports the file as its own format with
# no error and shows every profile; the JSON has one profile per weight
# with the database's totals, and samples root first.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/export.sh"
need_chrome
need_speedscope

traced_export lc "$PROGS/leak_classes"
export_ok lc --format speedscope -o "$WORK/lc.speedscope.json" "$DB"

# the file itself: profiles and totals
"$PY" - "$WORK/lc.speedscope.json" \
	"$(q "$DB" "SELECT sum(bytes) || ' ' || sum(allocs) || ' ' || sum(live_bytes) || ' ' || sum(live_allocs) || ' ' || sum(lost_bytes) || ' ' || sum(indirect_bytes) FROM sites")" <<'PY' || exit 1
import json, sys
doc = json.load(open(sys.argv[1]))
want = [int(x) for x in sys.argv[2].split()]
names = ["Allocated bytes", "Allocations", "Live bytes at exit", "Live blocks at exit",
         "Lost bytes", "Indirectly lost bytes"]
got = [p["name"] for p in doc["profiles"]]
if got != names:
    sys.exit("FAIL: t0704: profiles %r, want %r" % (got, names))
frames = doc["shared"]["frames"]
for p, total in zip(doc["profiles"], want):
    if p["type"] != "sampled" or len(p["samples"]) != len(p["weights"]):
        sys.exit("FAIL: t0704: profile %s is not a sampled profile" % p["name"])
    if sum(p["weights"]) != total or p["endValue"] != total:
        sys.exit("FAIL: t0704: %s sums to %d, the database to %d" % (p["name"], sum(p["weights"]), total))
    for s in p["samples"]:
        if frames[s[0]]["name"] != "_start" or frames[s[-1]]["name"] != "xmalloc":
            sys.exit("FAIL: t0704: a sample does not run from _start to xmalloc")
PY

speedscope_load "$WORK/lc.speedscope.json"
# the profile chooser counts our six profiles
grep -q '1/6' "$SPEEDSCOPE_DOM" || fail "speedscope does not show 6 profiles"
exit 0
