#!/bin/sh
# Rebuild the seed corpus of the fuzz target tests/fuzz/fuzz_decode.c.
#
#   make all test-programs && sh tests/fuzz/make_corpus.sh
#
# Every corpus file starts with the mode byte fuzz_decode.c reads:
#   0x00  raw: the rest is a trace file exactly as written
#   0x01  payload: the rest is a decompressed frame stream; the target adds
#         the header and deflates it (Z_FINISH)
#   0x02  payload, sync-flushed but never finished (a truncated trace)
#
# Files:
#   raw-PROG       0x00 + the .mlt that `memledger run` wrote for PROG
#   payload-PROG   0x01 + the same trace inflated (header stripped)
#   cut-PROG       0x02 + the same frames: the truncated-trace path
#   hand-*         hand-made edge cases (the Python below says what each is)
#   bug-*          reproducers of crashes found by fuzzing or reported (see
#                  the list at the end); they are kept so `make test`
#                  replays them.
# Traces name real modules (the test program, libc, ...), so replaying the
# corpus also exercises symbolization. Total size stays well under 1 MB.
set -e
cd "$(dirname "$0")/../.."
ML=build/memledger
PROGS=build/programs
OUT=tests/fuzz/corpus
[ -x "$ML" ] && [ -x "$PROGS/counts" ] || { echo "build first: make all test-programs" >&2; exit 1; }
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ml-corpus.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
mkdir -p "$OUT"
rm -f "$OUT"/raw-* "$OUT"/payload-* "$OUT"/cut-* "$OUT"/hand-* "$OUT"/bug-*

# Real traces: counts (every allocator), threads (foreign frees, thread
# records), fork + exec (inherited blocks, exec end, a second image), a
# crash (signal end), leak classes (scan and leak records), descriptors
# and POSIX timers, C++.
for p in counts thread_states clean_mt forkexec crash leak_classes \
         plant_channels_closed plant_timers_posix sym_cxx; do
	"$ML" run -o "$TMP/$p.mlt" -- "$PROGS/$p" >/dev/null 2>&1 || true
done

"$PY" - "$TMP" "$OUT" <<'EOF'
import glob, os, re, struct, sys, zlib

sys.path.insert(0, "tests/e2e/lib")
from mlt import inflate, put_varint

tmp, out = sys.argv[1], sys.argv[2]

def put(name, mode, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([mode]) + data)

# ---- real traces: raw, payload, and payload cut short
CUT = {"counts", "thread_states", "forkexec-child", "crash"}
for path in sorted(glob.glob(os.path.join(tmp, "*.mlt"))):
    base = os.path.basename(path)[:-4]
    m = re.match(r"(\w+)\.(\d+)(\.1)?$", base)
    if m:  # forkexec's forked child, then the image it exec'd
        base = m.group(1) + ("-exec" if m.group(3) else "-child")
    elif base == "forkexec":
        base = "forkexec-parent"
    data = open(path, "rb").read()
    payload = inflate(data)
    put("raw-" + base, 0, data)
    put("payload-" + base, 1, payload)
    if base in CUT:
        put("cut-" + base, 2, payload)

# ---- an encoder for hand-made traces (FORMAT: format/trace.h)
def v(n):
    return put_varint(n & ((1 << 64) - 1))

def zz(n):
    return ((n << 1) ^ (n >> 63)) & ((1 << 64) - 1)

def s(x):
    x = x.encode() if isinstance(x, str) else x
    return v(len(x)) + x

def rec(t, body):
    return bytes([t]) + v(len(body)) + body

def frame(tag, payload):
    return bytes([tag]) + v(len(payload)) + payload

def meta(*recs):
    return frame(1, b"".join(recs))

class E:
    """Event records as FORMAT.md's three columns: operations, sizes,
    addresses. E + E appends column by column."""
    def __init__(self, ops=b"", sz=b"", ad=b""):
        self.ops, self.sz, self.ad = ops, sz, ad
    def __add__(self, o):
        return E(self.ops + o.ops, self.sz + o.sz, self.ad + o.ad)
    def __mul__(self, n):
        return E(self.ops * n, self.sz * n, self.ad * n)

def op(*parts):
    return E(ops=b"".join(parts))

def tail(size, delta):
    # version 2: values below 8 name the list of freed addresses
    return E(sz=v(size), ad=v(zz(delta) + 8))

def events(idx, seq, tick, e):
    return frame(2, v(idx) + v(seq) + v(tick) + v(len(e.ops)) + v(len(e.sz)) + v(len(e.ad)) +
                 e.ops + e.sz + e.ad)

TSC0 = 1000000
def proc(pid=4242, ppid=1):
    return rec(1, s("memledger 1.0") + v(pid) + v(ppid) + v(TSC0) + v(5) +
               v(1700000000000000000) + v(14) + v(20000000) + v(64) + v(0) +
               s("/bin/true") + s(b"true\0--flag\0"))

def module(idx, path, lo, hi, bid=b""):
    return rec(2, v(idx) + v(0) + v(lo) + v(hi) + v(TSC0) + s(path) + s(bid))

def stack(i, ips):
    b, prev = v(i) + v(len(ips)), 0
    for ip in ips:
        b += v(zz(ip - prev))
        prev = ip
    return rec(4, b)

def snap(seq, kind, tsc, ns, label, nf=16):
    return rec(5, v(seq) + v(kind) + v(0) + v(tsc) + v(ns) + s(label) + v(nf) +
               b"".join(v(i * 100) for i in range(nf)))

def thread_start(tid, creator, stack_id):
    return rec(6, v(tid) + v(creator) + v(TSC0 + 10) + v(0x401234) + v(stack_id) + v(1 << 20) + v(0))

def tidx(idx, tid):
    return rec(10, v(idx) + v(tid))

def end(reason=0, code=0):
    return rec(16, v(reason) + v(zz(code)) + v(TSC0 + 900000) + v(500000))

HDR = b"\x89MLT\r\n\x1a\n" + struct.pack("<II", 2, 0)
def wrap(payload, finish=True):
    c = zlib.compressobj(1)
    return HDR + c.compress(payload) + c.flush(zlib.Z_FINISH if finish else zlib.Z_SYNC_FLUSH)

def malloc_explicit(stack_id, size, delta):
    return op(bytes([0x80 | 63]), v(stack_id)) + tail(size, delta)

def hit(delta):
    """The address of an allocation whose slot code is even (2 * slot): it
    repeats the size its stack's entry holds, so no size (version 3)."""
    return E(ad=v(zz(delta) + 8))

def malloc_slot(code, delta):
    return op(bytes([0x80 | code])) + hit(delta)

START = meta(proc(), module(1, "/bin/true", 0x400000, 0x500000),
             stack(1, [0x401000, 0x401100]), stack(2, [0x402000]), stack(3, [0x403000, 0x401100, 0x401200]),
             snap(1, 0, TSC0 + 1, 1, "start"), tidx(1, 4242))
FINISH = meta(snap(2, 3, TSC0 + 800000, 400000, "exit"), end())

# every event type of one thread
EV = (op(bytes([0xc6]), v(3)) +                                     # tick
      malloc_explicit(1, 16, 0x10000) +                              # seq 1
      malloc_slot(0, 64) +                                           # seq 2, MTF slot 0: (1, 16)
      op(bytes([0xc0, 1]), v(63 + 2)) + tail(7, 64) +                # calloc, explicit stack 2: seq 3
      op(bytes([0xc0, 4]), v(2)) + hit(-4096) +                      # memalign, code 2 = slot 1 (1, 16): seq 4
      op(bytes([0x00])) +                                            # free seq 4 (distance 1)
      op(bytes([0xc1]), v(3)) +                                      # free far: seq 2
      op(bytes([0xc4]), v(4), bytes([2]), v(0)) + hit(128) +         # realloc seq 1 (distance 4) -> seq 5
      op(bytes([0xc5, 2]), v(63 + 3)) + E(ad=v(0xdead0)) + tail(8, 8) +  # realloc unknown: seq 6
      op(bytes([0xc3])) + E(ad=v(0xbeef0)) +                         # free unknown
      op(bytes([0xc9]), v(500)) +                                    # mark
      op(bytes([0xc6]), v(100)) +
      op(bytes([0xc0, 9]), v(1)) + tail(24, 24))                     # inherited, code 1 = slot 0, new size: seq 7

hand = {}
hand["hand-pl-every-event"] = (1, START + events(1, 0, 0, EV) + FINISH)
hand["hand-cut-every-event"] = (2, START + events(1, 0, 0, EV) + FINISH)
hand["hand-pl-every-meta"] = (1, START + meta(
    rec(3, v(1) + v(TSC0 + 5)),                                       # module gone
    thread_start(4243, 4242, 1), tidx(2, 4243),
    rec(7, v(4243) + v(TSC0 + 50)),                                   # thread exit
    rec(8, v(4243) + v(4242) + v(TSC0 + 60)),                         # join
    thread_start(4244, 4242, 2), rec(9, v(4244) + v(4242) + v(TSC0 + 61)),  # detach
    rec(11, v(0) + v(5) + v(TSC0 + 70) + v(4242) + v(1) + v(0)),      # pipe open
    rec(11, v(4) + v(0x55) + v(TSC0 + 71) + v(4242) + v(2) + v(8)),   # posix timer open
    rec(12, v(0) + v(5) + v(TSC0 + 72) + v(4242)),                    # pipe close
    rec(13, b""), rec(14, v(4250) + v(TSC0 + 80)),                    # trim, fork
    rec(19, v(TSC0 + 85)), rec(20, v(TSC0 + 86)),                     # freeres, exit begin
    rec(99, b"future record type, skipped by length")) +
    events(1, 0, 0, malloc_explicit(1, 10, 0x1000) + malloc_slot(0, 32)) +
    events(2, 0, 2, malloc_explicit(2, 30, 0x9000) + op(bytes([0xc2]), v(1), v(1))) +
    meta(snap(2, 3, TSC0 + 800000, 400000, "exit"),
         rec(17, v(2) + v(2) + v(1) + v(30) + v(0) + v(0) + v(1) + v(20) + v(5) + v(64)),  # scan
         rec(18, v(2) + v(2) + v(1) + v(2) + bytes([1]) + v(2) + v(1) + bytes([2])),       # leaks
         end()))
# a free met before its allocation: thread 2's frame first
hand["hand-pl-foreign-early"] = (1, START + meta(tidx(2, 4243)) +
    events(2, 0, 0, op(bytes([0xc2]), v(1), v(2), bytes([0xc2]), v(1), v(9))) +
    events(1, 0, 0, malloc_explicit(1, 10, 0x1000) + malloc_slot(0, 32)) + FINISH)
# fill the move-to-front list (31 slots) and use its last slot (code 60)
mtf = E()
for i in range(70):
    mtf = mtf + malloc_explicit(100 + i, 8, 16)
mtf = mtf + malloc_slot(60, 16)
hand["hand-pl-mtf-full"] = (1, START + meta(*[stack(100 + i, [0x401000 + i]) for i in range(70)]) +
                            events(1, 0, 0, mtf) + FINISH)
# version 2: frees counted from the previous own free, and allocations
# taking the address of a block freed just before
hand["hand-pl-free-seq-ring"] = (1, START + events(1, 0, 0,
    malloc_explicit(1, 16, 0x1000) + malloc_slot(0, 32) + malloc_slot(0, 32) +
    op(bytes([0xc1]), v(3)) + op(bytes([0xe1])) +                    # free seq 1, then seq 2
    op(bytes([0x80])) + E(ad=v(0)) +                                 # seq 4 takes seq 2's address
    op(bytes([0x80])) + E(ad=v(0)) +                                 # seq 5 takes seq 1's address
    op(bytes([0xe1]))) + FINISH)                                     # previous (2) + 1: seq 3
hand["hand-pl-signal"] = (1, START + meta(snap(2, 3, TSC0 + 5, 3, "exit"), end(1, 11)))
hand["hand-pl-exec"] = (1, START + meta(rec(15, v(TSC0 + 7) + s("/bin/sh"))))
hand["hand-pl-proc-only"] = (1, meta(proc()))
hand["hand-pl-empty"] = (1, b"")
# malformed payloads: each must be rejected cleanly
hand["hand-pl-bad-slot"] = (1, START + events(1, 0, 0, malloc_slot(5, 16)) + FINISH)
hand["hand-pl-far-past-seq"] = (1, START + events(1, 3, 0, malloc_explicit(1, 8, 8) + op(bytes([0xc1]), v(9))) + FINISH)
hand["hand-pl-unknown-event"] = (1, START + events(1, 0, 0, op(bytes([0xca]))) + FINISH)
hand["hand-pl-column-left-over"] = (1, START + events(1, 0, 0, malloc_explicit(1, 8, 16) + E(sz=v(9))) + FINISH)
hand["hand-pl-unknown-frame"] = (1, START + frame(7, b"xyz") + FINISH)
hand["hand-pl-huge-frame"] = (1, START + bytes([2]) + v(1 << 30) + b"\0" * 16)
hand["hand-pl-meta-before-proc"] = (1, meta(snap(1, 0, 1, 1, "start"), proc()) + FINISH)
hand["hand-pl-bad-varint"] = (1, START + meta(rec(5, b"\xff" * 11)) + FINISH)
hand["hand-pl-record-past-frame"] = (1, START + frame(1, bytes([5]) + v(200) + b"abc"))
hand["hand-pl-tick-overflow"] = (1, START + events(1, 0, 1 << 62, op(bytes([0xc6]), v(1 << 62))) + FINISH)
hand["hand-pl-thread-idx-high"] = (1, START + events(1 << 24, 0, 0, malloc_explicit(1, 8, 8)) +
                                   events(0, 0, 0, malloc_explicit(1, 8, 8)) + FINISH)
hand["hand-pl-stack-4097"] = (1, START + meta(rec(4, v(9) + v(4097) + b"\x02" * 4097)) + FINISH)

good = START + events(1, 0, 0, EV) + FINISH
hand["hand-raw-good"] = (0, wrap(good))
hand["hand-raw-empty"] = (0, b"")
hand["hand-raw-magic-cut"] = (0, HDR[:5])
hand["hand-raw-header-cut"] = (0, HDR[:12])
hand["hand-raw-header-only"] = (0, HDR)
hand["hand-raw-bad-magic"] = (0, b"\x89MLX" + wrap(good)[4:])
hand["hand-raw-version-1"] = (0, HDR[:8] + struct.pack("<II", 1, 0) + wrap(good)[16:])
hand["hand-raw-version-3"] = (0, HDR[:8] + struct.pack("<II", 3, 0) + wrap(good)[16:])
hand["hand-raw-trailing"] = (0, wrap(good) + b"TRAILING")
hand["hand-raw-cut-deflate"] = (0, wrap(good)[:len(wrap(good)) * 2 // 3])
w = bytearray(wrap(good))
for i in range(30, 40):
    w[i] ^= 0x5a
hand["hand-raw-corrupt-deflate"] = (0, bytes(w))
hand["hand-raw-not-zlib"] = (0, HDR + bytes(range(256)))

for name, (mode, data) in hand.items():
    put(name, mode, data)

# ---- reproducers of bugs found by fuzzing (bug-*)
# bug-keyzero-late: a foreign free naming thread 0, seq 2^40 makes the
# pairing key TM_KEY(0, 2^40) == 0, which u64map cannot hold (0 marks an
# empty slot); after 2^17 allocations pushed rows out of the window,
# u64map_del(late_idx, 0) "finds" an empty slot and do_free()
# (ingest/events.c) indexes p->late with its uninitialised value: SIGSEGV.
N = (1 << 17) + 8
ev = malloc_explicit(1, 16, 0x10000) + malloc_slot(0, 32) * (N - 1) + op(bytes([0xc2]), v(0), v(1 << 40))
put("bug-keyzero-late", 0, wrap(START + events(1, 0, 0, ev) + FINISH))

# bug-size-sum-overflow: two mallocs of 2^62 bytes from one site; the
# site's live byte count (int64_t, ingest/events.c do_alloc) overflows:
# signed overflow, UB (the sanitizer build aborts).
ev = malloc_explicit(1, 1 << 62, 0x1000) + malloc_slot(0, 0x1000)
put("bug-size-sum-overflow", 1, START + events(1, 0, 0, ev) + FINISH)

# bug-tsc-ns-overflow: tick_shift 0 and a user snapshot at tsc0+1 with
# ns = 2^62 make the calibration slope 2^62 ns per cycle; an event at
# tsc0+2 maps to 2^62 + 2^62 ns in tm_tsc_ns() (ingest/meta.c): signed
# overflow, UB.
def proc_shift(shift):
    return rec(1, s("memledger 1.0") + v(4242) + v(1) + v(TSC0) + v(5) + v(1700000000000000000) +
               v(shift) + v(20000000) + v(64) + v(0) + s("/bin/true") + s(b"true\0"))
ev = op(bytes([0xc6]), v(2)) + malloc_explicit(1, 16, 0x1000)
put("bug-tsc-ns-overflow", 1, meta(proc_shift(0), stack(1, [0x401000]), tidx(1, 4242),
                                     snap(1, 2, TSC0 + 1, 1 << 62, "USER")) +
    events(1, 0, 0, ev) + meta(end()))

# bug-tsc-float-cast: the same slope and an event 2^14 cycles later: the
# double in tm_tsc_ns() is about 7.6e22, outside int64_t: a float-cast
# overflow (UB; clang's -fsanitize=undefined reports it, gcc's does not
# check float casts by default, so only `make fuzz` sees this one).
ev = op(bytes([0xc6]), v(1)) + malloc_explicit(1, 16, 0x1000)
put("bug-tsc-float-cast", 1, meta(proc(), stack(1, [0x401000]), tidx(1, 4242),
                                    snap(1, 2, TSC0 + 1, 1 << 62, "USER")) +
    events(1, 0, 0, ev) + meta(end()))

# bug-stats-negative-rate (issue 9): TotalAlloc falls from one snapshot to
# the next, so `stats` computed a negative allocation rate and converted
# it to uint64_t (format/memstats.c, AllocRate): a float-cast overflow, UB.
# Its second label holds ESC, which stats must escape.
def snapv(seq, kind, tsc, ns, label, vals):
    return rec(5, v(seq) + v(kind) + v(0) + v(tsc) + v(ns) + s(label) + v(len(vals)) +
               b"".join(v(x) for x in vals))
hi = [5, 1, 1 << 40, 0, 0, 0, 10, 100, 4096, 0, 1, 0, 0, 0, 0, 0]
lo = [1, 9, 10, 20, 0, 0, 5, 10, 4096, 0, 1, 0, 0, 0, 0, 0]
put("bug-stats-negative-rate", 1, meta(proc(), snapv(1, 0, TSC0 + 1, 1, "start", hi),
                                        snapv(2, 2, TSC0 + 2, 1000000, "\x1b[31mRED", lo),
                                        snapv(3, 3, TSC0 + 3, 1 << 62, "exit", hi)) + meta(end()))

# bug-stats-huge-fraction: 2^63 ns inside the allocator against 1 ns of
# CPU time: the GCCPUFraction percentage overflowed its conversion to
# uint64_t in the same formatter.
huge = [5, 1, 1000, 0, 0, 0, 1 << 63, 1, 4096, 0, 1, 0, 0, 0, 0, 0]
put("bug-stats-huge-fraction", 1, meta(proc(), snapv(1, 0, TSC0 + 1, 1, "start", huge)) + meta(end()))

# bug-baseline-alloc-overflow (found by the 1M-execution run): a first
# snapshot whose freed bytes exceed the bytes allocated gives an Alloc
# near -2^63; the last one's Alloc is 2^40. baseline_returned
# (ingest/checklist.c) subtracted them in int64_t: signed overflow, UB.
first = [5, 1, 0, (1 << 63) - 5000, 0, 0, 10, 100, 4096, 0, 1, 0, 0, 0, 0, 0]
last = [5, 1, 1 << 40, 0, 0, 0, 10, 100, 4096, 0, 1, 0, 0, 0, 0, 0]
put("bug-baseline-alloc-overflow", 1, meta(proc(), snapv(1, 0, TSC0 + 1, 1, "start", first),
                                            snapv(2, 2, TSC0 + 2, 2, "FIRST", first),
                                            snapv(3, 2, TSC0 + 3, 3, "LAST", last),
                                            snapv(4, 3, TSC0 + 4, 4, "exit", last)) + meta(end()))
EOF
du -sh "$OUT"
ls "$OUT" | wc -l
