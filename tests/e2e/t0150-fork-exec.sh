#!/bin/sh
# Acceptance 5 (issue 2): fork and exec. Parent and child are separate
# processes with the right ppid; the exec'd image is a third process unless
# --no-follow. The child counts the blocks it inherited as its own.
. "$(dirname "$0")/lib/common.sh"
# reads the rows of freed blocks: every allocation gets one
ALLOCS="--allocations all"
trace fe "$PROGS/forkexec"
[ "$RC" -eq 0 ] || fail "forkexec exited $RC"
grep -q '^memledger: wrote 3 traces: ' "$WORK/fe.err" || fail "want 3 traces written: $(cat "$WORK/fe.err")"
load fe
DB=$WORK/fe.db
[ "$(q "$DB" "SELECT count(*) FROM processes")" = 3 ] || fail "want 3 processes"
parent=$(q "$DB" "SELECT id FROM processes WHERE exe LIKE '%forkexec' AND end_reason = 'exit'")
child=$(q "$DB" "SELECT id FROM processes WHERE exe LIKE '%forkexec' AND end_reason = 'exec'")
[ -n "$parent" ] && [ -n "$child" ] || fail "parent ($parent) or exec'ing child ($child) missing"
ok=$(q "$DB" "SELECT c.ppid = p.pid AND c.parent_process_id = p.id FROM processes c, processes p WHERE c.id=$child AND p.id=$parent")
[ "$ok" = 1 ] || fail "child's ppid does not name the parent"
ok=$(q "$DB" "SELECT e.pid = c.pid AND e.exe = '/usr/bin/true' FROM processes e, processes c WHERE c.id=$child AND e.id NOT IN ($parent,$child)")
[ "$ok" = 1 ] || fail "the exec'd image is not /usr/bin/true in the child's pid"
got=$(q "$DB" "SELECT count(*)||' '||sum(size) FROM allocations WHERE process_id=$child AND kind='inherited'")
[ "$got" = "3 1200" ] || fail "inherited blocks '$got', want '3 1200'"
got=$(q "$DB" "SELECT count(*) FROM allocations WHERE process_id=$child AND kind != 'inherited'")
[ "$got" = 4 ] || fail "child's own allocations $got, want 4"
got=$(q "$DB" "SELECT mallocs||' '||frees||' '||total_alloc FROM snapshots WHERE process_id=$parent AND kind='exit'")
[ "$got" = "11 11 7515" ] || fail "parent's counters '$got', want '11 11 7515'"

"$ML" run --no-follow -o "$WORK/nf.mlt" -- "$PROGS/forkexec" >/dev/null 2>"$WORK/nf.err" || fail "--no-follow run failed"
grep -q '^memledger: wrote 2 traces: ' "$WORK/nf.err" || fail "--no-follow: want 2 traces: $(cat "$WORK/nf.err")"
exit 0
