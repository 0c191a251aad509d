#!/usr/bin/env python3
"""chaintrail's exports opened by the real readers (docs/export.md, issue 15), run by ctest.

    readers.py --bin CHAINTRAIL --sim CHAINTRAIL_SIM --node-dir DIR --source ROOT --work DIR

On the real 2009 blocks (with hostile labels imported), on a simulated heist and on a real
Ethereum block, `chaintrail export address` writes every format and each is read back:
GraphML by networkx; GEXF 1.3 by networkx (given the 1.3 namespace) and by graphology-gexf,
and validated by xmllint against fixtures/gexf-1.3; DOT by Graphviz (`dot -Tjson0`: any
warning fails); Cytoscape.js JSON by cytoscape; the Neo4j directory by a check of the
`neo4j-admin database import` header grammar and of its ids; the CSV by Python's csv module.
Every reader must see the same node and edge counts as the exporter reported, the same exact
sums of the value attributes, and each label exactly as it was imported (controls replaced by
U+FFFD; in CSVs a ' before a leading = + - @). Facts from `show address` (what an address
received) are checked against the sums. Exports of the same command are byte-identical.
Prints one line per check; exits 1 at the first failure."""
import argparse
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys

FORMATS = ["graphml", "gexf", "dot", "neo4j", "cytoscape", "csv"]
# Hostile label texts (bad-inputs.md X1-X6), each put on an address of the 2009 graph.
HOSTILE = [
    "<script>alert(1)</script> & \"quotes\" 'apos'",
    "=cmd|' /C calc'!A0",
    "0xabc",
    "n1",
    "e0",
    "back\\slash \"quote\\",
    "ctl\x01\x1b[31mred\ttab\rcr",
    "<b>html</b> label",
    "+1+2",
    "@SUM(A1)",
]


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def ok(msg):
    print("ok   " + msg, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def cleaned(s):
    """The exporter's ex_clean: controls, DEL and C1 become U+FFFD."""
    return "".join("\ufffd" if (ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f) else c for c in s)


def csv_guarded(s):
    return "'" + s if s[:1] in ("=", "+", "-", "@") else s


MODELS = ["poison", "haircut", "fifo", "lifo", "tiho"]


def summary(nodes, edges, label_key):
    """nodes: {id: attributes}; edges: [(target id, attributes)], as the reader gave them.
    For a trace export, also the taint of each model summed by the category of the node it
    flowed into (endpoints and fees; what went on into a transaction is not counted)."""
    nv = sum(int(str(n.get("value") or 0)) for n in nodes.values())
    ev = sum(int(str(e.get("value") or 0)) for _, e in edges)
    labels = {n["address"]: n.get(label_key, "") or "" for n in nodes.values()
              if n.get("kind") == "address"}
    out = {"nodes": len(nodes), "edges": len(edges), "edge_value": str(ev),
           "node_value": str(nv), "labels": labels}
    if edges and "taint_poison" in edges[0][1]:
        by = {m: {} for m in MODELS}
        for t, e in edges:
            cat = nodes[t].get("category") or ""
            if nodes[t].get("kind") == "tx" or not cat:  # carried on, not an endpoint
                continue
            for m in MODELS:
                v = int(str(e.get("taint_" + m) or 0))
                if v:
                    by[m][cat] = by[m].get(cat, 0) + v
        out["by_category"] = {m: {c: str(v) for c, v in sorted(d.items())}
                              for m, d in by.items()}
    return out


# ---- the readers ----
def read_graphml(path):
    import networkx as nx
    g = nx.read_graphml(path)
    return summary(dict(g.nodes(data=True)), [(v, d) for _, v, d in g.edges(data=True)],
                   "label")


def read_gexf_networkx(path):
    import networkx as nx
    from networkx.readwrite.gexf import GEXF
    if "1.3" not in GEXF.versions:  # networkx 2.8 knows 1.1draft and 1.2draft only
        d = dict(GEXF.versions["1.2draft"])
        d.update(NS_GEXF="http://gexf.net/1.3", NS_VIZ="http://gexf.net/1.3/viz",
                 SCHEMALOCATION="", VERSION="1.3")
        GEXF.versions["1.3"] = d
    g = nx.read_gexf(path, version="1.3")
    return summary(dict(g.nodes(data=True)), [(v, d) for _, v, d in g.edges(data=True)],
                   "owner")


def read_js(kind, path, node_dir):
    r = run(["node", os.path.join(os.path.dirname(os.path.abspath(__file__)), "readers.cjs"),
             kind, path], env=dict(os.environ, NODE_PATH=os.path.join(node_dir, "node_modules")))
    if r.returncode != 0:
        fail(f"{kind} reader on {path}: {r.stderr.strip()}")
    return json.loads(r.stdout)


def read_gexf_graphology(path, node_dir):
    return read_js("gexf", path, node_dir)


def xmllint_gexf(path, schema):
    r = run(["xmllint", "--noout", "--relaxng", schema, path])
    if r.returncode != 0 or not r.stderr.strip().endswith("validates"):
        fail(f"xmllint: {path} does not validate against {schema}: {r.stderr.strip()}")


def read_dot(path):
    r = run(["dot", "-Tsvg", "-o", os.devnull, path])
    if r.returncode != 0 or r.stderr.strip():
        fail(f"dot -Tsvg {path}: exit {r.returncode}, stderr {r.stderr.strip()!r}")
    r = run(["dot", "-Tjson0", path])
    if r.returncode != 0 or r.stderr.strip():
        fail(f"dot -Tjson0 {path}: exit {r.returncode}, stderr {r.stderr.strip()!r}")
    g = json.loads(r.stdout)
    nodes = g.get("objects", [])
    edges = g.get("edges", [])
    # every node carries its id in "name": a split or merged id would show here
    names = [n["name"] for n in nodes]
    if len(set(names)) != len(names) or not all(re.fullmatch(r"n[0-9]+", n) for n in names):
        fail(f"dot read node ids {names[:5]}...: not the ids written")
    # DOT text is an escString: the lexer undoes only \", and a backslash stays written as
    # \\ (what a label renders as one backslash)
    for n in nodes:
        if "owner" in n:
            n["owner"] = n["owner"].replace("\\\\", "\\")
    return summary({n["_gvid"]: n for n in nodes}, [(e["head"], e) for e in edges], "owner")


NEO4J_FIELD = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)?"
    r"(?::(?P<kind>ID|START_ID|END_ID|LABEL|TYPE|IGNORE|int|long|float|double|boolean|byte|"
    r"short|char|string|date|localtime|time|localdatetime|datetime|duration|point)"
    r"(?P<array>\[\])?(?:\((?P<space>[A-Za-z_][A-Za-z0-9_]*)\))?)?$")


def neo4j_header(fields, path):
    parsed = []
    for f in fields:
        m = NEO4J_FIELD.match(f)
        if not m:
            fail(f"{path}: header field {f!r} is not in the grammar of neo4j-admin import")
        kind = m.group("kind")
        if kind in (None, "int", "long", "float", "double", "boolean", "byte", "short", "char",
                    "string", "date", "localtime", "time", "localdatetime", "datetime",
                    "duration", "point") and not m.group("name"):
            fail(f"{path}: property column {f!r} has no name")
        if m.group("space") and kind not in ("ID", "START_ID", "END_ID"):
            fail(f"{path}: {f!r}: only id columns name an id space")
        parsed.append((m.group("name"), kind, m.group("space")))
    return parsed


def neo4j_value(kind, v, path, row):
    if v == "":
        return None
    if kind in ("long", "int"):
        if not re.fullmatch(r"-?[0-9]+", v) or not -2**63 <= int(v) < 2**63:
            fail(f"{path} row {row}: {v!r} is not a {kind}")
        return int(v)
    if kind == "datetime":
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", v):
            fail(f"{path} row {row}: {v!r} is not a datetime")
    return v


def read_neo4j_file(path, want):
    with open(path, newline="", encoding="utf-8") as fh:
        raw = fh.read()
    rows = list(csv.reader(raw.splitlines(keepends=True)))
    if "\n" in raw.replace("\r\n", "\n").rstrip("\n").replace("\n", "", len(rows) - 1):
        fail(f"{path}: a field spans lines (neo4j-admin needs --multiline-fields for that)")
    header = neo4j_header(rows[0], path)
    counts = {}
    for _, kind, _ in header:
        counts[kind] = counts.get(kind, 0) + 1
    for k in want:
        if counts.get(k) != 1:
            fail(f"{path}: needs exactly one :{k} column, has {counts.get(k, 0)}")
    out = []
    for i, r in enumerate(rows[1:], 2):
        if len(r) != len(header):
            fail(f"{path} row {i}: {len(r)} fields for {len(header)} columns")
        d = {}
        for (name, kind, space), v in zip(header, r):
            d[(name or "") + ":" + (kind or "")] = v
            if name:
                d[name] = neo4j_value(kind, v, path, i)
        out.append(d)
    return header, out


def read_neo4j(path):
    nh, nodes = read_neo4j_file(os.path.join(path, "nodes.csv"), ["ID", "LABEL"])
    rh, rels = read_neo4j_file(os.path.join(path, "relationships.csv"),
                               ["START_ID", "END_ID", "TYPE"])
    space = [s for _, k, s in nh if k == "ID"][0]
    for _, k, s in rh:
        if k in ("START_ID", "END_ID") and s != space:
            fail(f"{path}: relationships refer to id space {s}, the nodes are in {space}")
    ids = [n["id"] for n in nodes]
    if len(set(ids)) != len(ids):
        fail(f"{path}: duplicate node ids")
    known = set(ids)
    for r in rels:
        for k in (":START_ID", ":END_ID"):
            if r[k] not in known:
                fail(f"{path}: relationship to unknown node {r[k]!r}")
    if not os.path.exists(os.path.join(path, "README.md")):
        fail(f"{path}: no README.md with the import command")
    with open(os.path.join(path, "README.md"), encoding="utf-8") as fh:
        if "neo4j-admin database import full" not in fh.read():
            fail(f"{path}/README.md does not give the import command")
    return summary({n["id"]: n for n in nodes}, [(r[":END_ID"], r) for r in rels], "label")


def read_csv_dir(path):
    def rows(name):
        with open(os.path.join(path, name), newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    nodes, edges = rows("nodes.csv"), rows("edges.csv")
    ids = {n["id"] for n in nodes}
    for e in edges:
        if e["source"] not in ids or e["target"] not in ids:
            fail(f"{path}: edge {e['id']} to an unknown node")
    return summary({n["id"]: n for n in nodes}, [(e["target"], e) for e in edges], "label")


# ---- the checks ----
def export(a, db, address, fmt, out, extra):
    """address: an address (export address), or None (export trace, sources in extra)."""
    if os.path.isdir(out):
        shutil.rmtree(out)
    elif os.path.exists(out):
        os.unlink(out)
    # address: an address, ("cluster", ID or ADDR), or None (a trace)
    what = (list(address) if isinstance(address, tuple) else ["address", address]) if address \
        else ["trace"]
    r = run([a.bin, "--db", db, "export"] + what + ["--format", fmt, "-o", out] + extra)
    if r.returncode != 0:
        fail(f"export {what} {fmt} {extra}: exit {r.returncode}: {r.stderr.strip()}")
    m = re.search(r"wrote ([0-9]+) nodes and ([0-9]+) edges", r.stderr)
    if not m:
        fail(f"export printed no counts: {r.stderr!r}")
    return int(m.group(1)), int(m.group(2))


def same_bytes(p, q):
    if os.path.isdir(p):
        return sorted(os.listdir(p)) == sorted(os.listdir(q)) and all(
            same_bytes(os.path.join(p, f), os.path.join(q, f)) for f in os.listdir(p))
    with open(p, "rb") as f1, open(q, "rb") as f2:
        return f1.read() == f2.read()


def check_case(a, name, db, address, extra, expect_labels=None, expect_received=None,
               expect_by_category=None):
    """Exports `address` (None: a trace) in every format, reads each back, and compares."""
    base = None
    for fmt in FORMATS:
        out = os.path.join(a.work, f"{name}.{fmt}")
        n, m = export(a, db, address, fmt, out, extra)
        again = out + ".again"
        export(a, db, address, fmt, again, extra)
        if not same_bytes(out, again):
            fail(f"{name} {fmt}: two exports of the same command differ")
        readers = []
        if fmt == "graphml":
            readers.append(("networkx", read_graphml(out)))
        elif fmt == "gexf":
            xmllint_gexf(out, os.path.join(a.source, "fixtures", "gexf-1.3", "gexf.rng"))
            readers.append(("networkx-1.3", read_gexf_networkx(out)))
            readers.append(("graphology-gexf", read_gexf_graphology(out, a.node_dir)))
        elif fmt == "dot":
            readers.append(("graphviz", read_dot(out)))
        elif fmt == "neo4j":
            readers.append(("neo4j-grammar", read_neo4j(out)))
        elif fmt == "cytoscape":
            readers.append(("cytoscape", read_js("cytoscape", out, a.node_dir)))
        elif fmt == "csv":
            readers.append(("python-csv", read_csv_dir(out)))
        for rname, s in readers:
            if (s["nodes"], s["edges"]) != (n, m):
                fail(f"{name} {fmt}: {rname} read {s['nodes']} nodes and {s['edges']} edges; "
                     f"the export wrote {n} and {m}")
            if s["edge_value"] != s["node_value"]:
                fail(f"{name} {fmt}: {rname}: edges carry {s['edge_value']}, nodes received "
                     f"{s['node_value']}")
            if expect_by_category is not None and s.get("by_category") != expect_by_category:
                fail(f"{name} {fmt}: {rname}: taint by endpoint category per model "
                     f"{s.get('by_category')}, the ground truth {expect_by_category}")
            key = (s["nodes"], s["edges"], s["edge_value"])
            if base is None:
                base = key
            elif key != base:
                fail(f"{name} {fmt}: {rname} read {key}, the first format {base}")
            for addr, text in (expect_labels or {}).items():
                want = cleaned(text)
                if fmt in ("csv", "neo4j"):
                    want = csv_guarded(want)
                got = s["labels"].get(addr)
                if got != want:
                    fail(f"{name} {fmt}: {rname}: label of {addr} is {got!r}, not {want!r}")
            ok(f"{name} {fmt} {rname}: {n} nodes, {m} edges, value {s['edge_value']}"
               + (f", {len(expect_labels)} hostile labels intact" if expect_labels else "")
               + (", taint per model and category as expected (the simulator's truth, or "
                  "the trace's own totals)" if expect_by_category else ""))
    if expect_received is not None and base[2] != str(expect_received):
        fail(f"{name}: the edges into the address carry {base[2]}; show address says it "
             f"received {expect_received}")
    return base


def check_split(a, db, csv_dir):
    """Address level, both directions: the edges of one output (txid, index) split its value
    among the input addresses in integer satoshi and must sum to it exactly (X10)."""
    with open(os.path.join(csv_dir, "edges.csv"), newline="") as fh:
        edges = list(csv.DictReader(fh))
    groups = {}
    for e in edges:
        groups.setdefault((e["txid"], int(e["index"])), []).append(int(e["value"]))
    split = 0
    txs = {}
    for (txid, index), values in sorted(groups.items()):
        if txid not in txs:
            r = run([a.bin, "--db", db, "show", "tx", txid, "--format", "json"])
            if r.returncode != 0:
                fail(f"show tx {txid}: {r.stderr}")
            txs[txid] = json.loads(r.stdout)
        tx = txs[txid]
        if sum(values) != tx["outputs"][index]["value_sat"]:
            fail(f"{txid}:{index}: the edges carry {sum(values)} of an output of "
                 f"{tx['outputs'][index]['value_sat']}")
        if len({i["address"] for i in tx["inputs"]}) > 1:
            split += 1
    if split == 0:
        fail(f"{csv_dir}: no output of several input addresses: the split is not exercised")
    ok(f"{csv_dir}: the edges of each of {len(groups)} outputs sum to it ({split} split among "
       f"several input addresses)")


def show_received(a, db, address):
    r = run([a.bin, "--db", db, "show", "address", address, "--format", "json"])
    if r.returncode != 0:
        fail(f"show address {address}: {r.stderr}")
    j = json.loads(r.stdout)
    if "ledgers" in j:
        return sum(int(l["received"]) for l in j["ledgers"])
    return j["received_sat"]


def trace_by_category(a, db, args):
    """The trace's own totals per model and endpoint category (trace --format json); on an
    account chain summed over the assets (each edge carries one asset's units)."""
    r = run([a.bin, "--db", db, "trace"] + args + ["--format", "json"])
    if r.returncode != 0:
        fail("trace " + " ".join(args) + ": " + r.stderr)
    j = json.loads(r.stdout)
    if "assets" in j:
        by = {m: {} for m in MODELS}
        for asset in j["assets"]:
            for m in MODELS:
                for c, v in asset["models"][m]["by_category"].items():
                    by[m][c] = by[m].get(c, 0) + int(v["amount"])
        return {m: {c: str(v) for c, v in sorted(d.items()) if v} for m, d in by.items()}
    models = j["models"]
    return {m: {c: str(v["sat"]) for c, v in sorted(models[m]["by_category"].items())
                if v["sat"]} for m in MODELS}


def cluster_received(a, db, address):
    """What the members of `address`'s cluster received, by show address of each member
    (cluster dump lists them): the edges into a cluster must carry exactly that."""
    r = run([a.bin, "--db", db, "show", "address", address, "--format", "json"])
    if r.returncode != 0:
        fail(f"show address {address}: {r.stderr}")
    j = json.loads(r.stdout)
    cid, size = j["cluster_id"], j["cluster_size"]
    r = run([a.bin, "--db", db, "cluster", "dump", "--format", "csv"])
    if r.returncode != 0:
        fail("cluster dump: " + r.stderr)
    members = [row["address"] for row in csv.DictReader(io.StringIO(r.stdout))
               if int(row["cluster_id"]) == cid]
    if len(members) != size or size < 2:
        fail(f"cluster {cid} of {address}: {len(members)} members dumped, size {size}")
    return cid, sum(show_received(a, db, m) for m in members)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--sim", required=True)
    ap.add_argument("--node-dir", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    if os.path.exists(a.work):
        shutil.rmtree(a.work)
    os.makedirs(a.work)

    # The real 2009 blocks, hostile labels on the neighbourhood of Satoshi's address.
    db = os.path.join(a.work, "btc.db")
    blk = os.path.join(a.source, "fixtures/btc/blk_consecutive/jeffchan/blk00000_first1MB.dat")
    r = run([a.bin, "--db", db, "ingest", "bitcoin", blk])
    if r.returncode != 0:
        fail("ingest: " + r.stderr)
    satoshi = "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S"
    n, m = export(a, db, satoshi, "csv", os.path.join(a.work, "probe"), ["--hops", "3"])
    with open(os.path.join(a.work, "probe", "nodes.csv"), newline="") as fh:
        addrs = [row["address"] for row in csv.DictReader(fh)]
    if len(addrs) < len(HOSTILE):
        fail(f"the 2009 neighbourhood has {len(addrs)} addresses, fewer than the labels")
    labels_csv = os.path.join(a.work, "hostile.csv")
    expect = {}
    with open(labels_csv, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["address", "label", "category", "source"])
        for addr, text in zip(addrs, HOSTILE):
            w.writerow([addr, text, "exchange", "hostile"])
            expect[addr] = text + " (hostile)"
    r = run([a.bin, "--db", db, "labels", "import", labels_csv])
    if r.returncode != 0:
        fail("labels import: " + r.stderr + r.stdout)
    check_case(a, "btc2009-both-3", db, satoshi, ["--hops", "3"], expect_labels=expect)
    check_case(a, "btc2009-tx-3", db, satoshi, ["--hops", "3", "--level", "tx"])
    check_case(a, "btc2009-cluster-3", db, satoshi, ["--hops", "3", "--level", "cluster"])
    check_case(a, "btc2009-satoshi-cluster", db, ("cluster", satoshi), [])
    back = ["--backward", "--from", "1DUDsfc23Dv9sPMEk5RsrtfzCw5ofi5sVW"]
    check_case(a, "btc2009-trace-backward", db, None, back,
               expect_by_category=trace_by_category(a, db, back))
    hal = "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3"
    check_case(a, "btc2009-hal-in", db, hal, ["--direction", "in"],
               expect_received=show_received(a, db, hal))

    # A simulated heist: the thief's first address.
    sim = os.path.join(a.work, "sim")
    r = run([a.sim, "--seed", "7", "--txs", "3000", "--out", sim, "--quiet"])
    if r.returncode != 0:
        fail("chaintrail-sim: " + r.stderr)
    sdb = os.path.join(a.work, "sim.db")
    for cmd in (["ingest", "bitcoin", "--network", "regtest", os.path.join(sim, "blocks")],
                ["labels", "import", os.path.join(sim, "labels.csv")]):
        r = run([a.bin, "--db", sdb] + cmd)
        if r.returncode != 0:
            fail(" ".join(cmd) + ": " + r.stderr)
    with open(os.path.join(sim, "truth.json")) as fh:
        truth = json.load(fh)
    thief = truth["stolen_outputs"][0]["address"]
    check_case(a, "sim-thief-in", sdb, thief, ["--direction", "in"],
               expect_received=show_received(a, sdb, thief))
    check_case(a, "sim-thief-out-4", sdb, thief, ["--direction", "out", "--hops", "4"])
    check_case(a, "sim-thief-both-2", sdb, thief, ["--hops", "2"])
    check_split(a, sdb, os.path.join(a.work, "sim-thief-both-2.csv"))
    # The flows of the heist's trace: per model, the taint into each endpoint category equals
    # the simulator's ground truth (its fees included).
    truth_by = {m: {c: str(v) for c, v in sorted(truth["models"][m]["by_category"].items())
                    if v} for m in MODELS}
    check_case(a, "sim-trace", sdb, None, ["--from", truth["heist"]["txid"]],
               expect_by_category=truth_by)
    # The same trace with an endpoint node per cluster: the same totals per category.
    check_case(a, "sim-trace-clusters", sdb, None, ["--from", truth["heist"]["txid"],
                                                    "--level", "cluster"],
               expect_by_category=truth_by)
    # Backward: where the thief's first address got its coins from; per model, the taint
    # into each endpoint category equals the trace's own totals.
    back = ["--backward", "--from", thief, "--hops", "6"]
    by = trace_by_category(a, sdb, back)
    if not by["haircut"]:
        fail("the backward trace of the thief reached no endpoint")
    check_case(a, "sim-trace-backward", sdb, None, back, expect_by_category=by)
    check_case(a, "sim-thief-tx-4", sdb, thief, ["--level", "tx", "--direction", "out",
                                                 "--hops", "4"])
    # Clusters: the thief's cluster (3 addresses) received what its members received, as
    # export cluster (members as nodes) and as one cluster node (--level cluster).
    cid, received = cluster_received(a, sdb, thief)
    check_case(a, "sim-thief-cluster-in", sdb, ("cluster", thief), ["--direction", "in"],
               expect_received=received)
    check_case(a, "sim-thief-cluster-id", sdb, ("cluster", str(cid)), [])
    check_case(a, "sim-thief-level-cluster-in", sdb, thief, ["--level", "cluster",
                                                             "--direction", "in"],
               expect_received=received)
    check_case(a, "sim-thief-level-cluster-3", sdb, thief, ["--level", "cluster", "--hops", "3"])

    # A real Ethereum block: wei beyond 2^53 must reach every reader exactly.
    edb = os.path.join(a.work, "eth.db")
    trin = os.path.join(a.source, "fixtures/eth/trin")
    r = run([a.bin, "--db", edb, "ingest", "ethereum", "--json",
             os.path.join(trin, "eth_getBlockByNumber_19433902_full.json"),
             os.path.join(trin, "eth_getBlockReceipts_19433902.json")])
    if r.returncode != 0:
        fail("ingest ethereum: " + r.stderr)
    router = "0x3fC91A3afd70395Cd496C647d5a6CC9D4B2b7FAD"
    base = check_case(a, "eth-router-in", edb, router, ["--direction", "in"],
                      expect_received=show_received(a, edb, router))
    if int(base[2]) < 2**53:
        fail("the Ethereum case does not exercise values above 2^53")
    check_case(a, "eth-router-both-2", edb, router, ["--hops", "2"])
    # The flows of an Ethereum trace: wei and token units, per model and category equal to
    # the trace's totals.
    eth_trace = ["--from", router]
    check_case(a, "eth-trace", edb, None, eth_trace,
               expect_by_category=trace_by_category(a, edb, eth_trace))
    print("all readers agree", flush=True)


if __name__ == "__main__":
    main()
