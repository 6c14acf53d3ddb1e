#!/bin/sh
# Acceptance 3 (issue 2): sqlite3 running a SQL workload. Mallocs, Frees
# and TotalAlloc at exit within 0.5% of valgrind's count; output identical.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/valgrind.sh"
. "$(dirname "$0")/lib/sqlite.sh"
sqlite_workload "$WORK/work.sql" 20000
vg_compare sqlite sqlite3 -init /dev/null :memory: -cmd ".read $WORK/work.sql" ".quit"
exit 0
