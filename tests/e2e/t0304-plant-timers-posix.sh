#!/bin/sh
# tests/programs/plant_timers_posix.c: the POSIX timer is never deleted.
# Only timers_stopped fails, with one piece of evidence: the posix_timer
# created in svc_open. The timerfd was closed: no evidence.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"

traced p "$PROGS/plant_timers_posix"
expect_items p timers_stopped
expect_check p

expect p "SELECT group_concat(kind, ' ') FROM resources WHERE close_ns IS NULL AND origin != 'inherited'" \
	posix_timer "resources open at exit"
expect p "SELECT count(*) FROM checklist_evidence WHERE item = 'timers_stopped'" 1 "timers_stopped evidence rows"
expect p "SELECT text LIKE 'POSIX timer %timer_create%svc_open%' FROM checklist_evidence WHERE item = 'timers_stopped'" 1 \
	"evidence names the POSIX timer and svc_open: $(q "$WORK/p.db" "SELECT text FROM checklist_evidence WHERE item = 'timers_stopped'")"
exit 0
