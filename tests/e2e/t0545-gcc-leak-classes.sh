#!/bin/sh
# Leak classes on a real program nobody here wrote: `gcc -O2 -c` of
# tests/fixtures/gcc_input.c, three processes (the driver, cc1, as).
# valgrind memcheck's figures per process, per class (blocks/bytes), are
# in tests/e2e/expected/t0545-gcc-valgrind.txt, recorded on this kind of
# machine by this script:
#
#   sh tests/e2e/t0545-gcc-leak-classes.sh --record
#
# (about 15 s under valgrind). The check itself runs only memledger:
# memledger's lost, indirect and possible blocks and bytes equal
# valgrind's for each process, and cc1 has no lost block (cc1 keeps
# pointers to malloc'd blocks in the heap it maps itself: they were lost
# until the scan read the program's own mappings). Reachable blocks are
# compared too, within 2% of the blocks and 5% of the bytes: the two
# runs differ in their environment, and cc1 shows two 32 KiB runtime
# blocks under valgrind that it does not allocate under memledger.
# Skipped when the installed gcc or as is not the recorded one.
. "$(dirname "$0")/lib/common.sh"
EXPECTED=$ROOT/tests/e2e/expected/t0545-gcc-valgrind.txt
command -v gcc >/dev/null 2>&1 || skip "gcc is not installed"
GCC_V=$(gcc --version | head -1)
AS_V=$(as --version | head -1)

case $ML in /*) ;; *) ML=$ROOT/$ML ;; esac
mkdir "$WORK/cc" && cp "$ROOT/tests/fixtures/gcc_input.c" "$WORK/cc/" || fail "cannot set up $WORK/cc"
cd "$WORK/cc" || fail "cd $WORK/cc"

if [ "$1" = --record ]; then
	command -v valgrind >/dev/null 2>&1 || fail "valgrind is not installed"
	valgrind -q --trace-children=yes --leak-check=full --show-leak-kinds=all --xml=yes \
		--xml-file=vg.%p.xml gcc -O2 -c gcc_input.c -o gcc_input.o >vg.out 2>&1 ||
		fail "gcc under valgrind: $(head -1 vg.out)"
	{
		echo "# valgrind memcheck's leak summary per process of: gcc -O2 -c gcc_input.c -o gcc_input.o"
		echo "# recorded by tests/e2e/t0545-gcc-leak-classes.sh --record on $(date -u +%Y-%m-%d)"
		echo "gcc: $GCC_V"
		echo "as: $AS_V"
		echo "valgrind: $(valgrind --version)"
		"$PY" - vg.*.xml <<'PYEOF'
import re, sys, xml.etree.ElementTree as ET
KIND = {"Leak_DefinitelyLost": "lost", "Leak_IndirectlyLost": "indirect",
        "Leak_PossiblyLost": "possible", "Leak_StillReachable": "reachable"}
rows = {}
for path in sys.argv[1:]:
    root = ET.parse(path).getroot()
    exe = root.findtext("args/argv/exe") or ""
    role = "cc1" if exe.endswith("/cc1") else "as" if exe.endswith("as") else "driver"
    tot = {c: [0, 0] for c in KIND.values()}
    for e in root.iter("error"):
        kind = KIND.get(e.findtext("kind"))
        if not kind:
            continue
        xw = e.find("xwhat")
        blocks, nbytes = int(xw.findtext("leakedblocks")), int(xw.findtext("leakedbytes"))
        direct = re.match(r"[\d,]+ \(([\d,]+) direct, [\d,]+ indirect\)", xw.findtext("text") or "")
        if direct:
            nbytes = int(direct.group(1).replace(",", ""))
        tot[kind][0] += blocks
        tot[kind][1] += nbytes
    rows[role] = role + " " + " ".join("%s %d/%d" % (c, *tot[c]) for c in ("lost", "indirect", "possible", "reachable"))
for role in ("driver", "cc1", "as"):
    print(rows[role])
PYEOF
	} >"$EXPECTED.new" || fail "could not read valgrind's output"
	mv "$EXPECTED.new" "$EXPECTED"
	cat "$EXPECTED"
	exit 0
fi

[ -f "$EXPECTED" ] || fail "$EXPECTED is missing: record it with $0 --record"
[ "$(sed -n 's/^gcc: //p' "$EXPECTED")" = "$GCC_V" ] || skip "recorded for $(sed -n 's/^gcc: //p' "$EXPECTED"), this is $GCC_V"
[ "$(sed -n 's/^as: //p' "$EXPECTED")" = "$AS_V" ] || skip "recorded for $(sed -n 's/^as: //p' "$EXPECTED"), this is $AS_V"

"$ML" run -o ml.mlt -- gcc -O2 -c gcc_input.c -o gcc_input.o >ml.out 2>ml.err || fail "gcc under memledger: $(head -1 ml.err)"
"$ML" ingest -q -o ml.db ml*.mlt >ml.ingest 2>&1 || fail "ingest: $(head -1 ml.ingest)"
"$ML" query --csv ml.db "SELECT CASE WHEN p.exe LIKE '%/cc1' THEN 'cc1' WHEN p.exe LIKE '%as' THEN 'as'
	WHEN p.parent_process_id IS NULL THEN 'driver' ELSE p.exe END AS role,
	sum(s.lost_allocs) AS l, sum(s.lost_bytes) AS lb, sum(s.indirect_allocs) AS i, sum(s.indirect_bytes) AS ib,
	sum(s.possible_allocs) AS p, sum(s.possible_bytes) AS pb, sum(s.reachable_allocs) AS r,
	sum(s.reachable_bytes) AS rb FROM processes p JOIN sites s ON s.process_id = p.id WHERE p.scanned = 1 GROUP BY p.id" >ml.csv 2>q.err ||
	fail "query: $(head -1 q.err)"
sed 1d ml.csv | tr -d '\r' | while IFS=, read -r role l lb i ib p pb r rb; do
	echo "$role lost $l/$lb indirect $i/$ib possible $p/$pb reachable $r/$rb"
done | sort >ml.txt
grep -E '^(driver|cc1|as) ' "$EXPECTED" | sort >vg.txt
echo "valgrind:"; cat vg.txt; echo "memledger:"; cat ml.txt
[ "$(wc -l <ml.txt)" -eq 3 ] || fail "want 3 scanned processes (driver, cc1, as), got: $(tr '\n' ';' <ml.txt)"
"$PY" - vg.txt ml.txt <<'PYEOF' || fail "memledger and valgrind differ on gcc"
import sys
def load(path):
    out = {}
    for line in open(path):
        w = line.split()
        out[w[0]] = {w[i]: tuple(map(int, w[i + 1].split("/"))) for i in range(1, len(w), 2)}
    return out
vg, ml = load(sys.argv[1]), load(sys.argv[2])
bad = 0
for role in ("driver", "cc1", "as"):
    for c in ("lost", "indirect", "possible"):
        if vg[role][c] != ml[role][c]:
            print("%s: %s: valgrind %d/%d, memledger %d/%d" % ((role, c) + vg[role][c] + ml[role][c]))
            bad = 1
    (vb, vB), (mb, mB) = vg[role]["reachable"], ml[role]["reachable"]
    if abs(mb - vb) > 0.02 * vb or abs(mB - vB) > 0.05 * vB:
        print("%s: reachable: valgrind %d/%d, memledger %d/%d" % (role, vb, vB, mb, mB))
        bad = 1
if ml["cc1"]["lost"][0]:
    print("cc1: %d lost blocks" % ml["cc1"]["lost"][0])
    bad = 1
sys.exit(bad)
PYEOF
exit 0
