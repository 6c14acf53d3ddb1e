#!/bin/sh
# tests/programs/plant_timers_posix.c: the POSIX timer is never deleted.
# Only timers_stopped fails, with one piece of evidence: the posix_timer
# created in svc_open. The timerfd was closed: no evidence.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"

planted p "$PROGS/plant_timers_posix" timers_stopped

expect p "SELECT group_concat(kind, ' ') FROM resources WHERE close_ns IS NULL AND origin != 'inherited'" \
	posix_timer "resources open at exit"
expect_one_evidence p timers_stopped 'POSIX timer %timer_create%svc_open%' "evidence names the POSIX timer and svc_open"
exit 0
