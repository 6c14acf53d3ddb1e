# Shared by common.sh and report.sh, which source it first. Sourced, not
# run. Sets ROOT (the repository, and the current folder from here on),
# MLBIN (the memledger command: $MEMLEDGER, else the sanitizer build when
# it exists, so ingest, query and report run under ASan and UBSan, else the
# plain build) and PY (Debian's python3), and defines:
#   fail REASON        one line on stdout, exit 1
#   skip REASON        exit 77 ("skipped")
#   need_chrome        set CHROME to the Chromium command, or skip

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1

if [ -n "$MEMLEDGER" ]; then
	MLBIN=$MEMLEDGER
elif [ -x build/san/memledger ]; then
	MLBIN=build/san/memledger
else
	MLBIN=build/memledger
fi
# Debian's python3 has the python3-* packages (html5lib), whatever else is on PATH.
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi

fail() {
	echo "FAIL: $(basename "$0"): $*"
	exit 1
}

skip() {
	echo "SKIP: $(basename "$0"): $*"
	exit 77
}

need_chrome() {
	CHROME=
	for c in chromium chromium-browser; do
		command -v "$c" >/dev/null 2>&1 && CHROME=$c && break
	done
	[ -n "$CHROME" ] || skip "chromium is not installed (make deps installs it)"
}
