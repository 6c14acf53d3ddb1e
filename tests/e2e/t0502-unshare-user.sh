#!/bin/sh
# Issue 9, the writer thread: calls that need a single-threaded process
# work under the tracer. `unshare --user true`, and a program calling
# unshare(CLONE_NEWUSER) and setns(CLONE_NEWUSER), behave as without it
# (the tracer's writer steps aside around the call), and recording goes on
# afterwards. So does setns() into a mount namespace, which needs a
# filesystem context that no other thread shares, right at start. Skipped
# only where the kernel refuses user namespaces even without the tracer.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/transparent.sh"
unshare --user true 2>/dev/null || skip "user namespaces are not allowed here"

same util -- unshare --user true
[ "$RC" -eq 0 ] || fail "unshare --user true: status $RC: $(head -1 "$WORK/util.err")"

modes="unshare setns"
"$PROGS/lc_unshare" mntns >/dev/null 2>&1 && modes="$modes mntns"
for m in $modes; do
	same "$m" -- "$PROGS/lc_unshare" "$m"
	[ "$RC" -eq 0 ] || fail "$m: status $RC: $(cat "$WORK/$m.out")"
	ingest_all "$m"
	# the 10 blocks made after the call are recorded, in the right process
	expect "$m" "SELECT sum(s.allocs) FROM sites s JOIN processes p ON p.id = s.process_id
		WHERE s.bytes = s.allocs * 4242 AND p.exe LIKE '%lc_unshare' AND p.end_reason = 'exit'" 10
done
exit 0
