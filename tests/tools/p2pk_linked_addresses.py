# Computes the P2PKH addresses of both serializations of the P2PK keys paid at heights 9 and
# 170, independently of chaintrail (hashlib + a plain Base58Check), to give tests their
# expected values. Usage: python3 tests/tools/p2pk_linked_addresses.py BLKFILE
import hashlib, struct, sys
B58='123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
def b58check(payload):
    data = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    n = int.from_bytes(data, 'big'); s = ''
    while n: n, r = divmod(n, 58); s = B58[r] + s
    return '1' * (len(data) - len(data.lstrip(b'\0'))) + s
def p2pkh(key): return b58check(b'\0' + hashlib.new('ripemd160', hashlib.sha256(key).digest()).digest())
def other(key):
    if key[0] == 4: return bytes([2 + (key[64] & 1)]) + key[1:33]
    raise SystemExit('compressed input not handled')
def varint(d, o):
    b = d[o]
    if b < 0xfd: return b, o+1
    if b == 0xfd: return struct.unpack_from('<H', d, o+1)[0], o+3
    if b == 0xfe: return struct.unpack_from('<I', d, o+1)[0], o+5
    return struct.unpack_from('<Q', d, o+1)[0], o+9
d = open(sys.argv[1], 'rb').read(); o = 0; h = 0
want = {9: 0, 170: 1}
while o < len(d):
    size = struct.unpack_from('<I', d, o+4)[0]; blk = d[o+8:o+8+size]; o += 8 + size
    if h in want:
        p = 80; ntx, p = varint(blk, p)
        for t in range(ntx):
            start = p; p += 4; nin, p = varint(blk, p)
            for i in range(nin):
                p += 36; l, p = varint(blk, p); p += l + 4
            nout, p = varint(blk, p)
            for j in range(nout):
                v = struct.unpack_from('<Q', blk, p)[0]; p += 8; l, p = varint(blk, p); s = blk[p:p+l]; p += l
                if t == want[h]:
                    key = s[1:1+s[0]]
                    print(h, t, j, v, p2pkh(key), p2pkh(other(key)))
            p += 4
    h += 1
    if h > 170: break
