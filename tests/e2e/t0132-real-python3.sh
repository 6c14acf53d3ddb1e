#!/bin/sh
# A real program nobody here wrote, with its own allocator on top of
# malloc, threads and dlopen'd extension modules: python3. Output is
# identical with the tracer and the counts agree with valgrind.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/valgrind.sh"
[ -x /usr/bin/python3 ] || skip "/usr/bin/python3 is not installed"
cat >"$WORK/w.py" <<'PYEOF'
import json, threading, zlib
d = {str(i): [i] * (i % 50) for i in range(5000)}
s = json.dumps(d)
def work(n):
    global s
    zlib.compress(s.encode() * n)
ts = [threading.Thread(target=work, args=(k,)) for k in range(1, 4)]
[t.start() for t in ts]
[t.join() for t in ts]
print(len(s), sum(len(v) for v in json.loads(s).values()))
PYEOF
vg_compare py /usr/bin/python3 -S "$WORK/w.py"
exit 0
