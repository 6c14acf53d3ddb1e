#!/bin/sh
# Rebuild the Go seeds of the corpus (tests/fuzz/corpus/go-*) for
# tests/fuzz/fuzz_go.c from the saved inputs in tests/go/data and a Go
# run trace of tests/go/service:
#
#   make all test-programs && sh tests/fuzz/make_go_corpus.sh
#
# Each file is one mode byte (fuzz_go.c: 0 sniff, 1 JSON, 2 gctrace,
# 3 pprof, 4 goroutine dump, 5 run trace) followed by the input.
set -e
cd "$(dirname "$0")/../.."
D=tests/go/data
OUT=tests/fuzz/corpus
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ml-gocorpus.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
if [ -x build/go/service ]; then
	port=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	build/memledger run -o "$TMP/svc.mlt" --go-endpoint "http://127.0.0.1:$port" --interval 50 \
		-- build/go/service "$port" 2>/dev/null &
	sleep 1
	kill -TERM $! 2>/dev/null || true
	wait $! || true
fi
rm -f "$OUT"/go-*
$PY - "$D" "$OUT" "$TMP/svc.mlt" <<'PY'
import gzip, os, sys
d, out, svc = sys.argv[1:4]
def put(name, mode, data):
    open(os.path.join(out, "go-" + name), "wb").write(bytes([mode]) + data)
rd = lambda n: open(os.path.join(d, n), "rb").read()
js, gc, mixed, pp, gr = rd("memstats.jsonl"), rd("gctrace.log"), rd("gctrace-mixed.log"), rd("heap.pprof"), rd("goroutines.txt")
put("json", 1, js)
put("json-sniff", 0, js)
put("json-cut", 1, js[: len(js) - 100])
put("json-pretty", 1, b'{\n"cmdline": ["x"],\n"memstats": ' + js.split(b'"memstats":', 1)[1].split(b"\n")[0][:-1] + b"\n}\n")
put("gctrace", 2, mixed)
put("gctrace-sniff", 0, gc)
put("gctrace-cut", 2, mixed[:-40])
put("gctrace-old", 2, b"gc 1 @0.012s 3%: 0.018+1.2+0.025 ms clock, 0.073+0.31/1.1/0.52+0.10 ms cpu, 4->4->1 MB, 4 MB goal, 4 P\n")
put("pprof", 3, pp)
put("pprof-raw", 3, gzip.decompress(pp))
put("pprof-cut", 3, pp[: len(pp) // 2])
put("goroutines", 4, gr)
put("goroutines-sniff", 0, gr)
put("goroutines-panic", 2, b"panic: boom\n\n" + gr.replace(b"goroutine 1 [running]", b"goroutine 1 [running, locked to thread]") + b"exit status 2\n")
put("goroutines-cut", 4, gr[: len(gr) * 2 // 3])
if os.path.exists(svc) and os.path.getsize(svc) < 200000:
    b = open(svc, "rb").read()
    put("bundle", 5, b)
    put("bundle-cut", 5, b[: len(b) * 2 // 3])
PY
ls -la "$OUT"/go-* | awk '{ s += $5 } END { print NR " Go seeds, " s " bytes" }'
