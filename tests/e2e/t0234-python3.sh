#!/bin/sh
# A real interpreter: `/usr/bin/python3 -c` (Debian's, not a pyenv shim)
# prints exactly what it prints without the tracer and exits the same
# way; its trace ingests cleanly, ends with 'exit' 0, and the exit
# snapshot's counters agree with the events (Mallocs = rows, Frees =
# freed rows, Live = Mallocs - Frees).
. "$(dirname "$0")/lib/common.sh"
# reads the rows of freed blocks: every allocation gets one
ALLOCS="--allocations all"
. "$(dirname "$0")/lib/transparent.sh"
[ -x /usr/bin/python3 ] || skip "/usr/bin/python3 is not installed"
PYCODE='import json, sys, zlib
d = {str(i): list(range(i % 13)) for i in range(3000)}
s = json.dumps(d, sort_keys=True)
print(len(s), sum(len(v) for v in json.loads(s).values()))
print(zlib.crc32(s.encode()), sorted(d)[:3])
print("to stderr", file=sys.stderr)
sys.exit(7)'
same py -- /usr/bin/python3 -c "$PYCODE"
[ "$RC" -eq 7 ] || fail "status $RC, want 7"
[ "$(wc -l <"$WORK/py.out")" -eq 2 ] || fail "stdout: $(cat "$WORK/py.out")"
ingest_all py
expect py "SELECT count(*)||' '||end_reason||' '||exit_code||' '||unknown_frees FROM processes" "1 exit 7 0"
rows=$(q "$DB" "SELECT count(*)||' '||count(free_ns) FROM allocations")
[ "${rows% *}" -gt 1000 ] || fail "only ${rows% *} allocations for python3"
expect py "SELECT mallocs||' '||frees||' '||(mallocs-frees=live) FROM snapshots WHERE label='exit'" "$rows 1"
exit 0
