#!/usr/bin/env python3
"""make bench: memledger side by side with heaptrack, in one run.

    python3 bench/run.py BUILD_DIR

Prints Markdown tables, medians of RUNS alternating runs, each figure with
the machine's load average (`uptime`) while it was measured, since a shared
machine makes wall times noisy:

1. Capture: bench/workload (4 call paths, 64 live blocks) and
   bench/deepload (4 paths of 4 noinline levels, a ring of 1000 live
   blocks), 1 and 4 threads: plain, memledger and heaptrack wall time, the
   slowdowns, and bytes per event of both files.
2. Real programs: sqlite3 on a 200k-row workload, xmllint on a generated
   18 MB document, gcc -O2 -c (every process: the driver, cc1, as; heaptrack
   follows them through gcc's -wrapper): trace size against heaptrack's,
   and the tracer's own memory (peak RSS traced minus plain) as a share of
   the program's.
3. End to end: memledger run + ingest + report against heaptrack record +
   heaptrack_print, on the workload and on sqlite3.
4. Ingest: default mode and `--allocations all` rate and peak memory on
   the workload's trace ("n/a (not implemented)" where this build's ingest
   has no --allocations).
5. The exit scan at 1M live blocks.
6. The report of a huge database (tests/fixtures/scale_fixture.sql),
   best of three, against its 1.5 s budget: the one figure here with a
   limit, `make bench` exits 1 after printing everything when it is over.

Environment: PAIRS (default 5000000), RUNS (default 3), EXTRA=1 adds the
scaling and --sample-bytes tables. Benchmarks are not tests: nothing here
asserts, except the report's budget (6).
"""
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

B = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
ML = os.path.join(B, "memledger")
WL = os.path.join(B, "bench", "workload")
DL = os.path.join(B, "bench", "deepload")
SCAN = os.path.join(B, "bench", "scanload")
SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAIRS = int(os.environ.get("PAIRS", "5000000"))
RUNS = int(os.environ.get("RUNS", "3"))
EXTRA = os.environ.get("EXTRA", "") not in ("", "0")
HEAPTRACK = shutil.which("heaptrack")
HT_PRINT = shutil.which("heaptrack_print")
WORK = tempfile.mkdtemp(prefix="memledger-bench.")
DEVNULL = subprocess.DEVNULL


def load():
    """The 1-minute load average, as `uptime` prints it."""
    return os.getloadavg()[0]


LAST_CPU = [0.0]


def run(cmd, stdin=None, ok=(0,)):
    """Run cmd; return (wall seconds, peak RSS in KiB of it or its largest
    waited-for descendant). LAST_CPU[0] is then its CPU time (user + sys,
    with every thread and waited-for descendant: the tracer's writer,
    heaptrack's interpreter and compressor)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=stdin, stdout=DEVNULL, stderr=DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.monotonic() - t0
    LAST_CPU[0] = ru.ru_utime + ru.ru_stime
    rc = os.waitstatus_to_exitcode(status)
    if rc not in ok:
        raise SystemExit("bench: %s exited %d" % (" ".join(cmd), rc))
    return dt, ru.ru_maxrss


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def q(db, sql):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def ratio(x, base):
    return "%.2fx" % (x / base) if base else "-"


def clean(*paths):
    for f in paths:
        if os.path.isdir(f):
            shutil.rmtree(f)
        elif os.path.exists(f):
            os.unlink(f)


def opener(path):
    return open(path) if path else None


class Prog:
    """A program to measure: argv, optional stdin file, events hint."""
    def __init__(self, name, argv, stdin=None, events=0, ht_argv=None, ht_ok=(0,)):
        self.name, self.argv, self.stdin, self.events = name, argv, stdin, events
        self.ht_argv = ht_argv  # heaptrack's argv when it differs (gcc -wrapper)
        self.ht_ok = ht_ok      # exit statuses accepted under heaptrack


def ml_run(p, tag):
    """memledger run; returns (wall, rss, bytes of every trace, dir)."""
    d = os.path.join(WORK, "ml-" + tag)
    clean(d)
    os.makedirs(d)
    t, rss = run([ML, "run", "-o", os.path.join(d, "t.mlt"), "--"] + p.argv, stdin=opener(p.stdin))
    size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d) if f.endswith(".mlt"))
    return t, rss, size, d


def ht_run(p, tag):
    """heaptrack record; returns (wall, bytes of every file, main file)."""
    d = os.path.join(WORK, "ht-" + tag)
    clean(d)
    os.makedirs(d)
    argv = p.ht_argv(d) if p.ht_argv else p.argv
    t, _ = run([HEAPTRACK, "-o", os.path.join(d, "ht")] + argv, stdin=opener(p.stdin), ok=p.ht_ok)
    files = sorted(os.path.join(d, f) for f in os.listdir(d))
    main = next((f for f in files if os.path.basename(f).startswith("ht.")), None)
    return t, sum(os.path.getsize(f) for f in files), main


def ingest(d, db, extra=()):
    traces = sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".mlt"))
    clean(db)
    t, rss = run([ML, "ingest", "-q"] + list(extra) + ["-o", db] + traces)
    return t, rss


# ---------------------------------------------------------------- 1. capture

def capture(progs):
    print("\n### 1. Capture: wall time against the plain run\n")
    print("Median of %d alternating runs; bytes per event are the trace file's size over the events "
          "the workload makes (2 per pair). Load is the 1-minute load average during the runs. "
          "CPU is user + sys of every thread and process involved (for heaptrack: its interpreter and "
          "zstd); on a loaded machine it is the steadier figure." % RUNS)
    print()
    print("| workload | threads | plain | memledger | slowdown | heaptrack | slowdown | CPU plain | "
          "CPU memledger | CPU heaptrack | bytes/event memledger | bytes/event heaptrack | load |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    out = {}
    for p in progs:
        plain, ml, ht, mlb, htb, ld, cp, cm, ch = [], [], [], [], [], [], [], [], []
        for i in range(RUNS):
            ld.append(load())
            plain.append(run(p.argv)[0])
            cp.append(LAST_CPU[0])
            t, _, size, _ = ml_run(p, "cap")
            cm.append(LAST_CPU[0])
            ml.append(t)
            mlb.append(size)
            if HEAPTRACK:
                t, size, _ = ht_run(p, "cap")
                ch.append(LAST_CPU[0])
                ht.append(t)
                htb.append(size)
        pm, mm = median(plain), median(ml)
        hm = median(ht) if ht else float("nan")
        c0 = median(cp)
        print("| %s | %s | %.3f s | %.3f s | %s | %s | %s | %.2f s | %.2f s (%s) | %s | %.2f | %s | %.1f |"
              % (p.name.split(",")[0], p.name.split(",")[1].strip(), pm, mm, ratio(mm, pm),
                 "%.3f s" % hm if ht else "-", ratio(hm, pm) if ht else "-",
                 c0, median(cm), ratio(median(cm), c0),
                 "%.2f s (%s)" % (median(ch), ratio(median(ch), c0)) if ch else "-",
                 median(mlb) / p.events, "%.2f" % (median(htb) / p.events) if htb else "-", median(ld)))
        out[p.name] = (pm, mm, hm)
    return out


# ---------------------------------------------------------------- 2. real programs

def real_programs(progs):
    print("\n### 2. Real programs: trace size against heaptrack's, and the tracer's memory\n")
    print("Every process's files counted (gcc: driver, cc1 and as for memledger; driver and cc1 for "
          "heaptrack, under which cc1 ends with std::bad_alloc, so `as` never runs). heaptrack's are its interpreted `.zst` files. RSS added is the peak RSS of the traced run minus the plain run's "
          "(the largest process of each), as a share of the plain run's: the tracer's own memory, the library code it "
          "brings, and the program's own unwind tables (.eh_frame) that unwinding pages in. Tracer's own is what the "
          "trace says of that largest process: the most of its own memory resident at any snapshot (`snapshots.tracer_rss`, "
          "counted with mincore), as a share of the plain run's peak RSS. Median of %d runs." % RUNS)
    print()
    print("| program | events | memledger trace | heaptrack `.zst` | ratio (target <= 2x) | bytes/event | "
          "plain | memledger run | RSS added | tracer's own (target < 10%) | load |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    out = {}
    for p in progs:
        sizes, hts, plain, mlt, prss, mrss, ld = [], [], [], [], [], [], []
        last = None
        for i in range(RUNS):
            ld.append(load())
            t, rss = run(p.argv, stdin=opener(p.stdin))
            plain.append(t)
            prss.append(rss)
            t, rss, size, last = ml_run(p, "real")
            mlt.append(t)
            mrss.append(rss)
            sizes.append(size)
            if HEAPTRACK:
                hts.append(ht_run(p, "real")[1])
        db = os.path.join(WORK, "real.db")
        ingest(last, db)
        events = q(db, "SELECT sum(events) FROM processes")
        own = q(db, "SELECT max(tracer_rss) FROM snapshots WHERE process_id ="
                    " (SELECT process_id FROM snapshots ORDER BY rss DESC LIMIT 1)") or 0
        s, h = median(sizes), median(hts) if hts else 0
        share = (median(mrss) - median(prss)) / median(prss) if median(prss) else float("nan")
        own_share = own / (median(prss) * 1024) if median(prss) else float("nan")
        print("| %s | %d | %.1f KB | %s | %s | %.3f | %.3f s | %.3f s (%s) | %.1f%% (%d of %d MiB) | %.1f%% (%.1f MiB)%s | %.1f |"
              % (p.name, events, s / 1e3, "%.1f KB" % (h / 1e3) if h else "-",
                 "%.2fx%s" % (s / h, "" if s <= 2 * h else " **missed**") if h else "-",
                 s / events, median(plain), median(mlt), ratio(median(mlt), median(plain)),
                 100 * share, (median(mrss) - median(prss)) // 1024, median(prss) // 1024,
                 100 * own_share, own / 1048576, "" if own_share < 0.10 else " **missed**", median(ld)))
        out[p.name] = (s, h, events)
    return out


# ---------------------------------------------------------------- 3. end to end

def end_to_end(progs):
    print("\n### 3. End to end: run + ingest + report against heaptrack record + heaptrack_print\n")
    print("| program | plain | memledger run | ingest | report | memledger total | vs plain (target) | "
          "heaptrack record | heaptrack_print | heaptrack total | vs plain | load |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for p, target in progs:
        plain, r, ing, rep, htr, htp, ld = [], [], [], [], [], [], []
        for i in range(RUNS):
            ld.append(load())
            plain.append(run(p.argv, stdin=opener(p.stdin))[0])
            t, _, _, d = ml_run(p, "e2e")
            r.append(t)
            db = os.path.join(WORK, "e2e.db")
            ing.append(ingest(d, db)[0])
            html = os.path.join(WORK, "e2e.html")
            rep.append(run([ML, "report", "-o", html, db])[0])
            if HEAPTRACK:
                t, _, main = ht_run(p, "e2e")
                htr.append(t)
                htp.append(run([HT_PRINT, main])[0] if (main and HT_PRINT) else float("nan"))
        pm = median(plain)
        tot = median([a + b + c for a, b, c in zip(r, ing, rep)])
        htot = median([a + b for a, b in zip(htr, htp)]) if htr else float("nan")
        print("| %s | %.3f s | %.2f s | %.2f s | %.2f s | %.2f s | %s (%s) | %s | %s | %s | %s | %.1f |"
              % (p.name, pm, median(r), median(ing), median(rep), tot, ratio(tot, pm), target,
                 "%.2f s" % median(htr) if htr else "-", "%.2f s" % median(htp) if htp else "-",
                 "%.2f s" % htot if htr else "-", ratio(htot, pm) if htr else "-", median(ld)))


# ---------------------------------------------------------------- 4. ingest

def has_allocations_option():
    r = subprocess.run([ML, "ingest", "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return "--allocations" in r.stdout


def ingest_modes(p):
    print("\n### 4. Ingest: events per second and peak memory\n")
    t, _, _, d = ml_run(p, "ing")
    modes = [("default", [])]
    if has_allocations_option():
        modes.append(("--allocations all", ["--allocations", "all"]))
    print("On the trace of `%s` (median of %d)." % (p.name, RUNS))
    print()
    print("| mode | events | wall | events/s | peak memory | load |")
    print("| --- | --- | --- | --- | --- | --- |")
    db = os.path.join(WORK, "ing.db")
    for name, extra in modes:
        ts, rs, ld = [], [], []
        for i in range(RUNS):
            ld.append(load())
            t, rss = ingest(d, db, extra)
            ts.append(t)
            rs.append(rss)
        ev = q(db, "SELECT sum(events) FROM processes")
        print("| %s | %d | %.2f s | %.2fM | %d MiB | %.1f |"
              % (name, ev, median(ts), ev / median(ts) / 1e6, median(rs) // 1024, median(ld)))
    if len(modes) == 1:
        print("| --allocations all | - | - | n/a (not implemented) | - | - |")


# ---------------------------------------------------------------- extras

def extras():
    print("\n### Scaling (1 thread)\n")
    print("| events | run | ns/event | bytes/event | ingest | ingest ns/event |")
    print("| --- | --- | --- | --- | --- | --- |")
    for pairs in (PAIRS // 10, 4 * PAIRS // 10, 16 * PAIRS // 10):
        p = Prog("scale", [WL, str(pairs), "1"])
        t, _, size, d = ml_run(p, "scale")
        db = os.path.join(WORK, "scale.db")
        ti = ingest(d, db)[0]
        ev = q(db, "SELECT sum(events) FROM processes")
        print("| %dM | %.2f s | %.0f | %.2f | %.2f s | %.0f |"
              % (round(ev / 1e6), t, t / ev * 1e9, size / ev, ti, ti / ev * 1e9))

    print("\n### Sampling mode (--sample-bytes), 1 thread\n")
    print("| sample bytes | wall | vs plain | trace |")
    print("| --- | --- | --- | --- |")
    p = median([run([WL, str(PAIRS), "1"])[0] for _ in range(RUNS)])
    for sb in (0, 65536, 1048576):
        trace = os.path.join(WORK, "sb.mlt")
        ts = []
        for _ in range(RUNS):
            clean(trace)
            ts.append(run([ML, "run", "--sample-bytes", str(sb), "-o", trace, "--", WL, str(PAIRS), "1"])[0])
        print("| %s | %.3f s | %s | %.1f MB |" % (sb or "every allocation", median(ts), ratio(median(ts), p),
                                                 os.path.getsize(trace) / 1e6))


def exit_scan():
    print("\n### 5. Exit scan\n")
    p = Prog("scan", [SCAN, "1000000"])
    _, _, _, d = ml_run(p, "scan")
    db = os.path.join(WORK, "scan.db")
    ingest(d, db)
    ns = q(db, "SELECT scan_ns FROM processes")
    blocks = q(db, "SELECT scan_blocks FROM processes")
    print("Reachability scan at exit: %d live blocks classified in %.3f s (load %.1f)." % (blocks, ns / 1e9, load()))


# ---------------------------------------------------------------- main

def real_progs():
    progs = []
    if shutil.which("sqlite3"):
        sql = os.path.join(WORK, "work.sql")
        with open(sql, "w") as f:
            f.write("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL);\n"
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 200000)\n"
                    "INSERT INTO t SELECT i, printf('row-%d-%x', i, i*7919), i*1.5 FROM n;\n"
                    "CREATE INDEX tb ON t(b);\n"
                    "SELECT count(*), sum(c) FROM t WHERE b LIKE 'row-1%';\n"
                    "UPDATE t SET b = b || '!' WHERE a % 3 = 0;\nDELETE FROM t WHERE a % 5 = 0;\n")
        progs.append(Prog("sqlite3, 200k rows", ["sqlite3", ":memory:"], stdin=sql))
    if shutil.which("xmllint"):
        xml = os.path.join(WORK, "big.xml")
        with open(xml, "w") as f:
            f.write('<?xml version="1.0"?>\n<catalog>\n')
            for i in range(120000):
                f.write('<book id="b%d" lang="%s"><title>Title %d %x</title><author>Author %d</author>'
                        '<price cur="EUR">%d.%02d</price><tags>t%d t%d t%d</tags></book>\n'
                        % (i, ("en", "de", "fr")[i % 3], i, i * 7919, i % 997, i % 100, i % 97,
                           i % 51, (i * 7) % 51, (i * 13) % 51))
            f.write("</catalog>\n")
        progs.append(Prog("xmllint, 18 MB document", ["xmllint", "--noout", xml]))
    if shutil.which("gcc"):
        obj = os.path.join(WORK, "model.o")
        wrap = os.path.join(WORK, "ht-wrap.sh")
        with open(wrap, "w") as f:
            # heaptrack does not follow children: trace cc1 into its own
            # file beside the driver's. Under heaptrack 1.4 here cc1 ends
            # with std::bad_alloc, so gcc exits 1 and never runs `as`:
            # heaptrack's count lacks `as`, ours keeps it (about 25 KB).
            f.write('#!/bin/sh\ncase "$1" in */cc1) exec heaptrack -o "$HT_SUB/sub.$$" "$@" >/dev/null 2>&1;; esac\n'
                    'exec "$@"\n')
        os.chmod(wrap, 0o755)
        argv = ["gcc", "-O2", "-c", "-std=c11", "-D_GNU_SOURCE", "-I" + SRC, "-I" + os.path.join(SRC, "include"),
                "-I/usr/include/libxml2", os.path.join(SRC, "report", "model.c"), "-o", obj]

        def gcc_ht(d, argv=argv, wrap=wrap):
            os.environ["HT_SUB"] = d
            return argv + ["-wrapper", wrap]
        progs.append(Prog("gcc -O2 -c report/model.c", argv, ht_argv=gcc_ht, ht_ok=(0, 1)))
    return progs


def main():
    for prog in (ML, WL, DL, SCAN):
        if not os.access(prog, os.X_OK):
            raise SystemExit("bench: %s is not built (make bench)" % prog)
    ht_version = "not installed"
    if HEAPTRACK:
        r = subprocess.run([HEAPTRACK, "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        ht_version = r.stdout.strip().split()[-1] if r.stdout.strip() else "?"
    print("## memledger benchmark")
    print()
    print("%s, %d cores, load average %.1f at the start; %d malloc/free pairs (%dM events) per workload, "
          "median of %d runs; heaptrack %s."
          % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), os.cpu_count(), load(), PAIRS,
             2 * PAIRS // 1000000, RUNS, ht_version))
    ev = 2 * PAIRS
    wl1 = Prog("workload, 1", [WL, str(PAIRS), "1"], events=ev)
    capture([wl1, Prog("workload, 4", [WL, str(PAIRS), "4"], events=ev),
             Prog("deepload, 1", [DL, str(PAIRS), "1"], events=ev),
             Prog("deepload, 4", [DL, str(PAIRS), "4"], events=ev)])
    reals = real_progs()
    real_programs(reals)
    e2e = [(Prog("workload, 1 thread", wl1.argv), "3x")]
    e2e += [(p, "2x") for p in reals if p.name.startswith("sqlite3")]
    end_to_end(e2e)
    ingest_modes(Prog("workload %d 1" % PAIRS, wl1.argv))
    exit_scan()
    report_ok = report_at_scale()
    if EXTRA:
        extras()
    print("\nLoad average at the end: %.1f." % load())
    shutil.rmtree(WORK, ignore_errors=True)
    if not report_ok:
        raise SystemExit("bench: the report at scale is over its 1.5 s budget")


REPORT_BUDGET_S = 1.5


def report_at_scale():
    """The report of a huge trace's database (tests/fixtures/scale_fixture.sql:
    100,000 sites and stacks, 200,000 samples), best of three, against its
    1.5 s budget (DESIGN.md, "report at most 1.5 s on a 10M-event trace").
    Here rather than in tests/e2e/t0405, which checks the same page's
    content: a wall-clock limit fails on a busy machine. False when over."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    db = os.path.join(WORK, "scale.db")
    html = os.path.join(WORK, "scale.html")
    con = sqlite3.connect(db)
    for f in ("ingest/schema.sql", "tests/fixtures/scale_fixture.sql"):
        with open(os.path.join(root, f)) as fh:
            con.executescript(fh.read())
    con.commit()
    con.close()
    best = min(run([ML, "report", "-o", html, db])[0] for _ in range(3))
    ok = best <= REPORT_BUDGET_S
    print("\n### Report at scale\n")
    print("100,000 sites and stacks, 200,000 samples: report in %.3f s (best of 3, load %.1f), %.1f MB;"
          " budget %.1f s: %s." % (best, load(), os.path.getsize(html) / 1e6, REPORT_BUDGET_S,
                                  "ok" if ok else "OVER BUDGET"))
    return ok


if __name__ == "__main__":
    main()
