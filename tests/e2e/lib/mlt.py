"""mlt.py - take memledger traces apart for the e2e tests (t0210, t0211).

    python3 mlt.py COMMAND ARGS...

    sync-points TRACE        offsets just after each Z_SYNC_FLUSH marker
                             (00 00 ff ff) of the deflate stream, one a line
    count TRACE              inflate TRACE (a cut one too) and print the
                             events and snapshot records in its whole frames:
                             "EVENTS SNAPSHOTS FRAMES END" (END: 1 if an END
                             record is among them)
    bad-block TRACE OUT      TRACE with an invalid deflate block type right
                             after the sync point in the middle of the file
    bad-events TRACE OUT     TRACE's frames with a malformed EVENTS frame put
                             in the middle, compressed again (valid zlib)
    bad-meta TRACE OUT       the same with a malformed META record
    flip TRACE K N OUT       TRACE with 4 bytes inverted at the K-th of N points
                             spread over its compressed data
    stacks TRACE             "RECORDS DISTINCT": the stack records in TRACE's
                             whole frames, and how many different frame lists
                             they hold (equal unless a stack was interned twice)
    garbage OUT              4 KiB of fixed non-trace bytes
    version TRACE N OUT      TRACE with header version N

The frame and record layout is format/FORMAT.md's.
"""
import struct
import sys
import zlib

SYNC = b"\x00\x00\xff\xff"
HDR_LEN = 16


def varint(b, p):
    v = shift = 0
    while True:
        if p >= len(b):
            raise IndexError
        c = b[p]
        p += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return v, p


def put_varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def inflate(data):
    return zlib.decompressobj().decompress(data[HDR_LEN:])


def frames(payload):
    """Whole frames only: (tag, body, start offset)."""
    out, p = [], 0
    while p < len(payload):
        tag = payload[p]
        try:
            n, q = varint(payload, p + 1)
        except IndexError:
            break
        if q + n > len(payload):
            break
        out.append((tag, payload[q:q + n], p))
        p = q + n
    return out


def count_events(body):
    """Events in an EVENTS frame: walk its operations column (FORMAT.md);
    sizes and addresses live in the other two columns. TICK and MARK
    records are not events."""
    p = 0
    for _ in range(3):  # thread idx, base seq, base tick
        _, p = varint(body, p)
    n_ops, p = varint(body, p)
    _, p = varint(body, p)
    _, p = varint(body, p)
    ops = body[p:p + n_ops]
    p = n = 0
    while p < len(ops):
        h = ops[p]
        p += 1
        if h <= 0x7F or h >= 0xD0:  # own frees: near distance, or counted from the previous (v2)
            n += 1
            continue
        if h & 0xC0 == 0x80:
            if h & 0x3F == 63:
                _, p = varint(ops, p)
            n += 1
            continue
        if h in (0xC6, 0xC9):
            _, p = varint(ops, p)
            continue
        if h == 0xC4:
            d, p = varint(ops, p)
            if d == 0:
                _, p = varint(ops, p)
                _, p = varint(ops, p)
        if h in (0xC0, 0xC4, 0xC5):
            p += 1
            _, p = varint(ops, p)
        elif h == 0xC1:
            _, p = varint(ops, p)
        elif h == 0xC2:
            _, p = varint(ops, p)
            _, p = varint(ops, p)
        elif h != 0xC3:
            raise ValueError("unknown event 0x%02x" % h)
        n += 1
    return n


def meta_records(body):
    p, out = 0, []
    while p < len(body):
        t = body[p]
        n, p = varint(body, p + 1)
        out.append((t, body[p:p + n]))
        p += n
    return out


def meta_types(body):
    return [t for t, _ in meta_records(body)]


def deflate(payload):
    c = zlib.compressobj(1)
    return c.compress(payload) + c.flush(zlib.Z_FINISH)


def rewrap(data, payload):
    return data[:HDR_LEN] + deflate(payload)


def sync_points(data):
    out, i = [], data.find(SYNC, HDR_LEN + 2)
    while i >= 0:
        out.append(i + len(SYNC))
        i = data.find(SYNC, i + 1)
    return out


def inject(data, frame):
    """Put frame after the whole frame nearest the middle of the payload."""
    payload = inflate(data)
    fr = frames(payload)
    cut = fr[len(fr) // 2][2]
    return rewrap(data, payload[:cut] + frame + payload[cut:])


def main(argv):
    cmd = argv[1]
    if cmd == "garbage":
        open(argv[2], "wb").write(bytes((i * 131 + 7) & 0xFF for i in range(4096)))
        return 0
    data = open(argv[2], "rb").read()
    if cmd == "sync-points":
        for p in sync_points(data):
            print(p)
    elif cmd == "count":
        events = snaps = end = 0
        fr = frames(inflate(data))
        for tag, body, _ in fr:
            if tag == 2:
                events += count_events(body)
            elif tag == 1:
                types = meta_types(body)
                snaps += types.count(5)
                end |= 16 in types
        print(events, snaps, len(fr), end)
    elif cmd == "stacks":
        lists = []
        for tag, body, _ in frames(inflate(data)):
            if tag == 1:
                for t, rec in meta_records(body):
                    if t == 4:  # STACK: id, then the frames
                        _, p = varint(rec, 0)
                        lists.append(rec[p:])
        print(len(lists), len(set(lists)))
    elif cmd == "bad-block":
        pts = [p for p in sync_points(data) if p < len(data) - 8]
        if not pts:
            print("no sync point in %s" % argv[2], file=sys.stderr)
            return 1
        at = pts[len(pts) // 2]
        out = bytearray(data)
        out[at] = 0x07  # BFINAL=1, BTYPE=11: reserved, never valid
        open(argv[3], "wb").write(out)
    elif cmd == "bad-events":
        # thread 1, base seq 0: a free at distance 1 with no allocation
        # yet (operations column: 1 byte; sizes, addresses: empty)
        body = put_varint(1) + put_varint(0) + put_varint(0) + put_varint(1) + \
            put_varint(0) + put_varint(0) + b"\x00"
        open(argv[3], "wb").write(inject(data, b"\x02" + put_varint(len(body)) + body))
    elif cmd == "bad-meta":
        # a snapshot record whose kind (9) does not exist
        rec = bytes([5]) + put_varint(7) + bytes([1, 9, 0, 1, 1, 0, 0])
        open(argv[3], "wb").write(inject(data, b"\x01" + put_varint(len(rec)) + rec))
    elif cmd == "flip":
        k, n = int(argv[3]), int(argv[4])
        lo, hi = HDR_LEN + 2, len(data) - 8
        at = lo + (hi - lo) * k // n
        out = bytearray(data)
        for i in range(at, min(at + 4, len(out))):
            out[i] ^= 0xFF
        open(argv[5], "wb").write(out)
    elif cmd == "version":
        out = data[:8] + struct.pack("<I", int(argv[3])) + data[12:]
        open(argv[4], "wb").write(out)
    else:
        print("unknown command " + cmd, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
