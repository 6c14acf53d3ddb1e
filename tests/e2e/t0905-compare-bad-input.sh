#!/bin/sh
# Bad input to the comparison commands: a missing file, a file that is
# not SQLite, an empty file, a SQLite database of another schema, and a
# memledger database of another schema version. As BASE or as NEW, each
# gives one line "memledger: FILE: reason" naming that file and exit 2
# (diff, check --baseline, check --json), or a non-zero exit and no page
# (report --baseline). Usage errors exit 2 too.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/compare.sh"

command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
traced_db good "$V1"
G=$WORK/good.db
printf 'hello, I am a text file\n' >"$WORK/text.db"
: >"$WORK/empty.db"
sqlite3 "$WORK/other.db" "CREATE TABLE t(a); INSERT INTO t VALUES (1);" || fail "sqlite3 failed"
cp "$G" "$WORK/old.db"
sqlite3 "$WORK/old.db" "UPDATE meta SET value = '0' WHERE key = 'schema_version'" || fail "sqlite3 failed"

one_line() {  # WHAT FILE REASON-REGEX: $WORK/err is one line naming FILE
	[ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "$1: $(wc -l <"$WORK/err") lines on stderr: $(cat "$WORK/err")"
	grep -Eq "^memledger: $2: $3" "$WORK/err" || fail "$1: '$(cat "$WORK/err")', want 'memledger: $2: $3'"
}

for bad in none:"cannot open" text:"not a memledger database: not a SQLite file" empty:"not a memledger database" \
	other:"not a memledger database" old:"memledger database schema 0"; do
	B=$WORK/${bad%%:*}.db why=${bad#*:}
	for args in "diff $B $G" "diff $G $B" "diff --json $B $G" "check --baseline $B $G" "check --baseline $G $B" \
		"check --json $B" "check $B"; do
		"$ML" $args >"$WORK/out" 2>"$WORK/err"
		rc=$?
		[ $rc -eq 2 ] || fail "$args: exit $rc, want 2"
		one_line "$args" "$B" "$why"
		[ -s "$WORK/out" ] && fail "$args: printed on stdout: $(head -2 "$WORK/out")"
	done
	rm -f "$WORK/r.html"
	"$ML" report --baseline "$B" -o "$WORK/r.html" "$G" >"$WORK/out" 2>"$WORK/err"
	[ $? -ne 0 ] || fail "report --baseline ${bad%%:*}: exit 0"
	one_line "report --baseline ${bad%%:*}" "$B" "$why"
	[ -e "$WORK/r.html" ] && fail "report --baseline ${bad%%:*} wrote a page"
	"$ML" diff --html "$WORK/d.html" "$B" "$G" >/dev/null 2>"$WORK/err"
	[ $? -eq 2 ] && [ ! -e "$WORK/d.html" ] || fail "diff --html with a bad BASE wrote a page"
done

# usage
for args in "diff $G" "diff $G $G $G" "diff --tolerance lots $G $G" "diff --limit -1 $G $G" \
	"check --max-peak-growth huge --baseline $G $G" "check --baseline $G" "check --process 1 --baseline $G $G"; do
	"$ML" $args >/dev/null 2>"$WORK/err"
	rc=$?
	[ $rc -eq 2 ] || fail "$args: exit $rc, want 2"
	grep -q '^memledger: ' "$WORK/err" || fail "$args: no error line: $(head -1 "$WORK/err")"
done
# --help works and exits 0
"$ML" diff --help | grep -q '^usage: memledger diff' || fail "diff --help"
"$ML" check --help | grep -q -- '--max-peak-growth T' || fail "check --help does not list the thresholds"
"$ML" report --help | grep -q -- '--baseline BASE.db' || fail "report --help does not list --baseline"
exit 0
