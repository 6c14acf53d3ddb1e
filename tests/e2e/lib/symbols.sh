# Shared by the symbol tests (t085N). Sourced after common.sh, not run.
#
#   sym_prepare DIR        copies plant_threads_stopped (threads, a checklist
#                          failure with evidence, all built with -g) to
#                          DIR/prog, keeps its debug info in $WORK/prog.debug
#                          and strips DIR/prog to its exported names; sets
#                          BID (the build-id, hex) and BID_PATH (xx/yyyy)
#   sym_dump NAME          writes $WORK/NAME.sym: every table symbols touch
#                          (stacks with their frames, sites, thread start
#                          functions, the checklist and its evidence)
#   sym_same A B WHAT      the two dumps must be the same, else fail
#   prog_symbols NAME      sets V to modules.symbols/symbols_from of prog

sym_prepare() {
	mkdir -p "$1"
	cp "$PROGS/plant_threads_stopped" "$1/prog" || fail "cannot copy the test program"
	BID=$(readelf -n "$1/prog" | sed -n 's/^ *Build ID: *//p')
	[ -n "$BID" ] || fail "no build-id in $1/prog"
	BID_PATH=$(echo "$BID" | cut -c1-2)/$(echo "$BID" | cut -c3-)
	objcopy --only-keep-debug "$1/prog" "$WORK/prog.debug" || fail "objcopy --only-keep-debug failed"
	strip --strip-all "$1/prog" || fail "strip failed"
	readelf -S "$1/prog" | grep -q '\.debug_info\|\.symtab' && fail "strip left symbols in $1/prog"
	[ "$(readelf -n "$1/prog" | sed -n 's/^ *Build ID: *//p')" = "$BID" ] || fail "strip changed the build-id"
}

sym_dump() {
	db=$WORK/$1.db
	{
		"$ML" query --csv "$db" "SELECT st.stack_id, st.depth, f.module, f.offset, f.function, f.file, f.line,
			f.inlined, f.runtime, f.build_id FROM stacks st JOIN frames f ON f.id = st.frame_id ORDER BY 1, 2"
		"$ML" query --csv "$db" "SELECT process_id, stack_id, function, file, line, runtime FROM sites ORDER BY 1, 2"
		"$ML" query --csv "$db" "SELECT process_id, tid, start_ns, start_function, stack_id FROM threads ORDER BY 1, 2, 3"
		"$ML" query --csv "$db" "SELECT process_id, item, status, detail FROM checklist ORDER BY 1, 2"
		"$ML" query --csv "$db" "SELECT process_id, item, seq, text, stack_id, value FROM checklist_evidence ORDER BY 1, 2, 3"
	} >"$WORK/$1.sym" 2>&1 || fail "cannot dump $db: $(tail -1 "$WORK/$1.sym")"
}

sym_same() {
	sym_dump "$1"
	sym_dump "$2"
	cmp -s "$WORK/$1.sym" "$WORK/$2.sym" ||
		fail "$3: $1 and $2 differ: $(diff "$WORK/$1.sym" "$WORK/$2.sym" | head -6 | tr '\n' '|')"
}

prog_symbols() {
	V=$(q "$WORK/$1.db" "SELECT coalesce(symbols, 'NULL') || '/' || coalesce(symbols_from, 'NULL') FROM modules
		WHERE path LIKE '%/prog'")
}
