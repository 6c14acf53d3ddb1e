#!/bin/sh
# tests/programs/plant_channels_closed.c: the stop pipe and the socketpair
# are never closed. Only channels_closed fails; its evidence is the pipe
# and the socketpair opened in svc_open (one row per call, or one per fd:
# either way as many pipe rows as socket rows) and nothing else.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"

planted p "$PROGS/plant_channels_closed" channels_closed

val p "SELECT count(*) FROM checklist_evidence WHERE item = 'channels_closed'"
rows=$V
[ "$rows" -eq 2 ] || [ "$rows" -eq 4 ] || fail "p: channels_closed has $rows evidence rows, want 2 (per call) or 4 (per fd)"
half=$((rows / 2))
expect p "SELECT count(*) FROM checklist_evidence WHERE item = 'channels_closed'
	AND text LIKE 'pipe fd % opened by pipe2 at svc_open %'" $half "pipe evidence rows naming svc_open"
expect p "SELECT count(*) FROM checklist_evidence WHERE item = 'channels_closed'
	AND text LIKE 'socket fd % opened by socketpair at svc_open %'" $half "socket evidence rows naming svc_open"
expect p "SELECT group_concat(kind || ':' || n, ' ') FROM (SELECT kind, count(*) n FROM resources
	WHERE close_ns IS NULL AND origin != 'inherited' GROUP BY 1 ORDER BY 1)" "pipe:$half socket:$half" "resources open at exit"
exit 0
