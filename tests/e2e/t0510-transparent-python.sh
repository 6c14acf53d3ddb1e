#!/bin/sh
# Transparency suite (issue 9): Python runs the same with and without the
# tracer: stdout, stderr and exit status byte for byte, and every trace of
# the run loads. The script uses threads, a child process, exceptions, a
# traceback on stderr, the signal dispositions and the descriptors it
# sees, and exits 3.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/transparent.sh"
[ -x "$PY" ] || skip "no python3"
cat >"$WORK/t.py" <<'EOF2'
import os, signal, subprocess, sys, threading, traceback
print("fds:", sorted(os.listdir("/proc/self/fd")))
print("signals:", [(s.name, str(signal.getsignal(s))) for s in sorted(signal.Signals, key=int)
                   if s not in (signal.SIGKILL, signal.SIGSTOP)])
print("blocked:", sorted(signal.pthread_sigmask(signal.SIG_BLOCK, [])))
out = []
def work(n):
    out.append(sum(len(str(i)) for i in range(n * 10000)))
ts = [threading.Thread(target=work, args=(i,)) for i in range(1, 5)]
for t in ts: t.start()
for t in ts: t.join()
print("threads:", sorted(out))
print("child:", subprocess.run(["echo", "from a child"], capture_output=True, text=True).stdout.strip())
d = {i: [i] * (i % 7) for i in range(20000)}
print("dict:", len(d), sum(len(v) for v in d.values()))
try:
    {}["missing"]
except KeyError:
    traceback.print_exc()
sys.stderr.write("bye\n")
sys.exit(3)
EOF2
same py -- "$PY" "$WORK/t.py"
[ "$RC" -eq 3 ] || fail "status $RC, want 3: $(tail -2 "$WORK/py.err")"
grep -q "^child: from a child$" "$WORK/py.out" || fail "the child's output is missing"
all_load py
exit 0
