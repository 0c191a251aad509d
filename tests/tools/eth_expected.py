#!/usr/bin/env python3
"""Independent expectations for the Ethereum ingest tests, computed straight from the
saved JSON-RPC responses with Python's json module (no chaintrail code):

  erc20_<N>.csv  every ERC-20 Transfer of block N in log order: tx hash, log index,
                 token contract, from, to, amount (decimal). A log counts when topic0 is
                 Transfer(address,address,uint256), it has exactly 3 topics and 32 bytes of
                 data, and the amount is not zero (ERC-721 Transfers have 4 topics).
  counts_<N>.txt txs, logs, erc20 transfers, token contracts, native transfers (status 1,
                 value > 0), fee events (burnt > 0 plus priority > 0), priority rewards.

Usage: tests/tools/eth_expected.py BLOCK.json RECEIPTS.json OUTDIR
"""
import json
import sys

TRANSFER = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"


def result(path):
    d = json.load(open(path))
    if isinstance(d, list):
        d = d[0]
    return d["result"]


block, receipts, out = result(sys.argv[1]), result(sys.argv[2]), sys.argv[3]
n = int(block["number"], 16)
base = int(block.get("baseFeePerGas", "0x0"), 16)
rows, contracts, native, fees, rewards, logs = [], set(), 0, 0, 0, 0
for tx, r in zip(block["transactions"], receipts):
    assert tx["hash"] == r["transactionHash"]
    logs += len(r["logs"])
    if r["status"] == "0x1" and int(tx["value"], 16) > 0:
        native += 1
    used, price = int(r["gasUsed"], 16), int(r["effectiveGasPrice"], 16)
    burnt, prio = used * base, used * (price - base)
    fees += (burnt > 0) + (prio > 0)
    rewards += prio > 0
    for l in r["logs"]:
        t = l["topics"]
        if len(t) == 3 and t[0] == TRANSFER and len(l["data"]) == 66 and int(l["data"], 16):
            rows.append((r["transactionHash"], int(l["logIndex"], 16), l["address"],
                         "0x" + t[1][26:], "0x" + t[2][26:], int(l["data"], 16)))
            contracts.add(l["address"])
with open(f"{out}/erc20_{n}.csv", "w") as f:
    for row in rows:
        f.write("%s,%d,%s,%s,%s,%d\n" % row)
with open(f"{out}/counts_{n}.txt", "w") as f:
    f.write(f"txs {len(block['transactions'])}\nlogs {logs}\nerc20 {len(rows)}\n"
            f"tokens {len(contracts)}\nnative {native}\nfees {fees}\nrewards {rewards}\n")
