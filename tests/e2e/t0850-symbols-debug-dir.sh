#!/bin/sh
# Symbols for a stripped program from a debug folder. plant_threads_stopped
# is stripped to its exported names and traced; its debug file is kept
# elsewhere. Ingest alone names nothing in it (status 'exports'); with
# --debug-dir holding the file in a .build-id tree, or under the name its
# .gnu_debuglink gives, every frame, site, thread start function and
# checklist line is named as from the unstripped program. `symbolize`
# on the database ingested without symbols gives the same tables as the
# ingest with them, and a symbolize that fails leaves the database as it was.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"
. "$(dirname "$0")/lib/symbols.sh"

sym_prepare "$WORK/bin"
# a .gnu_debuglink to a name only the debug folder has (strip keeps the build-id)
objcopy --add-gnu-debuglink="$WORK/prog.debug" "$WORK/bin/prog" || fail "objcopy --add-gnu-debuglink failed"
mkdir -p "$WORK/dd1/.build-id/$(dirname "$BID_PATH")" "$WORK/dd2"
cp "$WORK/prog.debug" "$WORK/dd1/.build-id/$BID_PATH.debug"
mv "$WORK/prog.debug" "$WORK/dd2/prog.debug"

# the reference: the same program, not stripped
traced ref "$PROGS/plant_threads_stopped"
trace p "$WORK/bin/prog"
[ "$RC" -eq 0 ] || fail "memledger run of the stripped program exited $RC"
for n in none dd1 dd2; do cp "$WORK/p.mlt" "$WORK/$n.mlt"; done

load none
prog_symbols none
[ "$V" = "exports/binary" ] || fail "stripped, no debug folder: status $V, want exports/binary"
expect none "SELECT count(*) FROM frames WHERE module = 'prog' AND function IS NOT NULL" 0 \
	"named frames in the stripped program"
expect none "SELECT coalesce(start_function, 'NULL') FROM threads WHERE state_at_exit = 'running'" NULL \
	"start function without symbols"
expect none "SELECT text LIKE '%created at prog+0x%' FROM checklist_evidence WHERE item = 'threads_stopped'" 1 \
	"evidence without symbols names module+offset"

"$ML" ingest -q --debug-dir "$WORK/dd1" -o "$WORK/dd1.db" "$WORK/dd1.mlt" 2>"$WORK/dd1.ingest" ||
	fail "ingest --debug-dir: $(head -1 "$WORK/dd1.ingest")"
prog_symbols dd1
[ "$V" = "full/debug-dir" ] || fail "--debug-dir with a .build-id tree: status $V, want full/debug-dir"
expect dd1 "SELECT symbols_file FROM modules WHERE path LIKE '%/prog'" "$WORK/dd1/.build-id/$BID_PATH.debug" \
	"the debug file used"
expect dd1 "SELECT start_function FROM threads WHERE state_at_exit = 'running'" svc_reporter_main \
	"start function from the debug folder"
expect dd1 "SELECT text LIKE '%svc_reporter_main%svc_start (%mt_common.h:%' FROM checklist_evidence
	WHERE item = 'threads_stopped'" 1 "evidence names function, file and line"
# the same frames as the unstripped program's (module name aside)
"$ML" query --csv "$WORK/ref.db" "SELECT st.stack_id, st.depth, f.offset, f.function, f.file, f.line, f.inlined
	FROM stacks st JOIN frames f ON f.id = st.frame_id ORDER BY 1, 2" >"$WORK/ref.frames"
"$ML" query --csv "$WORK/dd1.db" "SELECT st.stack_id, st.depth, f.offset, f.function, f.file, f.line, f.inlined
	FROM stacks st JOIN frames f ON f.id = st.frame_id ORDER BY 1, 2" >"$WORK/dd1.frames"
cmp -s "$WORK/ref.frames" "$WORK/dd1.frames" ||
	fail "stripped + --debug-dir differs from the unstripped program: $(diff "$WORK/ref.frames" "$WORK/dd1.frames" | head -4 | tr '\n' '|')"

# the status in stats and in the report
"$ML" stats "$WORK/dd1.db" >"$WORK/dd1.stats" 2>&1 || fail "stats failed: $(tail -1 "$WORK/dd1.stats")"
grep -q "^  prog .*functions, files, lines .*from debug-dir: $WORK/dd1/.build-id/$BID_PATH.debug" "$WORK/dd1.stats" ||
	fail "stats does not say where prog's symbols came from: $(grep -A4 Symbols "$WORK/dd1.stats")"
"$ML" stats "$WORK/none.db" | grep -q "^  prog .*exported names only .*from binary" ||
	fail "stats does not say prog has exported names only"
"$ML" report -o "$WORK/dd1.html" "$WORK/dd1.db" >/dev/null 2>&1 || fail "report failed"
grep -q 'id="symbols"' "$WORK/dd1.html" || fail "the report has no Symbols section"
sed -n '/id="symbols"/,/<\/section>/p' "$WORK/dd1.html" | tr -d '\n' | sed 's/> *</></g' |
	grep -q "<code[^>]*>prog</code></td><td>functions, files and lines</td><td><span>debug-dir</span>" ||
	fail "the report's Symbols section lacks prog's row"

"$ML" ingest -q --debug-dir "$WORK/nowhere-1" --debug-dir "$WORK/dd2" -o "$WORK/dd2.db" "$WORK/dd2.mlt" \
	2>"$WORK/dd2.ingest" && fail "a --debug-dir that does not exist was accepted"
grep -q "nowhere-1: --debug-dir" "$WORK/dd2.ingest" || fail "no error naming the missing folder: $(cat "$WORK/dd2.ingest")"
"$ML" ingest -q --debug-dir "$WORK/bin" --debug-dir "$WORK/dd2" -o "$WORK/dd2.db" "$WORK/dd2.mlt" \
	2>"$WORK/dd2.ingest" || fail "ingest with two --debug-dir: $(head -1 "$WORK/dd2.ingest")"
prog_symbols dd2
[ "$V" = "full/debug-dir" ] || fail "--debug-dir with the debuglink's name: status $V, want full/debug-dir"
sym_same dd1 dd2 "a .build-id tree and a .gnu_debuglink name"

# symbolize, later, on the database made without symbols
cp "$WORK/none.db" "$WORK/later.db"
"$ML" symbolize --debug-dir "$WORK/dd1" "$WORK/later.db" 2>"$WORK/later.err" ||
	fail "symbolize: $(head -1 "$WORK/later.err")"
grep -q "frames named before" "$WORK/later.err" || fail "symbolize printed no summary: $(cat "$WORK/later.err")"
sym_same dd1 later "symbolize after the ingest and symbols at ingest"
prog_symbols later
[ "$V" = "full/debug-dir" ] || fail "after symbolize: status $V, want full/debug-dir"
# again: nothing changes
cp "$WORK/later.db" "$WORK/again.db"
"$ML" symbolize -q --debug-dir "$WORK/dd1" "$WORK/again.db" || fail "symbolize twice failed"
sym_same later again "symbolize run twice"

# one transaction: a stack naming a frame that does not exist stops it
cp "$WORK/none.db" "$WORK/bad.db"
sqlite3 "$WORK/bad.db" "INSERT INTO stacks VALUES (999999, 0, 888888)" || fail "sqlite3 failed"
sum=$(md5sum <"$WORK/bad.db")
"$ML" symbolize --debug-dir "$WORK/dd1" "$WORK/bad.db" 2>"$WORK/bad.err" && fail "symbolize of a broken database succeeded"
grep -q "unchanged" "$WORK/bad.err" || fail "symbolize error: $(cat "$WORK/bad.err")"
[ "$(md5sum <"$WORK/bad.db")" = "$sum" ] || fail "a failed symbolize changed the database"
"$ML" symbolize "$WORK/nothing.db" 2>"$WORK/nothing.err" && fail "symbolize of a missing database succeeded"
[ -e "$WORK/nothing.db" ] && fail "symbolize created a database"
"$ML" symbolize "$WORK/p.mlt" 2>"$WORK/trace.err" && fail "symbolize of a trace succeeded"
grep -q "is a trace" "$WORK/trace.err" || fail "symbolize of a trace: $(cat "$WORK/trace.err")"
exit 0
