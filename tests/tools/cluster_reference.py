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
# Usage: python3 cluster_reference.py DECODED.jsonl DUMP.csv
# Writes the dump ("address,cluster_id" per address in id order, after a header line) to
# DUMP.csv and prints one line: "clusters N addresses M clustered K".
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
    return ids[ident]

def find(x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x

def union(a, b):
    ra, rb = find(a - 1), find(b - 1)
    if ra != rb:
        parent[max(ra, rb)] = min(ra, rb)

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
        for a in known[1:]:
            union(known[0], a)
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
print('clusters %d addresses %d clustered %d' % (len(multi), len(names), sum(multi)))
