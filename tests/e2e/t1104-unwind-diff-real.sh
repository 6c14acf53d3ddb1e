#!/bin/sh
# Differential unwinder test (issue 15), real programs nobody here wrote:
# sqlite3 running a SQL workload and xmllint parsing, validating and
# re-serialising a document. Debian built them and their libraries
# without frame pointers. Every allocation's stack from the fast
# unwinder equals libunwind's.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/unwind.sh"
. "$(dirname "$0")/lib/sqlite.sh"
command -v xmllint >/dev/null || skip "xmllint is not installed"
sqlite_workload "$WORK/work.sql" 2000
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
