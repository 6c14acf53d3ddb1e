#!/bin/sh
# Transparency suite (issue 9): sqlite3 builds a table of 5000 rows, an
# index, runs aggregate queries, and (in a second run) stops at an SQL
# error with -bail: the same output, error message and status (1) with and
# without the tracer, and the traces load.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/transparent.sh"
command -v sqlite3 >/dev/null || skip "no sqlite3"
cat >"$WORK/w.sql" <<'EOF2'
CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v REAL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
INSERT INTO t SELECT i, printf('name-%05d', i), i * 0.5 FROM n;
CREATE INDEX t_name ON t(name);
SELECT count(*), sum(v), min(name), max(name) FROM t;
SELECT name FROM t WHERE name LIKE 'name-0421%' ORDER BY id;
SELECT length(group_concat(name)) FROM t;
EOF2
same sql -- sqlite3 :memory: ".read $WORK/w.sql"
[ "$RC" -eq 0 ] || fail "sqlite3: status $RC: $(head -2 "$WORK/sql.err")"
grep -q "^5000|6251250.0|name-00001|name-05000$" "$WORK/sql.out" || fail "sqlite3: $(head -1 "$WORK/sql.out")"
all_load sql

same sqlerr -- sqlite3 -bail :memory: "CREATE TABLE x(a);" "SELECT nope FROM x;" "SELECT 1;"
[ "$RC" -eq 1 ] || fail "sqlite3 error: status $RC, want 1"
grep -q "no such column: nope" "$WORK/sqlerr.err" || fail "sqlite3 error: $(cat "$WORK/sqlerr.err")"
all_load sqlerr
exit 0
