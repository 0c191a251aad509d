# A deliberately plain reference of the UTXO taint rules of taint-models.md, written
# independently of engine/trace.c, to compute the expected figures of tests/test_trace.c.
# Transactions are given in chain order; outputs are (owner, value); inputs are (txname, vout).
# Stops: an owner in `labels` (category), unspent, hop limit; no dust threshold.
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

def trace(txs, source, labels, hops=10):
    """txs: list of (name, inputs, outputs, fee). source: (txname, vout)."""
    spent = {}
    for name, ins, outs, fee in txs:
        for i, (pt, pv) in enumerate(ins):
            spent[(pt, pv)] = name
    out_of = {name: outs for name, _, outs, _ in txs}
    result = {}
    for model in ['poison', 'haircut', 'fifo', 'lifo', 'tiho']:
        live = {}  # (tx, vout) -> (taint, intervals, hop)
        cats = defaultdict(int)
        eps = defaultdict(int)
        def place(tx, vout, taint, iv, hop):
            if taint == 0:
                return
            owner, value = out_of[tx][vout]
            if owner in labels:
                cats[labels[owner]] += taint; eps[owner] += taint
            elif (tx, vout) not in spent:
                cats['unspent'] += taint; eps[owner] += taint
            elif hop >= hops:
                cats['hop_limit'] += taint; eps[owner] += taint
            else:
                live[(tx, vout)] = (taint, iv, hop)
        sv = out_of[source[0]][source[1]][1]
        place(source[0], source[1], sv, [(0, sv)], 0)
        for name, ins, outs, fee in txs:
            got = [live.pop((pt, pv), (0, [], None)) for pt, pv in ins]
            if not any(t for t, _, _ in got):
                continue
            hop = 1 + min(h for t, _, h in got if t)
            vals = [out_of[pt][pv][1] for pt, pv in ins]
            o, iv, f = split(model, [(v, t, i) for v, (t, i, _) in zip(vals, got)],
                             [v for _, v in outs], fee)
            cats['fee'] += f
            for j, t in enumerate(o):
                place(name, j, t, iv[j] if iv else None, hop)
        result[model] = (dict(cats), dict(eps))
    return result

if __name__ == '__main__':
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
    for model, (cats, eps) in trace(txs, ('cbA', 0), {'X': 'exchange'}).items():
        print(model, sorted(cats.items()), sorted(eps.items()))
