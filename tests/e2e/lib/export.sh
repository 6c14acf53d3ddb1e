# Shared by the export tests (tests/e2e/t07*-export-*.sh). Sourced after
# lib/common.sh. Defines:
#   traced_export NAME PROG trace PROG (it must exit 0) and load it; sets DB
#                           to $WORK/NAME.db
#   need_go                 skip unless `go tool pprof` is installed
#   pprof_total FILE INDEX  the total of sample type INDEX in bytes or
#                           objects, as `go tool pprof -top` prints it
#   pprof_top FILE INDEX    `go tool pprof -top` output (all nodes)
#   pprof_totals FILE "INDEX SQL"...
#                           for each pair, pprof_total FILE INDEX must equal
#                           dbsum $DB SQL, else fail
#   dbsum DB SQL            like q, but "0" for NULL
#   export_ok NAME ARGS...  memledger export ARGS; fail unless it exits 0
#   check_folded FILE       the folded format: "frame;frame... N" per line
#   need_chrome             (base.sh) skip unless chromium is installed; sets CHROME
#   chrome_dump URL OUT     headless Chromium, DOM of URL into OUT, console in OUT.log
#   need_speedscope         installs speedscope's npm package into build/npm
#                           (test set-up only), sets SPEEDSCOPE (its index.html)
#   speedscope_load FILE    open FILE in speedscope in Chromium; fail on any
#                           console error or if it did not import; sets
#                           SPEEDSCOPE_DOM (the page's DOM after loading)

traced_export() {
	trace "$1" "$2"
	[ "$RC" = 0 ] || fail "$(basename "$2") exited $RC"
	load "$1"
	DB=$WORK/$1.db
}

need_go() {
	command -v go >/dev/null 2>&1 || skip "go is not installed (make deps installs golang-go)"
}

pprof_top() {
	go tool pprof -top -nodecount=100000 -sample_index="$2" -unit=B "$1" 2>"$WORK/pprof.err"
}

pprof_total() {
	# "Showing nodes accounting for 1456B, 100% of 1456B total"; counts print without a unit
	pprof_top "$1" "$2" | sed -n 's/.* of \([0-9.]*\)B* total$/\1/p' | head -1
}

pprof_totals() {
	_pf=$1
	shift
	for _pair in "$@"; do
		_index=${_pair%% *}
		_want=$(dbsum "$DB" "${_pair#* }")
		_got=$(pprof_total "$_pf" "$_index")
		[ "$_got" = "$_want" ] || fail "go tool pprof: $_index total $_got, database $_want"
	done
}

dbsum() {
	v=$(q "$1" "$2")
	echo "${v:-0}"
}

export_ok() {
	name=$1
	shift
	"$ML" export "$@" >"$WORK/$name.export.out" 2>"$WORK/$name.export.err" ||
		fail "export $* exited $?: $(head -1 "$WORK/$name.export.err")"
}

check_folded() {
	"$PY" - "$1" <<'PY' || fail "$1 is not valid folded stacks"
import re, sys
# flamegraph.pl and inferno split a line at its last space: the frames
# before it (';'-separated, none empty), a whole number after it.
n = 0
for i, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    m = re.fullmatch(r"(.+) (\d+)\n", line)
    if not m:
        sys.exit("line %d is not 'frames weight': %r" % (i, line[:200]))
    if any(not f for f in m.group(1).split(";")):
        sys.exit("line %d has an empty frame: %r" % (i, line[:200]))
    if int(m.group(2)) <= 0:
        sys.exit("line %d has weight 0" % i)
    n += 1
PY
}

chrome_dump() {
	prof="$WORK/profile-$(basename "$2")"
	mkdir -p "$prof"
	timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$prof" --enable-logging=stderr --v=0 --allow-file-access-from-files \
		--virtual-time-budget=10000 --window-size=1280,900 --dump-dom "$1" >"$2" 2>"$2.log" ||
		fail "chromium exited $? on $1: $(grep -v dbus "$2.log" | tail -1)"
}

need_speedscope() {
	SPEEDSCOPE=$ROOT/build/npm/node_modules/speedscope/dist/release/index.html
	[ -f "$SPEEDSCOPE" ] && return 0
	command -v npm >/dev/null 2>&1 || skip "npm is not installed (make deps installs it)"
	mkdir -p "$ROOT/build/npm"
	# the test set-up's own copy of speedscope; the product never needs it
	(cd "$ROOT/build/npm" && npm install --no-audit --no-fund --prefix . speedscope@1.25.0) \
		>"$WORK/npm.log" 2>&1 || skip "npm could not install speedscope: $(tail -1 "$WORK/npm.log")"
	[ -f "$SPEEDSCOPE" ] || skip "speedscope's package has no dist/release/index.html"
}

speedscope_load() {
	# speedscope's own command-line loader: a script that hands the file to
	# speedscope.loadFileFromBase64, named in the page's #localProfilePath
	js="$WORK/$(basename "$1").js"
	"$PY" - "$1" "$js" <<'PY'
import base64, json, os, sys
data = base64.b64encode(open(sys.argv[1], "rb").read()).decode()
open(sys.argv[2], "w").write("speedscope.loadFileFromBase64(%s, %s)" % (json.dumps(os.path.basename(sys.argv[1])), json.dumps(data)))
PY
	out="$WORK/speedscope-$(basename "$1").dom"
	chrome_dump "file://$SPEEDSCOPE#localProfilePath=$js" "$out"
	# speedscope logs its progress at INFO level; an error or warning, or
	# an uncaught exception, is a failure
	if grep 'CONSOLE' "$out.log" | grep -q ':ERROR:\|:WARNING:\|Uncaught\|rror'; then
		fail "speedscope reported an error on $1: $(grep CONSOLE "$out.log" | grep ':ERROR:\|:WARNING:\|Uncaught\|rror' | head -1 | cut -c1-300)"
	fi
	grep -q '"Importing as speedscope json file"' "$out.log" ||
		fail "speedscope did not take $1 for its own JSON format: $(grep CONSOLE "$out.log" | tail -1 | cut -c1-200)"
	# once a profile is imported speedscope names the page after it
	want=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["name"])' "$1")
	grep -qF "<title>$want - speedscope</title>" "$out" ||
		fail "speedscope did not open $1: title $(grep -o '<title>[^<]*' "$out" | head -1)"
	SPEEDSCOPE_DOM=$out
}
