"""Compare the stacks two unwinders gave the same program's allocations.

    unwcmp.py FAST.csv LU.csv

Each file is `memledger query --csv` output of tests/e2e/lib/unwind.sh's
UNW_SQL: one row per frame of each allocation, in trace order. The two
runs are the same deterministic program, so they make the same
allocations in the same order: the lists must have the same length and
the same size at every position (else the runs, not the unwinders,
differ, and the test is void: exit 2).

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
import sys


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


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    fast, lu = load(argv[0]), load(argv[1])
    if len(fast) != len(lu):
        print("the runs differ: %d allocations with the fast unwinder, %d with libunwind"
              % (len(fast), len(lu)))
        return 2
    for i, (a, b) in enumerate(zip(fast, lu)):
        if a[0] != b[0]:
            print("the runs differ: allocation %d is %s bytes with the fast unwinder, %s with libunwind"
                  % (i, a[0], b[0]))
            return 2
    same = truncated = 0
    bad = []
    for i, ((size, sa), (_, sb)) in enumerate(zip(fast, lu)):
        if sa == sb:
            same += 1
            continue
        short, long_ = (sa, sb) if len(sa) < len(sb) else (sb, sa)
        if long_[:len(short)] == short:
            truncated += 1
            bad.append((i, size, "truncated", sa, sb))
        else:
            bad.append((i, size, "differs", sa, sb))
    frames = sum(len(s) for _, s in fast)
    print("%d allocations, %d frames: %d stacks equal, %d truncated in one run, %d differ"
          % (len(fast), frames, same, truncated, len(bad) - truncated))
    for i, size, kind, sa, sb in bad[:5]:
        print("allocation %d (%s bytes) %s:\n  fast:\n      %s\n  libunwind:\n      %s"
              % (i, size, kind, show(sa), show(sb)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
