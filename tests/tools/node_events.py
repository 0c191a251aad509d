#!/usr/bin/env python3
"""Reads a node's chain straight over JSON-RPC (never chaintrail's database) and writes the
input of tests/tools/acct_reference.py: the account-model events of every block, the
labels, the sources and the options. The end-to-end test (tests/ethnode/e2e.py) feeds it to
the reference and compares the reference's figures with chaintrail's trace of the same
chain ingested with `ingest ethereum --rpc`.

Usage: node_events.py URL --tx HASH [--tx HASH...] [--labels CSV] [--to HEIGHT] > input.json

Events, as account.h defines them, from eth_getBlockByNumber(n, true) and
eth_getTransactionReceipt of every transaction (the node needs no tracer: no internal
transfers are read, as the ingest reads none from such a node):
- per transaction, in order: its ETH value (pos 0; when it succeeded and is not zero; to
  the created contract for a creation), its ERC-20 Transfer logs (topic0 ddf252ad...,
  three topics, 32 bytes of data, not zero; only when it succeeded) in log order, then the
  fee: the burnt part gasUsed x baseFeePerGas and the priority part gasUsed x
  (effectiveGasPrice - baseFeePerGas), each from the sender to the fee sink (to null);
- per block, after its transactions: the priority fees of the block credited to its
  miner (kind reward, from null).
Balances before block 0 (genesis allocations) have no event: the reference, like the
tracer, meets them as value of unknown origin. Assets: 0 is ETH, tokens get ids in order
of first appearance, as the ingest numbers them.
"""
import argparse
import csv
import json
import sys
import urllib.request

TRANSFER = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
BLOCK_LEVEL = 0xFFFFFFFF
STOPS = ["exchange", "mixer", "bridge", "gambling", "sanctioned"]


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
            out = {o["id"]: o for o in json.loads(r.read())}
        res = []
        for b in body:
            o = out[b["id"]]
            if "error" in o:
                raise RuntimeError("%s: %s" % (b["method"], o["error"]))
            res.append(o["result"])
        return res


def q(x):
    return int(x, 16)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--tx", action="append", required=True)
    ap.add_argument("--labels")
    ap.add_argument("--to", type=int)
    a = ap.parse_args()
    node = Node(a.url)
    head = q(node.batch([("eth_blockNumber", [])])[0])
    top = head if a.to is None or a.to > head else a.to
    assets = {"ETH": 0}
    info = {"0": {"symbol": "ETH", "decimals": 18, "priced": False}}
    events = []

    def ev(h, i, pos, time, kind, asset, frm, to, amount, tx):
        events.append({"height": h, "tx_index": i, "pos": pos, "time": time, "kind": kind,
                       "asset": asset, "from": frm, "to": to, "amount": str(amount), "tx": tx})

    blocks = node.batch([("eth_getBlockByNumber", [hex(n), True]) for n in range(top + 1)])
    for blk in blocks:
        h = q(blk["number"])
        time = q(blk["timestamp"])
        base = q(blk.get("baseFeePerGas") or "0x0")
        txs = blk["transactions"]
        rcs = node.batch([("eth_getTransactionReceipt", [t["hash"]]) for t in txs])
        tips = 0
        for t, rc in zip(txs, rcs):
            i = q(t["transactionIndex"])
            frm = t["from"].lower()
            ok = rc.get("status", "0x1") == "0x1"
            to = (t["to"] or rc.get("contractAddress") or "").lower()
            pos = 0
            if ok and q(t["value"]) and to:
                ev(h, i, pos, time, "native", 0, frm, to, q(t["value"]), t["hash"])
            pos += 1
            if ok:
                for lg in rc["logs"]:
                    tp = lg["topics"]
                    if len(tp) != 3 or tp[0].lower() != TRANSFER or len(lg["data"]) != 66:
                        continue
                    amt = int(lg["data"], 16)
                    if not amt:
                        continue
                    contract = lg["address"].lower()
                    if contract not in assets:
                        assets[contract] = len(assets)
                        info[str(assets[contract])] = {"symbol": contract, "decimals": 18,
                                                       "priced": False}
                    ev(h, i, pos, time, "token", assets[contract], "0x" + tp[1][-40:].lower(),
                       "0x" + tp[2][-40:].lower(), amt, t["hash"])
                    pos += 1
            gas = q(rc["gasUsed"])
            price = q(rc.get("effectiveGasPrice") or t["gasPrice"])
            burnt = gas * min(base, price)
            tip = gas * price - burnt
            if burnt:
                ev(h, i, pos, time, "fee_burnt", 0, frm, None, burnt, t["hash"])
                pos += 1
            if tip:
                ev(h, i, pos, time, "fee_priority", 0, frm, None, tip, t["hash"])
            tips += tip
        if tips:
            ev(h, BLOCK_LEVEL, 0, time, "reward", 0, None, blk["miner"].lower(), tips, None)

    labels = {}
    if a.labels:
        with open(a.labels, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                labels[row["address"].lower()] = row["category"]
    doc = {
        "options": {"models": ["poison", "haircut", "fifo", "lifo", "tiho"], "hops": 10,
                    "dust": "0", "stops": STOPS, "cashout": STOPS[:4]},
        "sources": [{"tx": t.lower()} for t in a.tx],
        "labels": labels,
        "assets": info,
        "tip": top,
        "events": events,
    }
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
