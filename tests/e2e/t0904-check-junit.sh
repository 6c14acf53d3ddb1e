#!/bin/sh
# `check --junit FILE` and `check --json`: one testcase per checklist item
# and per gate, a <failure> (with the detail and the stacks) for each
# that fails the gate, <skipped> for n/a and for failures that do not
# gate; the counts in the attributes agree with the elements; the file
# validates with xmllint against the JUnit schema CI systems read
# (tests/e2e/lib/junit.xsd), with C++ names and several processes too;
# --json carries the same cases.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/compare.sh"

command -v xmllint >/dev/null || skip "xmllint is not installed"
XSD=$ROOT/tests/e2e/lib/junit.xsd

# The counts of a JUnit file, from its elements and from its attributes:
# prints "tests failures skipped suites" after checking they agree.
junit_counts() {
	"$PY" - "$1" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == 'testsuites', root.tag
t = f = s = 0
for suite in root.findall('testsuite'):
    cases = suite.findall('testcase')
    ft = sum(1 for c in cases if c.find('failure') is not None)
    st = sum(1 for c in cases if c.find('skipped') is not None)
    got = (int(suite.get('tests')), int(suite.get('failures')), int(suite.get('skipped')))
    if got != (len(cases), ft, st):
        sys.exit('suite %s says %r, has %r' % (suite.get('name'), got, (len(cases), ft, st)))
    t, f, s = t + len(cases), f + ft, s + st
got = (int(root.get('tests')), int(root.get('failures')), int(root.get('skipped')))
if got != (t, f, s):
    sys.exit('testsuites says %r, has %r' % (got, (t, f, s)))
print(t, f, s, len(root.findall('testsuite')))
PYEOF
}

junit() {  # WANT_RC NAME ARGS...: check --junit $WORK/NAME.xml ARGS; validate it
	_want=$1 _n=$2
	shift 2
	"$ML" check --junit "$WORK/$_n.xml" "$@" >"$WORK/$_n.out" 2>"$WORK/$_n.err"
	_rc=$?
	[ $_rc -eq "$_want" ] || fail "$_n: check --junit exited $_rc, want $_want: $(head -1 "$WORK/$_n.err")"
	xmllint --noout --schema "$XSD" "$WORK/$_n.xml" 2>"$WORK/$_n.lint" ||
		fail "$_n: the JUnit XML does not validate: $(head -3 "$WORK/$_n.lint")"
	C=$(junit_counts "$WORK/$_n.xml") || fail "$_n: counts disagree: $C"
}

traced_db v1 "$V1"
# 9 items + the leaks gate; failing the gate: containers_cleared,
# baseline_returned (cmp_app takes its own snapshots) and leaks; skipped:
# gc_repeated (n/a) and global_references (fails, does not gate)
junit 1 v1 "$WORK/v1.db"
[ "$C" = "10 3 2 1" ] || fail "v1: tests failures skipped suites = $C, want 10 3 2 1"
"$PY" - "$WORK/v1.xml" <<'PYEOF' || fail "v1: the testcases are wrong"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = {c.get('name'): c for c in root.iter('testcase')}
want = ['threads_stopped', 'threads_joined', 'timers_stopped', 'containers_cleared', 'channels_closed',
        'settle_time', 'gc_repeated', 'global_references', 'baseline_returned', 'leaks']
if sorted(cases) != sorted(want):
    sys.exit('testcases %r' % sorted(cases))
fails = sorted(n for n, c in cases.items() if c.find('failure') is not None)
if fails != ['baseline_returned', 'containers_cleared', 'leaks']:
    sys.exit('failures %r' % fails)
leak = cases['leaks'].find('failure')
if 'definitely lost at leak_old' not in leak.text or '    at leak_old (' not in leak.text or not leak.get('message'):
    sys.exit('the leaks failure lacks its site and stack: %r' % leak.text)
if cases['leaks'].get('classname') != 'memledger.gate' or cases['gc_repeated'].get('classname') != 'memledger.checklist':
    sys.exit('classnames')
if 'does not gate' not in cases['global_references'].find('skipped').get('message'):
    sys.exit('global_references is not skipped as not gating')
PYEOF

# --json: the same cases, the same results
"$ML" check --json "$WORK/v1.db" >"$WORK/v1.json" 2>&1
[ $? -eq 1 ] || fail "check --json exited $?, want 1"
j=$(json_get "$WORK/v1.json" "sorted((c['name'], c['result']) for p in d['processes'] for c in p['cases'])")
x=$("$PY" -c 'import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
print(sorted((c.get("name"), "failure" if c.find("failure") is not None else "skipped" if c.find("skipped") is not None else "pass") for c in r.iter("testcase")))' "$WORK/v1.xml")
[ "$j" = "$x" ] || fail "JSON and JUnit disagree: $j / $x"
expect_json "$WORK/v1.json" "(d['passed'], d['tests'], d['failures'], d['skipped'])" \
	"(False, 10, 3, 2)" "check --json counts"

# a passing program: no failure element at all
traced_db ls ls /
junit 0 ls "$WORK/ls.db"
case $C in "10 0 "*) ;; *) fail "ls: $C, want 10 tests, 0 failures" ;; esac

# against a baseline: 9 items + 4 gates; 3 regressions (new leak site, lost growth, peak growth)
build_v2
traced_db v2 "$V2"
junit 1 base --baseline "$WORK/v1.db" "$WORK/v2.db"
[ "$C" = "13 3 4 1" ] || fail "baseline: tests failures skipped suites = $C, want 13 3 4 1 (skipped: gc_repeated, and three failures BASE had)"
grep -q '<property name="baseline" value="' "$WORK/base.xml" || fail "baseline: no baseline property"

# C++ names (templates, operators) in the stacks, and several processes
traced_db cxx "$PROGS/leak_classes_cxx"
junit 1 cxx --strict "$WORK/cxx.db"
grep -q 'operator new' "$WORK/cxx.xml" || fail "cxx: no C++ frame in the XML, so the test shows nothing"
trace fe "$PROGS/forkexec"
load fe
n=$(q "$WORK/fe.db" "SELECT count(*) FROM processes")
"$ML" check --junit "$WORK/fe.xml" "$WORK/fe.db" >/dev/null 2>&1
xmllint --noout --schema "$XSD" "$WORK/fe.xml" 2>/dev/null || fail "forkexec: the JUnit XML does not validate"
C=$(junit_counts "$WORK/fe.xml") || fail "forkexec: counts disagree: $C"
[ "${C##* }" = "$n" ] || fail "forkexec: ${C##* } testsuites for $n processes"

# the schema has teeth: a suite without its counts is rejected
sed 's/<testsuite name="\([^"]*\)" tests="[0-9]*"/<testsuite name="\1"/' "$WORK/v1.xml" >"$WORK/broken.xml"
xmllint --noout --schema "$XSD" "$WORK/broken.xml" 2>/dev/null && fail "the schema accepts a testsuite without tests="

# a file that cannot be written: one line, exit 2
"$ML" check --junit "$WORK/no/such/dir/x.xml" "$WORK/ls.db" >/dev/null 2>"$WORK/nw.err"
[ $? -eq 2 ] || fail "an unwritable --junit file: exit $?, want 2"
[ "$(wc -l <"$WORK/nw.err")" -eq 1 ] && grep -q "^memledger: $WORK/no/such/dir/x.xml: cannot write" "$WORK/nw.err" ||
	fail "an unwritable --junit file: $(cat "$WORK/nw.err")"
exit 0
