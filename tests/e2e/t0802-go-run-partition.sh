#!/bin/sh
# memledger run on a real, static Go program (tests/go/partition, the
# guide's partition example): the snapshots hold exactly what the program
# printed, gc_cycles has NumGC rows, the checklist fails the leaky variant
# and passes the clean one, and stdout, stderr (minus gctrace) and the
# exit status are the program's own.
. "$(dirname "$0")/lib/common.sh"
P=$ROOT/build/go/partition
[ -x "$P" ] || skip "build/go/partition is not built (needs golang-go: make deps)"
file "$P" | grep -q 'statically linked' || fail "the Go test program is expected to be static"

for v in clean leaky; do
	"$P" $v 3 >"$WORK/$v.plain.out" 2>"$WORK/$v.plain.err"
	prc=$?
	"$ML" run -o "$WORK/$v.mlt" -- "$P" $v 3 >"$WORK/$v.out" 2>"$WORK/$v.err"
	rc=$?
	[ "$rc" = 3 ] && [ "$prc" = 3 ] || fail "$v: exit $rc under run, $prc plain (want 3)"
	# stderr: the program's bytes, partial last line included, then our line
	grep -v '^memledger: wrote' "$WORK/$v.err" | sed 's/memledger: wrote .*//' >"$WORK/$v.err.prog"
	printf 'partition: started\npartition: done\nno newline at the end' >"$WORK/want.err"
	head -c "$(wc -c <"$WORK/want.err")" "$WORK/$v.err" | cmp -s - "$WORK/want.err" ||
		fail "$v: stderr is not the program's: $(head -3 "$WORK/$v.err")"
	grep -q '^gc [0-9]* @' "$WORK/$v.err" && fail "$v: gctrace reached stderr"
	cmp -s "$WORK/$v.plain.err" "$WORK/want.err" || fail "$v: the plain run's stderr differs from the expected"
	# stdout: same blocks, same labels (the figures move from run to run)
	[ "$(grep -c '' "$WORK/$v.out")" = "$(grep -c '' "$WORK/$v.plain.out")" ] || fail "$v: stdout line count differs"
	[ "$(grep '^===' "$WORK/$v.out")" = "$(grep '^===' "$WORK/$v.plain.out")" ] || fail "$v: stdout labels differ"
	"$ML" ingest -q -o "$WORK/$v.db" "$WORK/$v.mlt" 2>"$WORK/$v.ingest" || fail "$v: ingest: $(cat "$WORK/$v.ingest")"

	# the printed figures, exactly
	"$PY" - "$WORK/$v.out" >"$WORK/$v.want" <<'PY'
import re, sys
blocks, cur = [], None
for line in open(sys.argv[1]):
    m = re.match(r"=== (.*) ===$", line.rstrip("\n"))
    if m:
        cur = {"label": m.group(1)}
        blocks.append(cur)
        continue
    m = re.match(r"(\w+)\s*= (?:.*\((\S+)\)|(\d+))$", line.rstrip("\n"))
    if m and cur is not None:
        cur[m.group(1)] = m.group(2) or m.group(3)
for b in blocks:
    print("|".join([b["label"], b["Alloc"], b["TotalAlloc"], b["Sys"], b["HeapInuse"], b["HeapIdle"],
                    b["HeapReleased"], b["StackInuse"], b["HeapObjects"], b["Mallocs"], b["Frees"],
                    b["Live"], b["NumGC"], b["NumGoroutine"]]))
PY
	"$ML" query --csv "$WORK/$v.db" "SELECT label || '|' || alloc || '|' || total_alloc || '|' || sys || '|' ||
		heap_inuse || '|' || heap_idle || '|' || heap_released || '|' || stack_inuse || '|' || heap_objects
		|| '|' || mallocs || '|' || frees || '|' || live || '|' || num_gc || '|' || threads AS r FROM snapshots
		ORDER BY seq" | sed 1d | tr -d '"\r' >"$WORK/$v.got"
	[ "$(wc -l <"$WORK/$v.want")" = 3 ] || fail "$v: the program printed $(wc -l <"$WORK/$v.want") blocks"
	diff "$WORK/$v.want" "$WORK/$v.got" >"$WORK/diff" || fail "$v: snapshots differ from the printout: $(head -4 "$WORK/diff" | tr '\n' ' ')"
	# GCCPUFraction exactly as printed (shortest float form)
	gf=$(sed -n 's/^GCCPUFraction = .*(\(.*\))$/\1/p' "$WORK/$v.out" | tail -1)
	"$PY" -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(abs(a - b) > 1e-12 * max(1, a))" \
		"$gf" "$(q "$WORK/$v.db" "SELECT gc_cpu_fraction FROM snapshots ORDER BY seq DESC LIMIT 1")" ||
		fail "$v: GCCPUFraction differs from the printout ($gf)"
	# one gc_cycles row per collection
	ngc=$(q "$WORK/$v.db" "SELECT num_gc FROM snapshots ORDER BY seq DESC LIMIT 1")
	[ "$(q "$WORK/$v.db" "SELECT count(*) FROM gc_cycles WHERE num <= $ngc")" = "$ngc" ] || fail "$v: gc_cycles rows up to the last snapshot != NumGC $ngc"
	[ "$(q "$WORK/$v.db" "SELECT count(*) FROM gc_cycles WHERE forced = 1")" -ge 1 ] || fail "$v: no forced cycle"
	[ "$(q "$WORK/$v.db" "SELECT runtime || ' ' || end_reason || ' ' || exit_code FROM processes")" = "go exit 3" ] ||
		fail "$v: process row: $(q "$WORK/$v.db" "SELECT runtime || ' ' || end_reason || ' ' || exit_code FROM processes")"
done

# the checklist: leaky fails what it planted, clean passes
"$ML" check "$WORK/clean.db" >"$WORK/clean.check" 2>&1 || fail "clean: check exited $?: $(grep -i fail "$WORK/clean.check" | head -2)"
"$ML" check "$WORK/leaky.db" >"$WORK/leaky.check" 2>&1
[ $? = 1 ] || fail "leaky: check did not exit 1"
for item in threads_stopped channels_closed containers_cleared global_references baseline_returned; do
	[ "$(q "$WORK/leaky.db" "SELECT status FROM checklist WHERE item = '$item'")" = fail ] || fail "leaky: $item does not fail"
	[ "$(q "$WORK/clean.db" "SELECT status FROM checklist WHERE item = '$item'")" = pass ] || fail "clean: $item does not pass"
done
[ "$(q "$WORK/clean.db" "SELECT status FROM checklist WHERE item = 'gc_repeated'")" = pass ] || fail "clean: gc_repeated"
# (leaky forces one collection; a background one may join it, so its
# gc_repeated is not asserted)
# the evidence names the stuck goroutines' creation site
[ "$(q "$WORK/leaky.db" "SELECT count(*) FROM checklist_evidence WHERE item = 'threads_stopped' AND text LIKE '%main.waiter%created by main.main%'")" = 3 ] ||
	fail "leaky: threads_stopped evidence does not list the 3 waiters"

# the user's own GODEBUG is kept, and gctrace they asked for is shown
GODEBUG=madvdontneed=1,gctrace=1 "$ML" run -o "$WORK/asked.mlt" -- "$P" clean >/dev/null 2>"$WORK/asked.err"
grep -q '^gc 1 @' "$WORK/asked.err" || fail "asked-for gctrace not shown"
"$ML" ingest -q -o "$WORK/asked.db" "$WORK/asked.mlt" || fail "asked: ingest failed"
[ "$(q "$WORK/asked.db" "SELECT count(*) > 0 FROM gc_cycles")" = 1 ] || fail "asked: gctrace not recorded"

# -o follows the same rules as for a native program: a file that is not a
# trace is never overwritten (nothing runs), an old Go trace is replaced
printf 'my notes\n' >"$WORK/notes.txt"
"$ML" run -o "$WORK/notes.txt" -- "$P" clean >/dev/null 2>"$WORK/notes.err"
[ $? = 2 ] || fail "-o over a text file: want exit 2"
[ "$(cat "$WORK/notes.txt")" = "my notes" ] || fail "-o overwrote a file that is not a trace"
grep -q 'not a memledger trace' "$WORK/notes.err" || fail "-o over a text file: $(cat "$WORK/notes.err")"
"$ML" run -o "$WORK/asked.mlt" -- "$P" clean >/dev/null 2>&1 || fail "-o over an old Go trace failed"
exit 0
