#!/bin/sh
# `ingest app*.mlt` names the database after the run's root trace
# (issue 10). A run of forkexec writes app.mlt (the root), app.PID.mlt
# (the forked child) and app.PID.1.mlt (the image it exec'd); the shell's
# glob lists the child first. The default database is app.db, holding all
# three; on the old code it was app.PID.db, named after the child.
. "$(dirname "$0")/lib/common.sh"
case $ML in /*) ;; *) ML=$ROOT/$ML ;; esac

trace app "$PROGS/forkexec"
[ "$RC" -eq 0 ] || fail "forkexec exited $RC"
cd "$WORK" || fail "cd"
set -- app*.mlt
[ $# -eq 3 ] || fail "want 3 traces, got: $*"
[ "$1" != app.mlt ] || fail "the glob lists the root first; the test needs a child first: $*"
"$ML" ingest -q app*.mlt >ingest.out 2>&1 || fail "ingest: $(cat ingest.out)"
ls app*.db >dbs 2>/dev/null
[ "$(cat dbs)" = app.db ] || fail "databases written: $(cat dbs | tr '\n' ' ')"
[ "$(q app.db "SELECT count(*) FROM processes")" = 3 ] || fail "processes in app.db"
[ "$(q app.db "SELECT count(*) FROM processes WHERE trace_file LIKE '%/app.mlt' AND parent_process_id IS NULL")" = 1 ] ||
	fail "app.mlt is not the root process"
exit 0
