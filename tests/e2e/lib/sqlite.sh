# The SQL workload the real-program tests run in sqlite3 (a program nobody
# here wrote). Sourced after common.sh; skips the test when sqlite3 is not
# installed. Defines:
#   sqlite_workload FILE ROWS   write to FILE a script that builds a table
#                               of ROWS rows and an index, runs aggregate
#                               queries, an update and a delete
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"

sqlite_workload() {
	cat >"$1" <<SQL
CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < $2)
INSERT INTO t SELECT i, printf('row-%d-%x', i, i*7919), i*1.5 FROM n;
CREATE INDEX tb ON t(b);
SELECT count(*), sum(c), max(length(b)) FROM t WHERE b LIKE 'row-1%';
UPDATE t SET b = b || '!' WHERE a % 3 = 0;
DELETE FROM t WHERE a % 5 = 0;
SELECT b FROM t ORDER BY c DESC LIMIT 3;
SELECT group_concat(a) FROM (SELECT a FROM t ORDER BY b LIMIT 10);
SQL
}
