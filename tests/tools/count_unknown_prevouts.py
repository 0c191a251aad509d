# Counts, independently of chaintrail, the non-coinbase inputs of a blk file and those
# whose previous transaction is not in the file (what an ingest that starts at the file's
# first block must store as "prevout unknown"). Usage: python3 count_unknown_prevouts.py BLK
import hashlib, struct, sys

def varint(b, o):
    x = b[o]
    if x < 0xfd: return x, o + 1
    if x == 0xfd: return struct.unpack_from('<H', b, o + 1)[0], o + 3
    return struct.unpack_from('<I', b, o + 1)[0], o + 5

d = open(sys.argv[1], 'rb').read()
seen, unknown, inputs, o = set(), 0, 0, 0
while o < len(d):
    size = struct.unpack_from('<I', d, o + 4)[0]
    b = d[o + 8:o + 8 + size]
    o += 8 + size
    p = 80
    n, p = varint(b, p)
    for t in range(n):
        start = p
        p += 4
        n_in, p = varint(b, p)
        prevs = []
        for i in range(n_in):
            prevs.append(b[p:p + 32])
            p += 36
            l, p = varint(b, p)
            p += l + 4
        n_out, p = varint(b, p)
        for j in range(n_out):
            p += 8
            l, p = varint(b, p)
            p += l
        p += 4
        if t > 0:
            inputs += len(prevs)
            unknown += sum(1 for prev in prevs if prev not in seen)
        seen.add(hashlib.sha256(hashlib.sha256(b[start:p]).digest()).digest())
print("non-coinbase inputs", inputs, "unknown prevouts", unknown)
