#!/bin/sh
# A short run's peak of Alloc (tests/programs/peak_short.c): 1 MiB
# allocated, written and freed within a few milliseconds. Its only
# snapshots, start and exit, both have nothing live, so a peak taken from
# the snapshots reads 0 "at start" and the charts are flat. The timeline
# ingest counts from every event must show:
#  - in SQL, a peak of Alloc of at least 1 MiB, reached when the block was
#    allocated (its allocations row, loaded with --allocations all: alloc_ns
#    <= peak_ns <= free_ns), between the start and exit snapshots;
#  - in the verdict on Alloc (made at ingest), "Its peak was 1.00 MiB";
#  - on the page, Peak Alloc 1.00 MiB "into the run", and an Alloc chart
#    whose axis reaches 1 MiB;
#  - as one process of a run (a shell that runs it), the run's peak of the
#    summed Alloc (run_totals and the run summary) and its row in the
#    processes table.
. "$(dirname "$0")/lib/common.sh"
trace ps "$PROGS/peak_short"
[ "$RC" = 0 ] || fail "peak_short exited $RC: $(head -1 "$WORK/ps.err")"
load ps
DB=$WORK/ps.db
dur=$(q "$DB" "SELECT max(ts_ns) - min(ts_ns) FROM snapshots")
echo "run: $dur ns between the start and exit snapshots"
snap=$(q "$DB" "SELECT max(alloc) FROM snapshots")
[ "$snap" -lt 1048576 ] || echo "note: a snapshot saw the peak ($snap)"
set -- $(q "$DB" "SELECT peak_bytes || ' ' || peak_ns FROM timeline ORDER BY peak_bytes DESC, peak_ns LIMIT 1")
peak=$1 peak_ns=$2
echo "timeline peak: $peak B at $peak_ns ns"
[ -n "$peak" ] && [ "$peak" -ge 1048576 ] || fail "peak of Alloc is '$peak', want 1 MiB or more"
[ "$peak" -lt 1114112 ] || fail "peak of Alloc $peak: more than the 1 MiB block and small change"

"$ML" ingest -q --allocations all -o "$WORK/all.db" "$WORK/ps.mlt" >"$WORK/all.ingest" 2>&1 ||
	fail "ingest --allocations all: $(head -1 "$WORK/all.ingest")"
set -- $(q "$WORK/all.db" "SELECT alloc_ns || ' ' || free_ns FROM allocations WHERE size = 1048576")
[ -n "$1" ] || fail "no allocations row for the 1 MiB block"
echo "the block: allocated at $1, freed at $2"
[ "$1" -le "$peak_ns" ] && [ "$peak_ns" -le "$2" ] || fail "peak at $peak_ns, but the block lived from $1 to $2"
got=$(q "$DB" "SELECT count(*) FROM snapshots WHERE ts_ns <= $peak_ns")
[ "$got" -ge 1 ] || fail "peak at $peak_ns is before the start snapshot"
got=$(q "$DB" "SELECT count(*) FROM snapshots WHERE kind = 'exit' AND ts_ns >= $peak_ns")
[ "$got" = 1 ] || fail "peak at $peak_ns is after the exit snapshot"
got=$(q "$DB" "SELECT detail FROM verdicts WHERE subject = 'alloc'")
case "$got" in *"Its peak was 1.00 MiB, "*" into the run."*) ;; *) fail "the Alloc verdict says: $got" ;; esac
# the default mode and --allocations all agree on the timeline
a=$("$ML" query --csv "$DB" "SELECT * FROM timeline ORDER BY seq" | cksum)
b=$("$ML" query --csv "$WORK/all.db" "SELECT * FROM timeline ORDER BY seq" | cksum)
[ "$a" = "$b" ] || fail "the timeline differs between the default mode and --allocations all"

"$ML" report -o "$WORK/ps.html" "$DB" >"$WORK/report.out" 2>&1 || fail "report: $(head -1 "$WORK/report.out")"
"$PY" - "$WORK/ps.html" <<'PYEOF' || fail "the page does not show the peak"
import re, sys
s = open(sys.argv[1]).read()
text = lambda h: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", h)).strip()
card = re.search(r'<span class="k">Peak Alloc</span>(.*?)</div>', s, re.S)
if not card:
    sys.exit("no Peak Alloc card")
c = text(card.group(1))
print("Peak Alloc card:", c)
if not re.match(r"1\.00 MiB \S+ \S+ into the run$", c):
    sys.exit("Peak Alloc card reads %r" % c)
for m in re.finditer(r"<svg.*?</svg>", s, re.S):
    if "<title>Alloc over time</title>" in m.group(0):
        labels = re.findall(r"<text[^>]*>([^<]*)</text>", m.group(0))
        print("Alloc chart labels:", labels)
        if "1 MiB" not in labels:
            sys.exit("the Alloc chart's axis does not reach 1 MiB")
        break
else:
    sys.exit("no Alloc chart")
PYEOF

# the same program as one process of a run: the run's totals and its row
trace run /bin/sh -c "$PROGS/peak_short; :"
[ "$RC" = 0 ] || fail "sh -c peak_short exited $RC: $(head -1 "$WORK/run.err")"
load run
got=$(q "$WORK/run.db" "SELECT peak_live_bytes FROM run_totals")
[ -n "$got" ] && [ "$got" -ge 1048576 ] || fail "run_totals.peak_live_bytes is '$got', want 1 MiB or more"
"$ML" report -o "$WORK/run.html" "$WORK/run.db" >"$WORK/runreport.out" 2>&1 ||
	fail "report of the run: $(head -1 "$WORK/runreport.out")"
"$PY" - "$WORK/run.html" <<'PYEOF' || fail "the run summary does not show the short process's peak"
import re, sys
s = open(sys.argv[1]).read()
text = lambda h: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", h)).strip()
sec = re.search(r'<section[^>]*id="run-summary".*?</section>', s, re.S)
if not sec:
    sys.exit("no run summary")
peak = re.search(r'class="total peak_live">(.*?)</div>', sec.group(0), re.S)
print("totals:", peak and text(peak.group(1)))
if not peak or "1.00 MiB" not in text(peak.group(1)):
    sys.exit("the run's summed peak reads %r" % (peak and text(peak.group(1))))
rows = [text(r) for r in re.findall(r"<tr\b.*?</tr>", sec.group(0), re.S)]
prow = [r for r in rows if "peak_short" in r]
print("process row:", prow)
if not prow or "1.00 MiB" not in prow[0]:
    sys.exit("peak_short's row reads %r" % prow)
PYEOF
exit 0
