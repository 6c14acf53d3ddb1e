#!/bin/sh
# Acceptance 3 (issue 2): xmllint on a large XML file, counted against
# valgrind, output identical.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/valgrind.sh"
command -v xmllint >/dev/null || skip "xmllint is not installed"
"$PY" - "$WORK/big.xml" <<'PYEOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write('<?xml version="1.0"?>\n<catalog xmlns:x="urn:x">\n')
    for i in range(40000):
        f.write('<x:item id="i%d" n="%d"><name>item &amp; %d</name><price cur="EUR">%d.%02d</price>'
                '<!-- c%d --><tags><t>a</t><t>b%d</t></tags></x:item>\n' % (i, i, i, i % 997, i % 100, i, i % 7))
    f.write('</catalog>\n')
PYEOF
vg_compare xmllint xmllint --format "$WORK/big.xml"
exit 0
