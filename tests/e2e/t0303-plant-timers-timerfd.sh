#!/bin/sh
# tests/programs/plant_timers_stopped.c: the producer's timerfd is never
# closed. Only timers_stopped fails, with one piece of evidence: the
# timerfd opened in svc_open. The POSIX timer was deleted: no evidence.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"

traced p "$PROGS/plant_timers_stopped"
expect_items p timers_stopped
expect_check p

expect p "SELECT group_concat(kind, ' ') FROM resources WHERE close_ns IS NULL AND origin != 'inherited'" \
	timerfd "resources open at exit"
expect p "SELECT count(*) FROM checklist_evidence WHERE item = 'timers_stopped'" 1 "timers_stopped evidence rows"
expect p "SELECT text LIKE 'timerfd fd %timerfd_create%svc_open%' FROM checklist_evidence WHERE item = 'timers_stopped'" 1 \
	"evidence names the timerfd and svc_open: $(q "$WORK/p.db" "SELECT text FROM checklist_evidence WHERE item = 'timers_stopped'")"
expect p "SELECT e.value = r.handle AND e.stack_id = r.stack_id FROM checklist_evidence e, resources r
	WHERE e.item = 'timers_stopped' AND r.kind = 'timerfd'" 1 "evidence carries the fd and its stack"
exit 0
