#!/bin/sh
# The partition demo before and after a change that leaves instance 0's
# threads running and its eventfd and pipe open (--leak-threads
# --leak-fds). The demo's work depends on timing, so diff runs with
# --tolerance; what must show:
#  - diff: threads_stopped and channels_closed went pass -> fail; the
#    running threads (3), the pipe ends (2) and the eventfd (1) left open
#    at exit, each by the place that created it (instance_create);
#  - check --baseline fails on those two items, with their stacks;
#  - the other way round (the leak fixed) diff still differs, and
#    check --baseline passes: getting better is not a regression.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/compare.sh"

DEMO=$ROOT/build/examples/partition_demo
[ -x "$DEMO" ] || fail "$DEMO is not built (make test-programs)"
traced_db clean "$DEMO" --seconds 0.3
traced_db leaky "$DEMO" --seconds 0.3 --leak-threads --leak-fds

"$ML" diff --json --tolerance 50% "$WORK/clean.db" "$WORK/leaky.db" >"$WORK/d.json" 2>"$WORK/d.err"
[ $? -eq 1 ] || fail "diff exited $?, want 1: $(head -1 "$WORK/d.err")"
expect_json "$WORK/d.json" "sorted((i['item'], i['base'], i['new']) for i in d['processes'][0]['items'])" \
	"[('channels_closed', 'pass', 'fail'), ('threads_stopped', 'pass', 'fail')]" "items that changed"
v=$(json_get "$WORK/d.json" "sorted((o['what'], o['base'], o['new'], o['where'].split(' ')[0], o['stack'][0]['function']) for o in d['processes'][0]['open_at_exit'])")
[ "$v" = "[('eventfd', 0, 1, 'instance_create', 'instance_create'), ('pipe', 0, 2, 'instance_create', 'instance_create'), ('running thread', 0, 3, 'instance_create', 'instance_create')]" ] ||
	fail "open at exit: $v"

"$ML" check --baseline "$WORK/clean.db" "$WORK/leaky.db" >"$WORK/g.txt" 2>"$WORK/g.err"
[ $? -eq 1 ] || fail "check --baseline exited $?, want 1: $(head -1 "$WORK/g.err")"
for item in threads_stopped channels_closed; do
	grep -q "^  REGRESSION $item: pass in BASE, fails now: " "$WORK/g.txt" || fail "$item is not a regression: $(grep "$item" "$WORK/g.txt")"
done
sed -n '/^  REGRESSION threads_stopped/,/^  [a-zR]/p' "$WORK/g.txt" | grep -q '^          at instance_create (' ||
	fail "the threads_stopped regression has no stack"

# the fix: different, but not worse
"$ML" diff --tolerance 50% "$WORK/leaky.db" "$WORK/clean.db" >"$WORK/fix.txt" 2>&1
[ $? -eq 1 ] || fail "diff of the fix exited $?, want 1"
grep -Eq '^  threads_stopped +fail -> pass' "$WORK/fix.txt" || fail "the fix: $(grep threads_stopped "$WORK/fix.txt")"
"$ML" check --baseline "$WORK/leaky.db" "$WORK/clean.db" >"$WORK/fixg.txt" 2>&1
[ $? -eq 0 ] || fail "check --baseline of the fix exited $?, want 0: $(grep REGRESSION "$WORK/fixg.txt")"
exit 0
