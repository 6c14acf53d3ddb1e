#!/bin/sh
# Issue 16: a small multi-file C project (tests/fixtures/runs_project) built
# with `make -j2` under `memledger run`. Every trace loads; the tree has one
# root, make, and reads make → cc → cc1 through the exec chain; the run
# summary lists every process with run_totals' figures; the page is under
# 3 MB and made in under 3 s (the plain build, not the sanitizer one); a
# few processes have sections, by the stated rule, and --process chooses
# others; `check` stays under 200 lines while naming each failing process.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/runs.sh"
command -v make >/dev/null && command -v cc >/dev/null || skip "make and cc are needed"

cp -r "$ROOT/tests/fixtures/runs_project" "$WORK/proj"
trace mk make -C "$WORK/proj" -j2
[ "$RC" -eq 0 ] || fail "make under memledger run exited $RC: $(tail -3 "$WORK/mk.err")"
[ -x "$WORK/proj/app" ] && grep -q '^3 distinct' "$WORK/proj/out.txt" || fail "the project was not built and run"
run_loaded mk
run_one_root mk
DB=$WORK/mk.db
[ "$(q "$DB" "SELECT program FROM process_tree WHERE depth = 0")" = make ] || fail "the root is not make"
n=$(q "$DB" "SELECT count(*) FROM processes")
[ "$n" -ge 20 ] || fail "only $n processes: the build should start cc, cc1 and as per file"
q "$DB" "SELECT count(*) FROM process_tree WHERE path LIKE 'make → %cc1' AND depth >= 2" | grep -qx '[1-9][0-9]*' ||
	fail "no path make → ... → cc1: $(q "$DB" "SELECT group_concat(DISTINCT path) FROM process_tree")"
[ "$(q "$DB" "SELECT count(*) FROM process_tree WHERE program = 'app' AND path LIKE 'make → %app'")" = 1 ] ||
	fail "the program itself is not under make"

run_page mk mk
# a run of many processes: the default rule gives few sections, the root's among them
sections=$(grep -o '<section id="overview[^"]*"' "$WORK/mk.html" | wc -l)
[ "$sections" -ge 1 ] && [ "$sections" -le 4 ] || fail "$sections processes have sections, want 1 to 4"
grep -q '<section id="overview"' "$WORK/mk.html" || fail "the root has no sections"
# the failing app: its own sites leak, so it fails the gate and its row says so
app=$(q "$DB" "SELECT id FROM processes WHERE exe LIKE '%/app'")
grep -q "<tr class=\"bad-true\" data-id=\"$app\"" "$WORK/mk.html" || fail "app's row is not marked as failing"

# size and time with the plain build
PLAIN=$ROOT/build/memledger
[ -x "$PLAIN" ] || PLAIN=$ML
ms=
for i in 1 2 3; do  # best of three, to keep a busy machine from failing the test
	t0=$(date +%s%N)
	"$PLAIN" report -o "$WORK/plain.html" "$DB" >/dev/null 2>&1 || fail "the plain build's report failed"
	t1=$(date +%s%N)
	[ -z "$ms" ] || [ $(( (t1 - t0) / 1000000 )) -lt "$ms" ] && ms=$(( (t1 - t0) / 1000000 ))
done
size=$(wc -c <"$WORK/plain.html")
echo "report of $n processes: $size bytes in $ms ms"
[ "$size" -lt 3000000 ] || fail "the page is $size bytes, want under 3 MB"
[ "$ms" -lt 3000 ] || fail "the report took $ms ms, want under 3 s"

# --process chooses: a program (every cc1), a pid, all; a word that names nothing is refused
sfx() {  # the section suffixes of the processes SQL selects, sorted
	for i in $(q "$DB" "SELECT group_concat(id, ' ') FROM ($1)"); do
		if [ "$(q "$DB" "SELECT parent_process_id IS NULL FROM processes WHERE id = $i")" = 1 ] &&
			[ "$i" = "$(q "$DB" "SELECT min(id) FROM processes WHERE parent_process_id IS NULL")" ]; then
			echo overview
		else
			echo "overview-p$i"
		fi
	done | sort | tr '\n' ' '
}
got() { grep -o '<section id="overview[^"]*"' "$WORK/$1.html" | sed 's/.*id="//; s/"//' | sort | tr '\n' ' '; }
run_page mk cc1 --process cc1
[ "$(got cc1)" = "$(sfx "SELECT id FROM processes WHERE exe LIKE '%/cc1'")" ] ||
	fail "--process cc1: sections $(got cc1)"
grep -q -- '--process cc1' "$WORK/cc1.html" || fail "--process cc1: the page does not say why"
pid=$(q "$DB" "SELECT pid FROM processes WHERE exe LIKE '%/app'")
run_page mk one --process "$pid" --process make
[ "$(got one)" = "$(sfx "SELECT id FROM processes WHERE pid = $pid OR exe LIKE '%/make'")" ] ||
	fail "--process $pid --process make: sections $(got one)"
run_page mk all --process all
[ "$(got all | wc -w)" = "$n" ] || fail "--process all: $(got all | wc -w) sections for $n processes"
"$ML" report -o "$WORK/none.html" --process no-such-program "$DB" >/dev/null 2>"$WORK/none.err"
[ $? -ne 0 ] || fail "--process no-such-program was accepted"
grep -q 'no-such-program' "$WORK/none.err" || fail "--process no-such-program: $(head -1 "$WORK/none.err")"

run_check mk
grep -q "^  FAIL  process $app (pid $pid app): leaks" "$WORK/mk.check" || fail "check does not name app's leak"
exit 0
