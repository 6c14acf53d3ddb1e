#!/bin/sh
# Acceptance 3 (issue 2): sqlite3 running a SQL workload. Mallocs, Frees
# and TotalAlloc at exit within 0.5% of valgrind's count; output identical.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/valgrind.sh"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
cat >"$WORK/work.sql" <<'SQL'
CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 20000)
INSERT INTO t SELECT i, printf('row-%d-%x', i, i*7919), i*1.5 FROM n;
CREATE INDEX tb ON t(b);
SELECT count(*), sum(c), max(length(b)) FROM t WHERE b LIKE 'row-1%';
UPDATE t SET b = b || '!' WHERE a % 3 = 0;
DELETE FROM t WHERE a % 5 = 0;
SELECT b FROM t ORDER BY c DESC LIMIT 3;
SELECT group_concat(a) FROM (SELECT a FROM t ORDER BY b LIMIT 10);
SQL
vg_compare sqlite sqlite3 -init /dev/null :memory: -cmd ".read $WORK/work.sql" ".quit"
exit 0
