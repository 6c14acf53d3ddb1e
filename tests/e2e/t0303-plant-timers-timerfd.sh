#!/bin/sh
# tests/programs/plant_timers_stopped.c: the producer's timerfd is never
# closed. Only timers_stopped fails, with one piece of evidence: the
# timerfd opened in svc_open. The POSIX timer was deleted: no evidence.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"

planted p "$PROGS/plant_timers_stopped" timers_stopped

expect p "SELECT group_concat(kind, ' ') FROM resources WHERE close_ns IS NULL AND origin != 'inherited'" \
	timerfd "resources open at exit"
expect_one_evidence p timers_stopped 'timerfd fd %timerfd_create%svc_open%' "evidence names the timerfd and svc_open"
expect p "SELECT e.value = r.handle AND e.stack_id = r.stack_id FROM checklist_evidence e, resources r
	WHERE e.item = 'timers_stopped' AND r.kind = 'timerfd'" 1 "evidence carries the fd and its stack"
exit 0
