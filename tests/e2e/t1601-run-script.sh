#!/bin/sh
# Issue 16: a shell script with pipelines, command substitution and exec,
# traced as one run. Every trace loads and the tree has one root; a
# pipeline's programs are images exec'd by forked shells, so process_tree
# puts each under the shell image it replaced (exec = 1, same pid) and the
# page draws that chain on one line ("dash → ls"); the run summary and
# `check` agree with the database as for a build (lib/runs.sh).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/runs.sh"
[ -x /bin/sh ] || skip "no /bin/sh"

cat >"$WORK/script.sh" <<'SH'
n=$(ls /usr/bin | wc -l)
ls /etc | sort | head -3 | tr a-z A-Z
echo "count $(echo "$n" | tr -d ' ')"
sh -c 'exec cat /etc/hostname' >/dev/null
SH
trace sh /bin/sh "$WORK/script.sh"
[ "$RC" -eq 0 ] || fail "the script exited $RC: $(tail -3 "$WORK/sh.err")"
grep -q '^count [0-9][0-9]*$' "$WORK/sh.out" || fail "the script's output: $(cat "$WORK/sh.out")"
run_loaded sh
run_one_root sh
DB=$WORK/sh.db
for prog in ls wc sort head tr cat; do
	[ "$(q "$DB" "SELECT count(*) FROM process_tree WHERE program = '$prog'")" -ge 1 ] || fail "no process for $prog"
done
# every program of a pipeline was exec'd by a forked shell: its parent is that image
bad=$(q "$DB" "SELECT count(*) FROM process_tree t JOIN processes p ON p.id = t.id JOIN processes e ON e.id = t.parent
	WHERE t.program IN ('ls', 'wc', 'sort', 'head', 'tr', 'cat') AND NOT (t.exec = 1 AND e.pid = p.pid AND e.end_reason = 'exec')")
[ "$bad" = 0 ] || fail "$bad pipeline programs are not under the shell image they replaced"
[ "$(q "$DB" "SELECT count(*) FROM process_tree WHERE path LIKE '% → sh → cat' OR path LIKE '% → dash → cat'")" = 1 ] ||
	fail "sh -c 'exec cat' is not one lineage: $(q "$DB" "SELECT path FROM process_tree WHERE program = 'cat'")"
run_page sh sh
# on the page an exec chain is one line: the shell image and the program it became
"$PY" - "$WORK/sh.html" <<'PY' || fail "the tree does not draw the exec chains on one line"
import html, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
tree = re.search(r'<ul class="tree"[^>]*>(.*?)</ul>', page, re.S).group(1)
lines = [html.unescape(re.sub(r"<[^>]+>", "", li)) for li in re.findall(r"<li\b.*?</li>", tree, re.S)]
for prog in ("ls", "sort", "head", "tr", "cat"):
    if not any(re.search(r"(sh|dash) \u2192 " + prog + r"\b", l) for l in lines):
        print("no line 'sh → %s' in the tree" % prog)
        sys.exit(1)
PY
run_check sh
exit 0
