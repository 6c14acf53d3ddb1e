#!/bin/sh
# memledger report's command line: --help, the default output name,
# --template, and errors as one line "memledger: DB: ..." with exit 1
# (2 for usage errors).
. "$(dirname "$0")/lib/report.sh"

"$TOOL" report --help >"$WORK/help" 2>&1 || fail "--help exited $?"
grep -q 'usage: memledger report' "$WORK/help" || fail "--help shows no usage"

make_fixture_db "$WORK/run.db"
out=$("$TOOL" report "$WORK/run.db" 2>"$WORK/err") || fail "report exited $?: $(head -1 "$WORK/err")"
[ "$out" = "$WORK/run.html" ] || fail "default output was '$out', want $WORK/run.html"
[ -s "$WORK/run.html" ] || fail "default output not written"

# usage errors: exit 2
"$TOOL" report >/dev/null 2>"$WORK/err"; rc=$?
[ $rc -eq 2 ] || fail "no DB: exit $rc, want 2"
head -1 "$WORK/err" | grep -q '^memledger: report: no database given$' || fail "no DB: stderr '$(head -1 "$WORK/err")'"
"$TOOL" report --bogus "$WORK/run.db" >/dev/null 2>"$WORK/err"; rc=$?
[ $rc -eq 2 ] || fail "unknown option: exit $rc, want 2"
"$TOOL" report -o >/dev/null 2>"$WORK/err"; rc=$?
[ $rc -eq 2 ] || fail "-o without argument: exit $rc, want 2"
"$TOOL" report a.db b.db >/dev/null 2>"$WORK/err"; rc=$?
[ $rc -eq 2 ] || fail "two DBs: exit $rc, want 2"

# errors about the database: one line, exit 1, nothing written
"$TOOL" report -o "$WORK/x.html" "$WORK/missing.db" >"$WORK/out" 2>"$WORK/err"; rc=$?
[ $rc -eq 1 ] || fail "missing DB: exit $rc, want 1"
[ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "missing DB: stderr is not one line"
grep -q "^memledger: $WORK/missing.db: cannot open" "$WORK/err" || fail "missing DB: stderr '$(cat "$WORK/err")'"
[ -e "$WORK/x.html" ] && fail "missing DB: an output file was written"
[ -s "$WORK/out" ] && fail "missing DB: something on stdout"

cp "$WORK/run.db" "$WORK/keep.db"
"$TOOL" report -o "$WORK/keep.db" "$WORK/keep.db" >/dev/null 2>"$WORK/err"; rc=$?
[ $rc -eq 1 ] || fail "output = database: exit $rc, want 1"
cmp -s "$WORK/run.db" "$WORK/keep.db" || fail "output = database: the database was overwritten"

echo "not a database at all, just some text" >"$WORK/junk.db"
"$TOOL" report -o "$WORK/x.html" "$WORK/junk.db" >/dev/null 2>"$WORK/err"; rc=$?
[ $rc -eq 1 ] || fail "junk DB: exit $rc, want 1"
grep -q "^memledger: $WORK/junk.db: not a memledger database" "$WORK/err" || fail "junk DB: stderr '$(cat "$WORK/err")'"

# --template DIR: the user's copy is used, with its own style sheet
mkdir "$WORK/tpl"
cp templates/report.xhtml "$WORK/tpl/"
sed 's/Quick reference/Cheat sheet/' templates/report.xhtml >"$WORK/tpl/report.xhtml"
echo 'body { color: rebeccapurple }' >"$WORK/tpl/style.css"
"$TOOL" report --template "$WORK/tpl" -o "$WORK/t.html" "$WORK/run.db" >/dev/null 2>"$WORK/err" ||
	fail "--template exited $?: $(head -1 "$WORK/err")"
grep -q 'Cheat sheet' "$WORK/t.html" || fail "--template: the custom template was not used"
grep -q 'rebeccapurple' "$WORK/t.html" || fail "--template: the custom style sheet was not used"
echo '<html><p t:content="x"/></html>' >"$WORK/tpl/report.xhtml"
"$TOOL" report --template "$WORK/tpl" -o "$WORK/t.html" "$WORK/run.db" >/dev/null 2>"$WORK/err"; rc=$?
[ $rc -eq 1 ] || fail "broken template: exit $rc, want 1"
grep -q "^memledger: $WORK/run.db: $WORK/tpl/report.xhtml:1: " "$WORK/err" || fail "broken template: stderr '$(cat "$WORK/err")'"
exit 0
