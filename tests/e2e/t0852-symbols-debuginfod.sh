#!/bin/sh
# Symbols from a real debuginfod server. Debian's debuginfod serves a
# folder holding only the debug file of the stripped, traced program, on
# 127.0.0.1 (in a network namespace of its own when the test may make one,
# so nothing else can reach it and no port is shared). With DEBUGINFOD_URLS
# pointing at it, ingest names every frame as with --debug-dir, from
# libdebuginfod's cache, and asks only for the module it needs; without
# DEBUGINFOD_URLS it asks nothing.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"
. "$(dirname "$0")/lib/symbols.sh"

command -v debuginfod >/dev/null || skip "debuginfod is not installed (make deps)"
command -v debuginfod-find >/dev/null || skip "debuginfod-find is not installed (make deps)"

sym_prepare "$WORK/bin"
mkdir -p "$WORK/served" "$WORK/dd"
cp "$WORK/prog.debug" "$WORK/served/"
mv "$WORK/prog.debug" "$WORK/dd/"
trace p "$WORK/bin/prog"
[ "$RC" -eq 0 ] || fail "memledger run exited $RC"
cp "$WORK/p.mlt" "$WORK/dd.mlt"
"$ML" ingest -q --debug-dir "$WORK/dd" -o "$WORK/dd.db" "$WORK/dd.mlt" || fail "ingest --debug-dir failed"

# Everything that talks to the server runs in this script, in the new
# network namespace when there is one.
cat >"$WORK/served.sh" <<EOS
set -u
if [ "\$1" = netns ]; then
	ip link set lo up || exit 3
	port=8002
else
	port=\$((20000 + \$\$ % 20000))
fi
debuginfod -F -p \$port -d "$WORK/dfd.sqlite" -t 0 -g 0 --disable-source-scan "$WORK/served" \
	>"$WORK/dfd.log" 2>&1 &
dpid=\$!
trap 'kill \$dpid 2>/dev/null; wait \$dpid 2>/dev/null' EXIT
export DEBUGINFOD_URLS=http://127.0.0.1:\$port
# ready when it serves the file; a fresh cache each try (misses are cached)
i=0
until rm -rf "$WORK/probe" && DEBUGINFOD_CACHE_PATH="$WORK/probe" debuginfod-find debuginfo $BID \
	>/dev/null 2>&1; do
	i=\$((i + 1))
	[ \$i -lt 200 ] || { echo "debuginfod did not serve the file: \$(tail -3 "$WORK/dfd.log")"; exit 4; }
	kill -0 \$dpid 2>/dev/null || { echo "debuginfod stopped: \$(tail -3 "$WORK/dfd.log")"; exit 4; }
	sleep 0.1
done
export DEBUGINFOD_CACHE_PATH="$WORK/cache"
"$ML" ingest -q -o "$WORK/remote.db" "$WORK/remote.mlt" || exit 5
cp "$WORK/none.db" "$WORK/later.db"
"$ML" symbolize -q "$WORK/later.db" || exit 6
EOS
cp "$WORK/p.mlt" "$WORK/remote.mlt"
cp "$WORK/p.mlt" "$WORK/none.mlt"
load none
prog_symbols none
[ "$V" = "exports/binary" ] || fail "stripped, no debuginfod: status $V, want exports/binary"

if command -v ip >/dev/null && unshare -n true 2>/dev/null; then
	unshare -n sh "$WORK/served.sh" netns >"$WORK/served.out" 2>&1
else
	sh "$WORK/served.sh" host >"$WORK/served.out" 2>&1
fi
rc=$?
[ $rc -eq 0 ] || fail "with debuginfod (exit $rc): $(tail -3 "$WORK/served.out")"

prog_symbols remote
[ "$V" = "full/debuginfod" ] || fail "DEBUGINFOD_URLS: status $V, want full/debuginfod"
expect remote "SELECT symbols_file FROM modules WHERE path LIKE '%/prog'" "$WORK/cache/$BID/debuginfo" \
	"the file from libdebuginfod's cache"
sym_same dd remote "debuginfod and --debug-dir"
sym_same dd later "symbolize with debuginfod and ingest --debug-dir"
# only prog's debug file was asked for: the rest is on this machine or not needed
asked=$(grep -c 'GET /buildid/' "$WORK/dfd.log")
other=$(grep 'GET /buildid/' "$WORK/dfd.log" | grep -vc "/buildid/$BID/")
[ "$other" -eq 0 ] || fail "asked debuginfod for other modules: $(grep 'GET /buildid/' "$WORK/dfd.log" | grep -v "$BID" | head -3)"
[ "$asked" -ge 1 ] || fail "debuginfod was never asked"
exit 0
