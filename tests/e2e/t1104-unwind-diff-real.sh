#!/bin/sh
# Differential unwinder test (issue 15), real programs nobody here wrote:
# sqlite3 running a SQL workload and xmllint parsing, validating and
# re-serialising a document. Debian built them and their libraries
# without frame pointers. Every allocation's stack from the fast
# unwinder equals libunwind's.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/unwind.sh"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
command -v xmllint >/dev/null || skip "xmllint is not installed"
cat >"$WORK/work.sql" <<'SQL'
CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2000)
INSERT INTO t SELECT i, printf('row-%d-%x', i, i*7919), i*1.5 FROM n;
CREATE INDEX tb ON t(b);
SELECT count(*), sum(c), max(length(b)) FROM t WHERE b LIKE 'row-1%';
UPDATE t SET b = b || '!' WHERE a % 3 = 0;
DELETE FROM t WHERE a % 5 = 0;
SELECT b FROM t ORDER BY c DESC LIMIT 3;
SELECT group_concat(a) FROM (SELECT a FROM t ORDER BY b LIMIT 10);
SQL
unw_both sqlite sqlite3 -init /dev/null :memory: -cmd ".read $WORK/work.sql" ".quit"
unw_compare sqlite
unw_expect_frames sqlite 5000

{
	echo '<?xml version="1.0"?>'
	echo '<!DOCTYPE doc [ <!ELEMENT doc (item*)> <!ELEMENT item (#PCDATA)> <!ATTLIST item n CDATA #REQUIRED> ]>'
	echo '<doc>'
	i=0
	while [ $i -lt 500 ]; do
		echo "<item n=\"$i\">text &amp; more text number $i</item>"
		i=$((i + 1))
	done
	echo '</doc>'
} >"$WORK/doc.xml"
unw_both xml xmllint --valid --noout --format "$WORK/doc.xml"
unw_both xmlfmt xmllint --format "$WORK/doc.xml"
unw_compare xml
unw_compare xmlfmt
unw_expect_frames xmlfmt 1000
exit 0
