#!/usr/bin/env python3
"""Ground truth for `chaintrail scan` on a chaintrail-sim chain (docs/scan.md, "Ground truth").

  scan_truth.py prepare SIMDIR OUTDIR
      writes OUTDIR/hack.csv (every address of the theft's outputs labelled `hack`) and
      OUTDIR/customers.csv (every exchange deposit address of labels.csv as a customer).
  scan_truth.py check SIMDIR HOPS FINDINGS.jsonl [--clusters]
      checks the `hack` findings of a scan of those customers (policy max_hops HOPS) against
      two computations that share no code with chaintrail:
      1. the rule of docs/scan.md applied by taint_reference.py (written from the model
         definitions, independently of engine/): a forward trace, every model, from every
         output paid to the thief's addresses, with every labelled address (labels.csv and
         the thieves) a stop from hop 1 on, HOPS hops. Per deposit and model, the amounts of
         its `hack` findings (direct ones, one per thief address, plus the indirect one) add
         up to what that trace delivers to it, to the satoshi; for haircut this is the
         identity with the forward haircut trace (docs/scan.md);
      2. when the thief's addresses received nothing but the theft's outputs (then the two
         have the same sources), the simulator's truth.json (tests/sim/reference.c, run with
         --hops HOPS): the flagged deposits are exactly those it says received stolen funds,
         with the same amounts.
      With --clusters (a scan that used the database's clusters) the rule of docs/scan.md
      is applied over the simulator's multi-input partition (partition.csv): an address
      without a label of its own takes that of its cluster's highest ranked labelled member
      (docs/labels.md), so the members of the thief's clusters are sources too and every
      member of a labelled cluster is a stop; the truth is not used then.
      Also: no `hack` finding is outgoing (the thief was paid by the labelled hot wallet),
      low/high are the range of the models, a direct finding is at hop 1 and an indirect
      one at hop 2 or more. Prints one summary line; exit 1 with the differences.
"""
import csv
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import taint_reference as ref  # noqa: E402

MODELS = ["poison", "haircut", "fifo", "lifo", "tiho"]


def coins_to_sat(text):
    whole, _, frac = text.partition(".")
    assert len(frac) == 8, text
    return int(whole) * 100000000 + int(frac)


def load(simdir):
    """The reference's view of the chain (taint_reference.load_sim) with each P2PK output
    owned by its key's P2PKH script: chaintrail files a P2PK output under that address
    (docs/addresses.md), and so does the customer file."""
    txs, labels = ref.load_sim(simdir)
    def owner(o):
        b = bytes.fromhex(o[7:])
        if len(b) in (35, 67) and b[-1] == 0xac and b[0] == len(b) - 2:
            h = hashlib.new("ripemd160", hashlib.sha256(b[1:-1]).digest()).hexdigest()
            return "script:76a914" + h + "88ac"
        return o
    txs = [(n, ins, [(owner(o), v) for o, v in outs], fee) for n, ins, outs, fee in txs]
    return txs, labels


def deposits(simdir):
    with open(os.path.join(simdir, "labels.csv"), newline="") as f:
        return [r["address"] for r in csv.DictReader(f) if r["label"].endswith(" deposit")]


def prepare(simdir, outdir):
    truth = json.load(open(os.path.join(simdir, "truth.json")))
    thieves = sorted({o["address"] for o in truth["stolen_outputs"]})
    with open(os.path.join(outdir, "hack.csv"), "w") as f:
        f.write("address,label,category,source\n")
        for a in thieves:
            f.write("%s,SimHeist thief,hack,truth\n" % a)
    with open(os.path.join(outdir, "customers.csv"), "w") as f:
        f.write("customer_id,address\n")
        for i, a in enumerate(deposits(simdir)):
            f.write("d%03d,%s\n" % (i, a))
    print("thieves=%d customers=%d" % (len(thieves), len(deposits(simdir))))


RANK = ["sanctioned", "mixer", "bridge", "exchange", "gambling", "darknet", "ransomware", "scam",
        "hack", "blocked", "defi", "miner", "service", "other"]


def cluster_labels(simdir, labels):
    """labels (script -> category) extended to the clusters of partition.csv."""
    members = {}
    with open(os.path.join(simdir, "partition.csv"), newline="") as f:
        for r in csv.DictReader(f):
            members.setdefault(r["cluster"], []).append(ref.script_of(r["address"]))
    out = dict(labels)
    for ms in members.values():
        own = [labels[m] for m in ms if m in labels]
        if not own:
            continue
        best = min(own, key=RANK.index)
        for m in ms:
            out.setdefault(m, best)
    return out


def check(simdir, hops, findings_path, clusters):
    truth = json.load(open(os.path.join(simdir, "truth.json")))
    deps = deposits(simdir)
    txs, labels = load(simdir)
    stolen = {(o["txid"], o["vout"]) for o in truth["stolen_outputs"]}
    thieves = {ref.script_of(o["address"]) for o in truth["stolen_outputs"]}
    for t in thieves:
        labels[t] = "hack"
    if clusters:
        labels = cluster_labels(simdir, labels)
        thieves = {a for a, c in labels.items() if c == "hack"}
    sources = [(name, j) for name, _, outs, _ in txs for j, (o, v) in enumerate(outs)
               if o in thieves]
    res = ref.trace(txs, sources, labels, hops)
    want = {}
    for a in deps:
        w = {m: res[m][2].get(ref.script_of(a), 0) for m in MODELS}
        if any(w.values()):
            want[a] = w
    # The truth applies when the sources are the theft's outputs exactly.
    same_sources = set(sources) == stolen and not clusters
    twant = {}
    for m in MODELS:
        for e in truth["models"][m]["endpoints"]:
            if e["address"] in deps and e["taint_sat"]:
                twant.setdefault(e["address"], {k: 0 for k in MODELS})[m] += e["taint_sat"]
    got = {}
    n = 0
    kinds = {"direct": 0, "indirect": 0}
    errors = []
    for line in open(findings_path):
        x = json.loads(line)
        if x["category"] != "hack":
            continue
        n += 1
        kinds[x["exposure"]] += 1
        if x["direction"] != "incoming":
            errors.append("outgoing hack finding for %s" % x["address"])
            continue
        if x["severity"] != "HIGH":
            errors.append("severity %s for %s" % (x["severity"], x["address"]))
        a = x["address"]
        g = got.setdefault(a, {k: 0 for k in MODELS})
        amounts = [coins_to_sat(x["amount"][m]) for m in MODELS]
        for m, v in zip(MODELS, amounts):
            g[m] += v
        if coins_to_sat(x["low"]) != min(amounts) or coins_to_sat(x["high"]) != max(amounts):
            errors.append("low/high of %s" % a)
        if (x["exposure"] == "direct") != (x["hops"] == 1) or x["hops"] > hops:
            errors.append("%s finding at hop %d for %s" % (x["exposure"], x["hops"], a))
    for name, w in [("reference", want)] + ([("truth", twant)] if same_sources else []):
        if set(got) != set(w):
            errors.append("%s: flagged %s, not flagged %s" %
                          (name, sorted(set(got) - set(w)), sorted(set(w) - set(got))))
        for a in sorted(set(got) & set(w)):
            for m in MODELS:
                if got[a][m] != w[a][m]:
                    errors.append("%s: %s %s: scan %d, expected %d" %
                                  (name, a, m, got[a][m], w[a][m]))
    if errors:
        for e in errors[:20]:
            print(e, file=sys.stderr)
        sys.exit(1)
    print("flagged=%d of %d deposits, findings=%d direct=%d indirect=%d, checked against: %s" %
          (len(got), len(deps), n, kinds["direct"], kinds["indirect"],
           "reference, truth" if same_sources else "reference"))


def prepare_users(simdir, outdir, hops):
    """users.csv: every address of a user (owners.csv) as a customer; mixer.json: a policy
    that screens the mixer only, both ways, direct and indirect, within `hops`."""
    with open(os.path.join(simdir, "owners.csv"), newline="") as f:
        users = [r["address"] for r in csv.DictReader(f) if r["entity_kind"] == "user"]
    with open(os.path.join(outdir, "users.csv"), "w") as f:
        f.write("customer_id,address\n")
        for i, a in enumerate(users):
            f.write("u%05d,%s\n" % (i, a))
    with open(os.path.join(outdir, "mixer.json"), "w") as f:
        f.write('{"version": 1, "categories": {"mixer": {"severity": "HIGH", '
                '"direction": "both", "exposure": "both", "max_hops": %d, "min_amount": "0", '
                '"min_usd": "0", "min_share": "0"}}}\n' % hops)
    print("users=%d" % len(users))


def check_users(simdir, hops, findings_path):
    """The indirect `mixer` findings of the users (prepare-users; a scan with --no-clusters of
    a database holding labels.csv and hack.csv): incoming, per user and model, what the
    reference's forward trace from every output paid to the mixer delivers to the user at
    hop 2 or more; outgoing, what its backward trace reaches at hop 2 or more. In both walks
    every labelled address (labels.csv, the thieves) and every user address stops."""
    truth = json.load(open(os.path.join(simdir, "truth.json")))
    txs, labels = load(simdir)
    for o in truth["stolen_outputs"]:
        labels[ref.script_of(o["address"])] = "hack"
    mixers = {a for a, c in labels.items() if c == "mixer"}
    with open(os.path.join(simdir, "owners.csv"), newline="") as f:
        users = [r["address"] for r in csv.DictReader(f) if r["entity_kind"] == "user"]
    script = {a: ref.script_of(a) for a in users}
    for a in users:
        labels.setdefault(script[a], "customer")
    sources = [(name, j) for name, _, outs, _ in txs for j, (o, v) in enumerate(outs)
               if o in mixers]
    want = {}
    for direction, walk in (("incoming", ref.trace), ("outgoing", ref.trace_back)):
        ref.LABEL_STOPS = __import__("collections").defaultdict(int)
        walk(txs, sources, labels, hops)
        for (m, owner, hop), t in ref.LABEL_STOPS.items():
            if hop >= 2 and t:
                want.setdefault((direction, owner), {k: 0 for k in MODELS})[m] += t
        ref.LABEL_STOPS = None
    got = {}
    errors = []
    n = {"incoming": 0, "outgoing": 0}
    for line in open(findings_path):
        x = json.loads(line)
        if x["category"] != "mixer" or x["exposure"] != "indirect":
            continue
        n[x["direction"]] += 1
        k = (x["direction"], script[x["address"]])
        if k in got:
            errors.append("two findings for %s %s" % (x["direction"], x["address"]))
        got[k] = {m: coins_to_sat(x["amount"][m]) for m in MODELS}
    want = {k: w for k, w in want.items() if k[1] in set(script.values())}
    if set(got) != set(want):
        errors.append("flagged %d not expected, %d expected not flagged" %
                      (len(set(got) - set(want)), len(set(want) - set(got))))
    for k in sorted(set(got) & set(want)):
        for m in MODELS:
            if got[k][m] != want[k][m]:
                errors.append("%s %s %s: scan %d, reference %d" %
                              (k[0], k[1], m, got[k][m], want[k][m]))
    if errors:
        for e in errors[:20]:
            print(e, file=sys.stderr)
        sys.exit(1)
    print("users=%d indirect mixer findings: incoming=%d outgoing=%d" %
          (len(users), n["incoming"], n["outgoing"]))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "prepare":
        prepare(sys.argv[2], sys.argv[3])
    elif len(sys.argv) in (5, 6) and sys.argv[1] == "check" and sys.argv[5:] in ([], ["--clusters"]):
        check(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:] == ["--clusters"])
    elif len(sys.argv) == 5 and sys.argv[1] == "prepare-users":
        prepare_users(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif len(sys.argv) == 5 and sys.argv[1] == "check-users":
        check_users(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
