#!/usr/bin/env python3
"""An independent reference of the account-model taint trace (taint-models.md, "Account
chains" and "Stops and attribution"), computed straight from a node over JSON-RPC — never
from chaintrail's database — for the end-to-end test of `chaintrail trace`.

Usage: acct_reference.py URL SOURCE_TXHASH [--labels CSV] [--to HEIGHT] [--stop CATS]

Prints one JSON object: per model (poison, haircut, fifo, lifo, tiho) the taint that entered
(`source`, per asset), every endpoint (address, asset, category, taint) and the totals per
asset and category, amounts as decimal strings of wei or token units. Assets are "ETH" or
the token contract's lowercase address.

What it reads: eth_getBlockByNumber(n, true) for blocks 0..HEIGHT (default: the head),
eth_getTransactionReceipt of every transaction, and eth_getBalance at block 0 of every
address seen (balance before the first block). Internal transfers are not read (it is meant
for nodes without a tracer, such as ganache, where the ingest has none either).

The events of a transaction, in order (account.h): its ETH value (when it succeeded and the
value is not zero; to the created contract for a creation), then its ERC-20 Transfer logs
(topic0 ddf252ad..., three topics, 32 bytes of data, not zero) in log order, then its gas fee
(gasUsed x effectiveGasPrice) to the fee sink. A failed transaction has its fee only.

The trace, written for this test independently of the tracer's code:
- The source: the value events (not the fee) of the source transaction; each fully taints
  what its receiver gets, at hop 1. The sender's ledger is debited with clean value.
- Every ledger (address, asset) keeps its value as a line of segments, oldest first, each
  tainted or clean. Balance that existed before block 0 (eth_getBalance at 0) is one clean
  segment; an outflow beyond the known balance first adds the shortfall as a clean segment
  at the front (value of unknown origin, oldest).
- An outflow of x from a ledger carries, per model:
    poison:  x if the ledger ever held taint, else 0;
    haircut: floor(x * T / B) (T its taint, B its balance before the outflow);
    fifo:    the tainted part of the first x units of the line (removed from the front);
    lifo:    the tainted part of the last x units (removed from the back; the carried
             segments keep their order reversed, last in = first out);
    tiho:    min(x, T).
  fifo and lifo pass the carried segments on, so a receiver's line is exact to the unit.
- A receiver labelled with a stop category keeps the taint as an endpoint of that category
  (the value itself lands on its ledger as clean); the fee sink is the category `fee`.
- At the tip, the taint left in every other ledger is an endpoint of category `unspent`
  (poison: the whole balance of a poisoned ledger).
- Self-transfers (from == to) change nothing. Hops are not limited (the scenario is short).
"""
import argparse
import csv
import json
import sys
import urllib.request

TRANSFER = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
MODELS = ("poison", "haircut", "fifo", "lifo", "tiho")
FEE = "fee"


class Node:
    def __init__(self, url):
        self.url = url
        self.id = 0

    def batch(self, calls):
        if not calls:
            return []
        body = []
        for m, p in calls:
            self.id += 1
            body.append({"jsonrpc": "2.0", "id": self.id, "method": m, "params": p})
        req = urllib.request.Request(self.url, json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            out = json.loads(r.read())
        by_id = {o["id"]: o for o in out}
        res = []
        for b in body:
            o = by_id[b["id"]]
            if "error" in o:
                raise RuntimeError("%s: %s" % (b["method"], o["error"]))
            res.append(o["result"])
        return res


def q(x):
    return int(x, 16)


def read_events(node, to_height):
    """Yields (height, tx_index, pos, kind, asset, from, to, amount, txhash) in chain order,
    and returns the set of addresses seen."""
    head = q(node.batch([("eth_blockNumber", [])])[0])
    if to_height is None or to_height > head:
        to_height = head
    events = []
    addrs = set()
    blocks = node.batch([("eth_getBlockByNumber", [hex(n), True]) for n in range(to_height + 1)])
    for blk in blocks:
        h = q(blk["number"])
        txs = blk["transactions"]
        rcs = node.batch([("eth_getTransactionReceipt", [t["hash"]]) for t in txs])
        for t, rc in zip(txs, rcs):
            i = q(t["transactionIndex"])
            frm = t["from"].lower()
            ok = rc.get("status", "0x1") == "0x1"
            pos = 0
            addrs.add(frm)
            to = (t["to"] or rc.get("contractAddress") or "").lower()
            if ok and q(t["value"]) and to:
                events.append((h, i, pos, "native", "ETH", frm, to, q(t["value"]), t["hash"]))
                addrs.add(to)
            pos += 1
            if ok:
                for lg in rc["logs"]:
                    tp = lg["topics"]
                    data = lg["data"]
                    if len(tp) != 3 or tp[0].lower() != TRANSFER or len(data) != 66:
                        continue
                    amt = int(data, 16)
                    if not amt:
                        continue
                    a = "0x" + tp[1][-40:].lower()
                    b = "0x" + tp[2][-40:].lower()
                    events.append((h, i, pos, "token", lg["address"].lower(), a, b, amt, t["hash"]))
                    pos += 1
            price = rc.get("effectiveGasPrice") or t["gasPrice"]
            fee = q(rc["gasUsed"]) * q(price)
            if fee:
                events.append((h, i, pos, "fee", "ETH", frm, FEE, fee, t["hash"]))
    return events, addrs, to_height


class Ledger:
    """One (address, asset) under all five models."""

    def __init__(self, opening):
        self.balance = opening
        self.poisoned = False
        self.hair_t = 0
        self.tiho_t = 0
        self.fifo = [[opening, False]] if opening else []   # segments, oldest first
        self.lifo = [[opening, False]] if opening else []

    def credit(self, x, carried):
        """carried: per model the taint (poison/haircut/tiho: int) or segments (fifo/lifo)."""
        self.balance += x
        if carried["poison"]:
            self.poisoned = True
        self.hair_t += carried["haircut"]
        self.tiho_t += carried["tiho"]
        self.fifo.extend([list(s) for s in carried["fifo"]])
        self.lifo.extend([list(s) for s in carried["lifo"]])

    @staticmethod
    def take(line, x, from_back):
        out = []
        while x:
            seg = line[-1] if from_back else line[0]
            k = min(x, seg[0])
            out.append([k, seg[1]])
            seg[0] -= k
            x -= k
            if not seg[0]:
                line.pop(-1 if from_back else 0)
        return out

    def debit(self, x):
        if x > self.balance:
            short = x - self.balance
            self.fifo.insert(0, [short, False])
            self.lifo.insert(0, [short, False])
            self.balance += short
        c = {
            "poison": x if self.poisoned else 0,
            "haircut": x * self.hair_t // self.balance,
        }
        c["tiho"] = min(x, self.tiho_t)
        c["fifo"] = self.take(self.fifo, x, False)
        c["lifo"] = self.take(self.lifo, x, True)
        self.hair_t -= c["haircut"]
        self.tiho_t -= c["tiho"]
        self.balance -= x
        return c

    def taint(self, model):
        if model == "poison":
            return self.balance if self.poisoned else 0
        if model == "haircut":
            return self.hair_t
        if model == "tiho":
            return self.tiho_t
        return sum(s[0] for s in (self.fifo if model == "fifo" else self.lifo) if s[1])


def amount_of(carried, model):
    v = carried[model]
    return sum(s[0] for s in v if s[1]) if model in ("fifo", "lifo") else v


def clean(x):
    return {"poison": 0, "haircut": 0, "tiho": 0, "fifo": [[x, False]], "lifo": [[x, False]]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("source")
    ap.add_argument("--labels")
    ap.add_argument("--to", type=int)
    ap.add_argument("--stop", default="exchange,mixer,bridge,gambling,sanctioned")
    a = ap.parse_args()
    stops = set(a.stop.split(","))
    labels = {}
    if a.labels:
        with open(a.labels, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if row["category"] in stops:
                    labels[row["address"].lower()] = (row["category"], row.get("label", ""))
    node = Node(a.url)
    events, addrs, tip = read_events(node, a.to)
    src = a.source.lower()
    if not any(e[8].lower() == src for e in events):
        sys.exit("acct_reference: %s is not a transaction with value events up to block %d" % (a.source, tip))
    ordered = sorted(addrs)
    opening = dict(zip(ordered, (q(b) for b in node.batch(
        [("eth_getBalance", [x, "0x0"]) for x in ordered]))))

    ledgers = {}

    def ledger(addr, asset):
        k = (addr, asset)
        if k not in ledgers:
            ledgers[k] = Ledger(opening.get(addr, 0) if asset == "ETH" else 0)
        return ledgers[k]

    endpoints = {m: {} for m in MODELS}   # (addr, asset, category) -> taint
    source = {}
    for (h, i, pos, kind, asset, frm, to, x, txh) in events:
        if frm == to:
            continue
        if txh.lower() == src and kind != "fee":
            ledger(frm, asset).debit(x)
            source[asset] = source.get(asset, 0) + x
            carried = {"poison": x, "haircut": x, "tiho": x,
                       "fifo": [[x, True]], "lifo": [[x, True]]}
        else:
            carried = ledger(frm, asset).debit(x)
        if to == FEE:
            for m in MODELS:
                t = amount_of(carried, m)
                if t:
                    key = ("", asset, FEE)
                    endpoints[m][key] = endpoints[m].get(key, 0) + t
            continue
        if to in labels:
            for m in MODELS:
                t = amount_of(carried, m)
                if t:
                    key = (to, asset, labels[to][0])
                    endpoints[m][key] = endpoints[m].get(key, 0) + t
            ledger(to, asset).credit(x, clean(x))
            continue
        ledger(to, asset).credit(x, carried)
    for (addr, asset), lg in ledgers.items():
        if addr in labels:
            continue
        for m in MODELS:
            t = lg.taint(m)
            if t:
                endpoints[m][(addr, asset, "unspent")] = t
    out = {"source_tx": a.source, "tip": tip, "models": {}}
    for m in MODELS:
        eps = [{"address": ad, "asset": asset, "category": cat, "taint": str(t)}
               for (ad, asset, cat), t in sorted(endpoints[m].items())]
        by = {}
        for (ad, asset, cat), t in endpoints[m].items():
            by.setdefault(asset, {}).setdefault(cat, 0)
            by[asset][cat] += t
        if m != "poison":
            for asset, cats in by.items():
                if sum(cats.values()) != source.get(asset, 0):
                    sys.exit("acct_reference: %s does not conserve %s: %d != %d" %
                             (m, asset, sum(cats.values()), source.get(asset, 0)))
        out["models"][m] = {
            "source": {k: str(v) for k, v in sorted(source.items())},
            "endpoints": eps,
            "by_category": {asset: {c: str(v) for c, v in sorted(cats.items())}
                            for asset, cats in sorted(by.items())},
        }
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
