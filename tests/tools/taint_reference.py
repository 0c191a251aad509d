# A deliberately plain reference of the UTXO taint rules of taint-models.md, written
# independently of engine/utxo/trace.c, to compute the expected figures of tests/test_trace.c.
# Transactions are given in chain order; outputs are (owner, value); inputs are (txname, vout).
# Stops: an owner in `labels` (category) from hop 1 on, unspent, hop limit; no dust threshold.
# Backward (--backward): the same models over spends in reverse (docs/taint-models.md,
# "Backward"); stops: label, coinbase, unknown previous output, hop limit.
# Paths (--paths): per endpoint, the transactions through which taint reached it.
from collections import defaultdict

def split(model, ins, outs, fee):
    """ins: list of (value, taint, intervals); outs: values. Returns (out taints, out
    intervals, fee taint)."""
    V = sum(v for v, _, _ in ins)
    T = sum(t for _, t, _ in ins)
    slots = list(outs) + [fee]
    if model == 'poison':
        return slots[:-1], [[(0, v)] for v in outs], fee
    if model == 'haircut':
        base = [T * v // V for v in slots]
        rem = [T * v % V for v in slots]
        r = T - sum(base)
        order = sorted(range(len(slots)), key=lambda j: (-rem[j], j))
        for j in order[:r]:
            base[j] += 1
        return base[:-1], None, base[-1]
    if model == 'tiho':
        res = [0] * len(outs)
        left = T
        for j in sorted(range(len(outs)), key=lambda j: (-outs[j], j)):
            res[j] = min(outs[j], left)
            left -= res[j]
        return res, None, left
    # fifo / lifo on explicit intervals
    line, pos = [], 0
    for v, _, iv in ins:
        line += [(pos + a, pos + b) for a, b in iv]
        pos += v
    if model == 'lifo':
        line = [(V - b, V - a) for a, b in line]
    taints, ivs, pos = [], [], 0
    for v in slots:
        cut = [(max(a, pos) - pos, min(b, pos + v) - pos) for a, b in line
               if max(a, pos) < min(b, pos + v)]
        taints.append(sum(b - a for a, b in cut))
        ivs.append(sorted(cut))
        pos += v
    return taints[:-1], ivs[:-1], taints[-1]

def split_back(model, outs, ins):
    """Backward: outs: list of (value, taint, intervals) of a transaction's outputs; ins: the
    values of its inputs. The input line is the inputs, then, if they are worth less than the
    outputs, a slot for the missing value. Returns (input taints, input intervals, taint of
    the missing slot)."""
    Vout = sum(v for v, _, _ in outs)
    T = sum(t for _, t, _ in outs)
    slots = list(ins) + [max(0, Vout - sum(ins))]
    L = sum(slots)
    if model == 'poison':
        return slots[:-1], None, slots[-1]
    if model == 'haircut':
        share = [T * v // L for v in slots]
        left = T - sum(share)
        for j in sorted(range(len(slots)), key=lambda j: (-(T * slots[j] % L), j))[:left]:
            share[j] += 1
        return share[:-1], None, share[-1]
    if model == 'tiho':
        got, left = [0] * len(ins), T
        for k in sorted(range(len(ins)), key=lambda k: (-ins[k], k)):
            got[k] = min(ins[k], left)
            left -= got[k]
        return got, None, left
    # fifo: the outputs' intervals at the same positions of the input line; lifo: mirrored
    marks, pos = [], 0
    for v, _, iv in outs:
        marks += [(pos + a, pos + b) for a, b in iv]
        pos += v
    if model == 'lifo':
        marks = [(L - b, L - a) for a, b in marks]
    taints, ivs, pos = [], [], 0
    for v in slots:
        part = sorted((max(a, pos) - pos, min(b, pos + v) - pos) for a, b in marks
                      if max(a, pos) < min(b, pos + v))
        taints.append(sum(b - a for a, b in part))
        ivs.append(part)
        pos += v
    return taints[:-1], ivs[:-1], taints[-1]

def closure(starts, parents):
    seen, todo = set(), list(starts)
    while todo:
        x = todo.pop()
        if x not in seen:
            seen.add(x)
            todo += parents[x]
    return seen

# When a defaultdict(int), both walks add each stop at a labelled owner to it, keyed by
# (model, owner, hop) (tests/tools/scan_truth.py splits exposure by hop with it).
LABEL_STOPS = None

def trace_back(txs, sources, labels, hops=10):
    """Backward: from the source outputs to where their value came from, transactions in
    reverse chain order. Returns {model: (source_sat, categories, endpoints by owner, path
    txs by owner)}."""
    if isinstance(sources, tuple):
        sources = [sources]
    out_of = {name: outs for name, _, outs, _ in txs}
    coinbase = set(name for name, ins, _, _ in txs if not ins)
    srcset = set(s for s in sources if out_of[s[0]][s[1]][1] > 0)
    result = {}
    for model in ['poison', 'haircut', 'fifo', 'lifo', 'tiho']:
        live = {}  # (tx, vout) -> (taint, intervals, hop, via)
        cats = defaultdict(int)
        eps = defaultdict(int)
        via_of = defaultdict(set)  # owner -> transactions that handed it taint
        parents, hop_of = {}, {}
        def stop(owner, category, taint, via):
            cats[category] += taint
            eps[owner] += taint
            if via:
                via_of[owner].add(via)
        def place(tx, vout, taint, iv, hop, via):
            if taint == 0:
                return
            owner, value = out_of[tx][vout]
            if owner in labels and hop > 0:  # the sources never stop the trace
                if LABEL_STOPS is not None:
                    LABEL_STOPS[(model, owner, hop)] += taint
                stop(owner, labels[owner], taint, via)
            elif tx in coinbase:
                stop(owner, 'coinbase', taint, via)
            elif hop >= hops:
                stop(owner, 'hop_limit', taint, via)
            else:
                live[(tx, vout)] = (taint, iv, hop, via)
        source_sat = 0
        for (tx, vout) in sorted(srcset, key=lambda s: (order[s[0]], s[1])):
            v = out_of[tx][vout][1]
            source_sat += v
            place(tx, vout, v, [(0, v)], 0, None)
        for name, ins, outs, fee in reversed(txs):
            got = [live.pop((name, j), (0, [], None, None)) for j in range(len(outs))]
            if not any(g[0] for g in got):
                continue
            hop = 1 + min(g[2] for g in got if g[0])
            parents[name] = [g[3] for g in got if g[0] and g[3]]
            hop_of[name] = hop
            vals = [out_of[pt][pv][1] if pt in out_of else 0 for pt, pv in ins]
            t, iv, missing = split_back(model, [(v, g[0], g[1]) for (_, v), g in zip(outs, got)],
                                        vals)
            if missing:
                stop(None, 'unknown', missing, name)
            for k, (pt, pv) in enumerate(ins):
                if pt not in out_of:
                    if t[k]:
                        stop(None, 'unknown', t[k], name)
                elif (pt, pv) in srcset:
                    source_sat -= t[k]  # already counted whole at hop 0
                else:
                    place(pt, pv, t[k], iv[k] if iv else None, hop, name)
        paths = {o: sorted(((hop_of[x], height[x], x) for x in closure(v, parents)))
                 for o, v in via_of.items()}
        result[model] = (source_sat, dict(cats), dict(eps), paths)
    return result

def trace(txs, sources, labels, hops=10):
    """txs: list of (name, inputs, outputs, fee) in chain order. sources: list of (txname,
    vout). Returns {model: (source_sat, categories, endpoints by owner, path txs by
    owner)}."""
    if isinstance(sources, tuple):
        sources = [sources]
    spent = {}
    for name, ins, outs, fee in txs:
        for i, (pt, pv) in enumerate(ins):
            spent[(pt, pv)] = name
    out_of = {name: outs for name, _, outs, _ in txs}
    srcset = set(s for s in sources if out_of[s[0]][s[1]][1] > 0)
    result = {}
    for model in ['poison', 'haircut', 'fifo', 'lifo', 'tiho']:
        live = {}  # (tx, vout) -> (taint, intervals, hop, via)
        cats = defaultdict(int)
        eps = defaultdict(int)
        via_of = defaultdict(set)  # owner -> transactions that handed it taint
        parents, hop_of = {}, {}
        def place(tx, vout, taint, iv, hop, via):
            if taint == 0:
                return
            owner, value = out_of[tx][vout]
            if owner in labels and hop > 0:  # the sources never stop the trace
                if LABEL_STOPS is not None:
                    LABEL_STOPS[(model, owner, hop)] += taint
                cats[labels[owner]] += taint; eps[owner] += taint
            elif (tx, vout) not in spent:
                cats['unspent'] += taint; eps[owner] += taint
            elif hop >= hops:
                cats['hop_limit'] += taint; eps[owner] += taint
            else:
                live[(tx, vout)] = (taint, iv, hop, via)
                return
            if via:
                via_of[owner].add(via)
        source_sat = 0
        for (tx, vout) in sorted(srcset, key=lambda s: (order[s[0]], s[1])):
            v = out_of[tx][vout][1]
            source_sat += v
            place(tx, vout, v, [(0, v)], 0, None)
        for name, ins, outs, fee in txs:
            got = [live.pop((pt, pv), (0, [], None, None)) for pt, pv in ins]
            if not any(g[0] for g in got):
                continue
            hop = 1 + min(g[2] for g in got if g[0])
            parents[name] = [g[3] for g in got if g[0] and g[3]]
            hop_of[name] = hop
            vals = [out_of[pt][pv][1] for pt, pv in ins]
            o, iv, f = split(model, [(v, g[0], g[1]) for v, g in zip(vals, got)],
                             [v for _, v in outs], fee)
            cats['fee'] += f
            for j, t in enumerate(o):
                if (name, j) in srcset:
                    source_sat -= t  # already counted whole at hop 0
                    continue
                place(name, j, t, iv[j] if iv else None, hop, name)
        paths = {o: sorted(((hop_of[x], height[x], x) for x in closure(v, parents)))
                 for o, v in via_of.items()}
        result[model] = (source_sat, dict(cats), dict(eps), paths)
    return result

order = {}
height = {}

def load_blk(path):
    """The transactions of a blk file of consecutive blocks, in chain order, with P2PK and
    P2PKH outputs named by their address (other scripts by their hex)."""
    import hashlib, struct
    B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
    def b58(payload):
        data = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
        n = int.from_bytes(data, 'big'); s = ''
        while n: n, r = divmod(n, 58); s = B58[r] + s
        return '1' * (len(data) - len(data.lstrip(b'\0'))) + s
    def h160(b):
        return hashlib.new('ripemd160', hashlib.sha256(b).digest()).digest()
    def owner(script):
        if len(script) in (35, 67) and script[-1] == 0xac and script[0] == len(script) - 2:
            return b58(b'\0' + h160(script[1:-1]))
        if len(script) == 25 and script[:3] == b'\x76\xa9\x14' and script[23:] == b'\x88\xac':
            return b58(b'\0' + script[3:23])
        return 'script:' + script.hex()
    def vi(b, o):
        x = b[o]
        if x < 0xfd: return x, o + 1
        if x == 0xfd: return struct.unpack_from('<H', b, o + 1)[0], o + 3
        return struct.unpack_from('<I', b, o + 1)[0], o + 5
    d = open(path, 'rb').read()
    txs, values, o, h = [], {}, 0, -1
    while o < len(d):
        h += 1
        size = struct.unpack_from('<I', d, o + 4)[0]
        b = d[o + 8:o + 8 + size]; o += 8 + size
        p = 80
        n, p = vi(b, p)
        for t in range(n):
            start = p; p += 4
            nin, p = vi(b, p); ins = []
            for i in range(nin):
                ins.append((b[p:p + 32][::-1].hex(), struct.unpack_from('<I', b, p + 32)[0]))
                p += 36; l, p = vi(b, p); p += l + 4
            nout, p = vi(b, p); outs = []
            for j in range(nout):
                v = struct.unpack_from('<Q', b, p)[0]; p += 8
                l, p = vi(b, p); outs.append((owner(b[p:p + l]), v)); p += l
            p += 4
            txid = hashlib.sha256(hashlib.sha256(b[start:p]).digest()).digest()[::-1].hex()
            for j, (_, v) in enumerate(outs):
                values[(txid, j)] = v
            if t == 0:
                ins = []
            fee = sum(values[i] for i in ins) - sum(v for _, v in outs) if ins else 0
            order[txid] = len(txs)
            height[txid] = h
            txs.append((txid, ins, outs, fee))
    return txs

B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
B32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'
def script_of(a):
    """The owner load_sim gives the outputs paying a regtest address (its script)."""
    if a.startswith('bcrt1'):
        vals = [B32.index(c) for c in a[5:-6]]
        ver, bits, acc, nb, prog = vals[0], 0, 0, 0, []
        for x in vals[1:]:
            acc = acc << 5 | x; nb += 5
            if nb >= 8:
                nb -= 8; prog.append(acc >> nb & 0xff)
        return 'script:' + bytes([0x50 + ver if ver else 0, len(prog)] + prog).hex()
    n = 0
    for c in a:
        n = n * 58 + B58.index(c)
    raw = n.to_bytes(25, 'big')
    if raw[0] == 0x6f:
        return 'script:76a914' + raw[1:21].hex() + '88ac'
    return 'script:a914' + raw[1:21].hex() + '87'

def load_sim(d):
    """The transactions of a chaintrail-sim chain (DIR/blocks/blk*.dat, segwit-aware), in
    chain order, every output named by its script's hex; and DIR/labels.csv as script hex ->
    category, the addresses decoded here (Base58Check regtest prefixes, bech32/bech32m)."""
    import glob, hashlib, struct, csv
    def vi(b, o):
        x = b[o]
        if x < 0xfd: return x, o + 1
        if x == 0xfd: return struct.unpack_from('<H', b, o + 1)[0], o + 3
        return struct.unpack_from('<I', b, o + 1)[0], o + 5
    txs, values, h = [], {}, -1
    for path in sorted(glob.glob(d + '/blocks/blk*.dat')):
        data = open(path, 'rb').read()
        o = 0
        while o < len(data):
            h += 1
            size = struct.unpack_from('<I', data, o + 4)[0]
            b = data[o + 8:o + 8 + size]; o += 8 + size
            p = 80
            n, p = vi(b, p)
            for t in range(n):
                ver = b[p:p + 4]; p += 4
                seg = b[p] == 0 and b[p + 1] == 1
                if seg: p += 2
                body = p
                nin, p = vi(b, p); ins = []
                for i in range(nin):
                    ins.append((b[p:p + 32][::-1].hex(), struct.unpack_from('<I', b, p + 32)[0]))
                    p += 36; l, p = vi(b, p); p += l + 4
                nout, p = vi(b, p); outs = []
                for j in range(nout):
                    v = struct.unpack_from('<Q', b, p)[0]; p += 8
                    l, p = vi(b, p); outs.append(('script:' + b[p:p + l].hex(), v)); p += l
                body_end = p
                if seg:
                    for i in range(nin):
                        k, p = vi(b, p)
                        for _ in range(k):
                            l, p = vi(b, p); p += l
                raw = ver + b[body:body_end] + b[p:p + 4]; p += 4
                txid = hashlib.sha256(hashlib.sha256(raw).digest()).digest()[::-1].hex()
                for j, (_, v) in enumerate(outs):
                    values[(txid, j)] = v
                if t == 0:
                    ins = []
                fee = sum(values[i] for i in ins) - sum(v for _, v in outs) if ins else 0
                order[txid] = len(txs)
                height[txid] = h
                txs.append((txid, ins, outs, fee))
    labels = {}
    for row in csv.DictReader(open(d + '/labels.csv')):
        labels[script_of(row['address'])] = row['category']
    return txs, labels

def show(result, with_paths, key=None):
    for model, (ssat, cats, eps, paths) in result.items():
        print(model, ssat, sorted(cats.items()),
              sorted(eps.items(), key=key or (lambda e: (e[0] is None, e[0] or ''))))
        for owner in sorted(paths, key=lambda o: o or '') if with_paths else []:
            print('   ', owner, [(hop, h, x) for hop, h, x in paths[owner]])

if __name__ == '__main__':
    import sys
    flags = [a for a in sys.argv[1:] if a.startswith('--')]
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    run = trace_back if '--backward' in flags else trace
    if '--sim' in flags:
        # A chaintrail-sim chain: every output of the theft TXID, default hops, no dust;
        # prints per model source_sat and the categories as JSON (tests/test_sim.c).
        import json
        txs, labels = load_sim(args[0])
        outs = [o for name, _, o, _ in txs if name == args[1]][0]
        res = trace(txs, [(args[1], j) for j in range(len(outs))], labels)
        print(json.dumps({m: {'source_sat': r[0],
                              'by_category': {k: v for k, v in sorted(r[1].items()) if v}}
                          for m, r in res.items()}, sort_keys=True))
        sys.exit(0)
    if len(args) == 2:
        # Trace every output received by an address in a blk file (tests/test_trace.c).
        txs = load_blk(args[0])
        addr = args[1]
        srcs = [(name, j) for name, _, outs, _ in txs for j, (o, v) in enumerate(outs)
                if o == addr]
        show(run(txs, srcs, {}), '--paths' in flags, key=lambda e: (-e[1], e[0] or ''))
        sys.exit(0)
    # Scenario B of tests/test_trace.c (owners named by their P2PKH tag).
    txs = [
        ('cbA', [], [('A', 5000000000)], 0),
        ('cbB', [], [('B', 5000000000)], 0),
        ('tx1', [('cbA', 0), ('cbB', 0)],
         [('C', 3333333333), ('D', 3333333333), ('E', 3333333331)], 3),
        ('tx2', [('tx1', 0)], [('X', 1000000000), ('Y', 2333333000)], 333),
        ('tx3', [('tx1', 1)], [('Z', 3333333333)], 0),
        ('tx4', [('tx2', 1), ('tx3', 0)], [('W', 5666666333)], 0),
    ]
    for n, (name, _, _, _) in enumerate(txs):
        order[name] = n
        height[name] = n + 1
    # Forward from A's coinbase output; backward from W (tx4:0).
    source = ('tx4', 0) if '--backward' in flags else ('cbA', 0)
    show(run(txs, source, {'X': 'exchange'}), '--paths' in flags)
