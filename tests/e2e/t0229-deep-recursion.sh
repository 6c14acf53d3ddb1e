#!/bin/sh
# Allocations at the bottom of a 200-deep recursion: the stack is cut at
# --depth frames (32, the default 64) and kept whole with --depth 256
# (201 frames of recurse, then main and the C runtime). Same output as
# without the tracer each time.
. "$(dirname "$0")/lib/common.sh"
# reads the rows of freed blocks: every allocation gets one
ALLOCS="--allocations all"
. "$(dirname "$0")/lib/transparent.sh"
FRAMES="SELECT count(*)||' '||sum(f.function='recurse') FROM stacks s JOIN frames f ON f.id=s.frame_id
	WHERE s.stack_id=(SELECT DISTINCT stack_id FROM allocations WHERE size=4242)"
for d in 32 default 256; do
	if [ $d = default ]; then same d$d -- "$PROGS/rob_deep"; else same d$d --depth $d -- "$PROGS/rob_deep"; fi
	[ "$RC" -eq 0 ] || fail "--depth $d: status $RC"
	ingest_all d$d
	expect "--depth $d" "SELECT count(*)||' '||count(DISTINCT stack_id) FROM allocations WHERE size=4242" "5 1"
	case $d in
	32) expect "--depth 32" "$FRAMES" "32 32" ;;
	default) expect "--depth 64 (default)" "$FRAMES" "64 64" ;;
	256)
		got=$(q "$DB" "$FRAMES")
		case "$got" in
		*" 201") ;;
		*) fail "--depth 256: frames '$got', want 201 of recurse" ;;
		esac
		[ "${got% *}" -gt 201 ] && [ "${got% *}" -le 256 ] || fail "--depth 256: $got frames"
		expect "--depth 256" "SELECT f.function FROM stacks s JOIN frames f ON f.id=s.frame_id
			WHERE s.stack_id=(SELECT DISTINCT stack_id FROM allocations WHERE size=4242) AND s.depth=201" "main"
		;;
	esac
done
exit 0
