# The multi-input clusters of a chain, computed independently of chaintrail from the JSON
# lines of `chaintrail decode bitcoin --scripts` (docs/clustering.md states the rule):
#   - the input addresses of every non-coinbase transaction have one owner;
#   - the two addresses of a P2PK key (the output's address and its linked_address) too.
# Address ids are numbered as chaintrail numbers them: from 1, in first-seen order, the
# outputs of each transaction in order, a P2PK output's linked address right after it. A
# cluster's id is the smallest address id of its members. An output without an address
# (bare multisig, nonstandard) is identified by "script:" + its script hex; OP_RETURN has
# no identity. No CoinJoin detector runs here: the caller checks that chaintrail judged
# none on this chain.
# With THRESHOLD, the super-cluster guard: a transaction joins its first input address's
# cluster with each other input's in turn, and a join of two clusters both larger than
# THRESHOLD is not made but counted as flagged (once per transaction and pair of clusters).
# The P2PK key link is never guarded.
# Usage: python3 cluster_reference.py DECODED.jsonl DUMP.csv [THRESHOLD]
# Writes the dump ("address,cluster_id" per address in id order, after a header line) to
# DUMP.csv and prints one line: "clusters N addresses M clustered K flagged F".
import json, sys

ids = {}          # identity -> address id
names = []        # address id - 1 -> identity
parent = []       # union-find over address ids - 1
outputs = {}      # (txid, vout) -> address id, or None

def addr_id(ident):
    if ident not in ids:
        ids[ident] = len(names) + 1
        names.append(ident)
        parent.append(len(parent))
        size.append(1)
    return ids[ident]

def find(x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x

size = []          # per root: members
threshold = int(sys.argv[3]) if len(sys.argv) > 3 else None
flagged = 0

def union(a, b, guard=None):
    global flagged
    ra, rb = find(a - 1), find(b - 1)
    if ra == rb:
        return
    if threshold is not None and guard is not None and \
            size[ra] > threshold and size[rb] > threshold:
        pair = (min(ra, rb), max(ra, rb))
        if pair not in guard:
            guard.add(pair)
            flagged += 1
        return
    lo, hi = min(ra, rb), max(ra, rb)
    parent[hi] = lo
    size[lo] += size[hi]

with open(sys.argv[1]) as f:
    for line in f:
        tx = json.loads(line)
        ins = []
        if not tx['coinbase']:
            for i in tx['inputs']:
                ins.append(outputs.get((i['prev_txid'], i['prev_vout'])))
        for o in tx['outputs']:
            a = o.get('address')
            if a is None and o['type'] in ('multisig', 'nonstandard'):
                a = 'script:' + o['script_pubkey']
            oid = addr_id(a) if a is not None else None
            outputs[(tx['txid'], o['n'])] = oid
            if o['type'] == 'p2pk' and o.get('linked_address'):
                lid = addr_id(o['linked_address'])
                o['_link'] = (oid, lid)
        known = [a for a in ins if a is not None]
        guard = set()
        for a in known[1:]:
            union(known[0], a, guard)
        for o in tx['outputs']:
            if '_link' in o:
                union(*o['_link'])

sizes = {}
for x in range(len(names)):
    r = find(x)
    sizes[r] = sizes.get(r, 0) + 1
with open(sys.argv[2], 'w') as out:
    out.write('address,cluster_id\n')
    for x, name in enumerate(names):
        out.write('%s,%d\n' % (name, find(x) + 1))
multi = [s for s in sizes.values() if s > 1]
print('clusters %d addresses %d clustered %d flagged %d' %
      (len(multi), len(names), sum(multi), flagged))
