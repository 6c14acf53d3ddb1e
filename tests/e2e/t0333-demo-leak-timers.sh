#!/bin/sh
# partition_demo --leak-timers: instance 0's workers never close their
# timerfds. Only timers_stopped fails, with 3 timerfds opened in
# ticker_open as evidence.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"
. "$(dirname "$0")/lib/demo.sh"

demo d --leak-timers
expect_items d timers_stopped
expect_check d
expect d "SELECT group_concat(kind || ':' || n, ' ') FROM (SELECT kind, count(*) n FROM resources
	WHERE close_ns IS NULL AND origin != 'inherited' GROUP BY 1)" "timerfd:3" "resources open at exit"
expect d "SELECT count(*) FROM checklist_evidence WHERE item = 'timers_stopped'
	AND text LIKE 'timerfd fd % opened by timerfd_create at ticker_open (%'" 3 "timers_stopped evidence naming ticker_open"
expect d "SELECT count(*) FROM checklist_evidence WHERE item = 'timers_stopped'" 3 "timers_stopped evidence rows"
exit 0
