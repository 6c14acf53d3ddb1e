#!/bin/sh
# StackInuse counts the stacks of threads that ended without being joined
# (tests/programs/stack_unjoined.c): they are still allocated. Between the
# program's snapshots BEFORE and AFTER, 8 such threads ended; StackInuse
# must grow by what the program itself counts resident in their stacks
# (mincore), within 16 KiB for the main thread's own stack. It used to
# leave them out (no growth).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/transparent.sh"
"$ML" run -o "$WORK/u.mlt" -- "$PROGS/stack_unjoined" "$WORK/resident" >"$WORK/u.out" 2>"$WORK/u.err" ||
	fail "stack_unjoined under the tracer: $(head -1 "$WORK/u.err")"
ingest_all u
set -- $(cat "$WORK/resident")
want=$2
[ "$want" -ge $((8 * 4096)) ] || fail "the program counted only $want resident bytes in its threads' stacks"
grow=$(q "$DB" "SELECT a.stack_inuse - b.stack_inuse FROM snapshots a, snapshots b WHERE a.label = 'AFTER' AND b.label = 'BEFORE'")
echo "StackInuse grew by $grow bytes; the ended threads' stacks hold $want"
d=$((grow - want))
[ ${d#-} -le 16384 ] || fail "StackInuse grew by $grow bytes, the unjoined threads' stacks hold $want"
expect u "SELECT count(*) FROM threads WHERE state_at_exit = 'exited-unjoined'" 8
exit 0
