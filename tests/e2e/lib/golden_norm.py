"""Normalise `memledger stats` and `memledger check` text for the golden
tests (tests/e2e/lib/golden.sh): stdin to stdout.

    golden_norm.py ROOT [WORK]

What differs between two runs of the same program, or between two
machines of the same kind, is masked, and nothing else:
  - the repository's path (ROOT) becomes <ROOT>, the test's temporary
    folder (WORK) <WORK>;
  - process ids and thread ids become <PID> and <TID>;
  - times: "at 1.23 s ===" headings, "after 0.004 s" in a process line;
  - the stats figures that measure the machine, not the program: Sys,
    HeapInuse, HeapIdle, StackInuse, RSS, GCCPUFraction and AllocRate
    (value and delta become "~"; the words after them stay). Alloc,
    TotalAlloc, HeapObjects, Mallocs, Frees, Live, NumGC and Threads are
    exact counts and stay;
  - in a call stack, consecutive frames in the C runtime (a location
    that is not under tests/: libc's sources or module) become one line
    "at <runtime>", since they depend on libc's build and debug info;
  - in the stats "Symbols" list, the C runtime's modules are left out
    and where a module's symbols came from is masked.
"""
import re
import sys

ROOT = sys.argv[1].rstrip("/")
WORK = sys.argv[2].rstrip("/") if len(sys.argv) > 2 else None
MEASURED = ("Sys", "HeapInuse", "HeapIdle", "StackInuse", "RSS", "GCCPUFraction")
FRAME = re.compile(r"^(\s+)at (.*) \(([^()]*(?:\([^()]*\))?[^()]*)\)( \[inlined\])?$")


def runtime_frame(line):
    m = FRAME.match(line)
    if not m:
        return None
    loc = m.group(3)
    return m.group(1) if not loc.startswith(("tests/", "<ROOT>/tests/")) and ("/" in loc or ".so" in loc) else None


def metric(line):
    m = re.match(r"^(\w+)(\s+)= (.*)$", line)
    if not m or m.group(1) not in MEASURED + ("AllocRate",):
        return line
    name, pad, rest = m.groups()
    if name == "AllocRate":
        return "%s%s= ~ since%s" % (name, pad, rest.split(" since", 1)[1] if " since" in rest else "")
    # VALUE [ (DELTA)] [   words]
    m2 = re.match(r"^(\S+(?: \S+)?)( +\([^)]*\))?(\s{2,}.*)?$", rest)
    if not m2:
        return "%s%s= ~" % (name, pad)
    return "%s%s= ~%s%s" % (name, pad, "  (~)" if m2.group(2) else "", m2.group(3) or "")


def main():
    out = []
    in_symbols = False
    for raw in sys.stdin.read().split("\n"):
        line = raw.replace(WORK, "<WORK>") if WORK else raw
        line = line.replace(ROOT, "<ROOT>")
        line = re.sub(r"\bpid \d+", "pid <PID>", line)
        line = re.sub(r"\bthread \d+", "thread <TID>", line)
        line = re.sub(r" at \d+(\.\d+)? (s|ms) ===$", " at <T> ===", line)
        line = re.sub(r"after \d+(\.\d+)? (s|ms)\)", "after <T>)", line)
        if line.startswith("Symbols, per module"):
            in_symbols = True
            out.append(line)
            continue
        if in_symbols:
            if not line.strip():
                in_symbols = False
            elif re.match(r"^\s+(lib\S*\.so|ld-linux)", line):
                continue
            else:
                line = re.sub(r"\s+from .*$", " from <masked>", line)
                out.append(line)
                continue
        line = metric(line)
        indent = runtime_frame(line)
        if indent is not None:
            rt = indent + "at <runtime>"
            if out and out[-1] == rt:
                continue
            line = rt
        out.append(line)
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
