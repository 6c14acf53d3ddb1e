#!/bin/sh
# `make demo`: trace the partition demo with two planted failures (threads
# never joined, timers never stopped), so the report shows both passing and
# failing checklist items; then ingest, print the checklist, write the
# report and print its path.
#   sh examples/demo.sh BUILD_DIR OUT_DIR
B=${1:-build}
OUT=${2:-$B/demo}
set -e
mkdir -p "$OUT"
rm -f "$OUT"/partition*.mlt "$OUT/partition.db" "$OUT/partition.html"
echo "== memledger run -- partition_demo --seconds 2 --no-join --leak-timers"
"$B/memledger" run -o "$OUT/partition.mlt" -- "$B/examples/partition_demo" --seconds 2 --no-join --leak-timers
echo "== memledger ingest"
"$B/memledger" ingest -o "$OUT/partition.db" "$OUT"/partition*.mlt
echo "== memledger check (two items fail on purpose)"
"$B/memledger" check "$OUT/partition.db" || true
echo "== memledger report"
"$B/memledger" report -o "$OUT/partition.html" "$OUT/partition.db" >/dev/null
echo
echo "report: $(cd "$OUT" && pwd)/partition.html"

# The Go variant, when go is installed: the guide's partition example as a
# real Go program (tests/go/partition, built by `make go-programs`), in its
# leaky form, traced through the go/memledger package and gctrace.
if [ -x "$B/go/partition" ]; then
	rm -f "$OUT/partition-go.mlt" "$OUT/partition-go.db" "$OUT/partition-go.html"
	echo
	echo "== memledger run -- partition leaky   (Go)"
	"$B/memledger" run -o "$OUT/partition-go.mlt" -- "$B/go/partition" leaky
	"$B/memledger" ingest -o "$OUT/partition-go.db" "$OUT/partition-go.mlt"
	echo "== memledger check (the leaky Go variant fails on purpose)"
	"$B/memledger" check "$OUT/partition-go.db" || true
	"$B/memledger" report -o "$OUT/partition-go.html" "$OUT/partition-go.db" >/dev/null
	echo
	echo "Go report: $(cd "$OUT" && pwd)/partition-go.html"
fi
