"""Compare the stacks two unwinders gave the same program's allocations.

    unwcmp.py FAST.csv LU.csv

Each file is `memledger query --csv` output of tests/e2e/lib/unwind.sh's
UNW_SQL: one row per frame of each allocation, in trace order. The two
runs are the same deterministic program, so they make the same
allocations in the same order, nearly always. Not quite always: a
real program can make one or two allocations more or fewer from run to
run (libxml2 seeds its hash tables from the clock, so a table may grow
in one run and not the other; CI once saw xmllint make 3585 and 3586).
So when the sizes differ, the two lists are aligned (difflib, see
align()) and the stacks of the aligned allocations are compared. At
most ALLOWED_UNPAIRED allocations (or 1 in 500) may be left without a
partner; they are listed. More than that, or no allocations at all, and
the runs, not the unwinders, differ: the test is void (exit 2).

A frame is its module, the offset of its return address in the module
and its function (and whether it is inlined). The rule: at every
position the two stacks are equal, frame for frame. No difference is
allowed, because none is legitimate on these programs:

  - Signal frames, DWARF expressions and the other rules the fast
    unwinder does not model send the whole stack to libunwind
    (tracer/unwind.c), so such stacks are libunwind's in both runs.
  - Both stop where .eh_frame says the stack ends (an undefined return
    address: _start, clone3) or where no module has unwind information
    for a return address, and both are cut at the same --depth.
  - libunwind giving up early (unw_backtrace returns the frames it has)
    would show as one stack being a proper prefix of the other. That is
    reported as "truncated" and fails too: it has not been seen on
    these programs, and a fast unwinder that ends stacks early is
    exactly the bug this test is for.

Exit 0 when every stack is equal, 1 when any differs (the first few are
listed, classified "truncated" or "differs"). Prints one summary line
either way.
"""
import csv
import difflib
import sys

ALLOWED_UNPAIRED = 4


def load(path):
    allocs = []  # [(size, [frame, ...])]
    by_id = {}
    with open(path, newline="") as f:
        rows = csv.reader(f)
        header = next(rows, None)
        if header is None or header[0] != "id":
            sys.exit("unwcmp: %s: not a stack dump" % path)
        for row in rows:
            aid, size, depth, module, offset, function, inlined = row
            if aid not in by_id:
                by_id[aid] = (size, [])
                allocs.append(by_id[aid])
            if depth != "":
                frame = "%s+0x%x %s%s" % (module, int(offset or 0), function or "?",
                                           " (inlined)" if inlined == "1" else "")
                by_id[aid][1].append(frame)
    return allocs


def show(stack):
    return "\n      ".join(stack) if stack else "(empty)"


def align(fast, lu):
    """Pairs (i, j) of allocations at the same place in both runs, and the
    allocations of either run left without a partner.

    Runs of the same sizes pair position by position. Otherwise the two
    runs are aligned on (size, stack); a stretch where they disagree
    pairs position by position when both sides have the same sizes there
    (the stacks differ: that is what the test is for), and is left
    unpaired when it does not (the program made other allocations)."""
    sizes_a, sizes_b = [s for s, _ in fast], [s for s, _ in lu]
    if sizes_a == sizes_b:
        return list(zip(range(len(fast)), range(len(lu)))), []
    m = difflib.SequenceMatcher(None, [(s, tuple(st)) for s, st in fast],
                                [(s, tuple(st)) for s, st in lu], autojunk=False)
    pairs, unpaired = [], []
    for tag, i1, i2, j1, j2 in m.get_opcodes():
        if tag == "equal" or (tag == "replace" and sizes_a[i1:i2] == sizes_b[j1:j2]):
            pairs.extend(zip(range(i1, i2), range(j1, j2)))
            continue
        unpaired.extend(("fast", i, fast[i][0], fast[i][1]) for i in range(i1, i2))
        unpaired.extend(("libunwind", j, lu[j][0], lu[j][1]) for j in range(j1, j2))
    return pairs, unpaired


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    fast, lu = load(argv[0]), load(argv[1])
    pairs, unpaired = align(fast, lu)
    if not pairs or len(unpaired) > max(ALLOWED_UNPAIRED, len(fast) // 500):
        print("the runs differ: %d allocations with the fast unwinder, %d with libunwind,"
              " %d of them without a partner of the same size in the other run"
              % (len(fast), len(lu), len(unpaired)))
        for run, i, size, stack in unpaired[:3]:
            print("  only in the %s run: allocation %d (%s bytes):\n      %s"
                  % (run, i, size, show(stack)))
        return 2
    if unpaired:
        print("the program itself varied: %d allocations with the fast unwinder, %d with"
              " libunwind; %d without a partner, not compared:"
              % (len(fast), len(lu), len(unpaired)))
        for run, i, size, stack in unpaired:
            print("  only in the %s run: allocation %d (%s bytes):\n      %s"
                  % (run, i, size, show(stack)))
    same = truncated = 0
    bad = []
    for i, j in pairs:
        size, sa = fast[i]
        sb = lu[j][1]
        if sa == sb:
            same += 1
            continue
        short, long_ = (sa, sb) if len(sa) < len(sb) else (sb, sa)
        if long_[:len(short)] == short:
            truncated += 1
            bad.append((i, size, "truncated", sa, sb))
        else:
            bad.append((i, size, "differs", sa, sb))
    frames = sum(len(fast[i][1]) for i, _ in pairs)
    print("%d allocations, %d frames: %d stacks equal, %d truncated in one run, %d differ"
          % (len(pairs), frames, same, truncated, len(bad) - truncated))
    for i, size, kind, sa, sb in bad[:5]:
        print("allocation %d (%s bytes) %s:\n  fast:\n      %s\n  libunwind:\n      %s"
              % (i, size, kind, show(sa), show(sb)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
