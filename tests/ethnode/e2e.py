#!/usr/bin/env python3
"""The end-to-end test on a real node: run by ctest through with-ganache.sh, which starts
ganache and sets CT_ETH_RPC (see tests/ethnode/README.md).

Usage: e2e.py --bin CHAINTRAIL --work DIR

1. theft.mjs plays the simulated theft on the node and writes the scenario.
2. `chaintrail ingest ethereum --rpc` with --confirmations 0, in batches of 4 blocks.
3. Every count of `stats --format json` equals what the node's own blocks and receipts say;
   every address's net ETH and token balance (`show address --format json`) equals the
   node's eth_getBalance (minus the genesis balance, which no transaction carries) and the
   token's balanceOf, to the wei.
4. A second ingest adds nothing: 0 blocks connected and the same verify digest.
   --confirmations 20 stops 20 blocks behind the head, --finalized at the node's finalized
   block; a later run adds the rest, and the database equals the one-run database.
5. An unreachable URL is exit 3 with "cannot reach the node at URL: ...".
6. The labels CSV is imported; for each theft (ETH, token) `chaintrail trace --from TXHASH`
   (all five models, default options, JSON) is compared with the independent reference
   (tests/tools/acct_reference.py on the events that tests/tools/node_events.py reads from
   the node, never from our database): the source, every category total and every
   endpoint (address, category, label, taint to the wei, hops, flows, first and last block
   and time) must be equal; laundered = the exchange total; range.low/high = the least and
   greatest laundered figure of haircut, FIFO, LIFO and TIHO, range.poison poison's. The
   four conserving models must also disagree at the exchange deposit, as the scenario was
   built to make them, and add up to the source.
7. A reorg on the node (evm_snapshot, two blocks ingested, evm_revert, three other blocks):
   the next ingest rolls the two back and connects the three; balances equal the node's
   again and the database equals a fresh ingest of the node's final chain.
Every check prints what it compared; the last line is "N passed, 0 failed" or the script
exits 1 at the first mismatch, naming it.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(HERE, "..", "tools")
TRANSFER = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
PASSED = 0


def check(cond, what):
    global PASSED
    if not cond:
        print("FAIL: " + what, flush=True)
        print("%d passed, 1 failed" % PASSED)
        sys.exit(1)
    PASSED += 1


def rpc(url, method, params):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    req = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        out = json.loads(r.read())
    if "error" in out:
        raise RuntimeError("%s: %s" % (method, out["error"]))
    return out["result"]


def run(args, expect_rc=0):
    p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if p.returncode != expect_rc:
        print("command: %s\nexit %d (expected %d)\nstdout: %s\nstderr: %s" %
              (" ".join(args), p.returncode, expect_rc, p.stdout, p.stderr))
        check(False, "exit code of " + args[3] if len(args) > 3 else args[0])
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    url = os.environ["CT_ETH_RPC"]
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    db = os.path.join(a.work, "db")
    ct = [a.bin, "--db", db]

    # 1. the theft
    subprocess.run(["node", os.path.join(HERE, "theft.mjs"), url, a.work], check=True, timeout=120)
    with open(os.path.join(a.work, "scenario.json")) as f:
        sc = json.load(f)
    head = sc["head"]

    # what the node says, read independently of chaintrail
    blocks = [rpc(url, "eth_getBlockByNumber", [hex(n), True]) for n in range(head + 1)]
    n_txs = sum(len(b["transactions"]) for b in blocks)
    n_native = n_logs = n_token = n_fee = n_reward = 0
    addrs = set()
    token = sc["token"]["address"]
    for b in blocks:
        miner_paid = False
        base = int(b.get("baseFeePerGas", "0x0"), 16)
        for t in b["transactions"]:
            rc = rpc(url, "eth_getTransactionReceipt", [t["hash"]])
            ok = rc["status"] == "0x1"
            addrs.add(t["from"].lower())
            to = (t["to"] or rc["contractAddress"] or "").lower()
            if to:
                addrs.add(to)
            if ok and int(t["value"], 16):
                n_native += 1
            n_logs += len(rc["logs"])
            for lg in rc["logs"]:
                if ok and len(lg["topics"]) == 3 and lg["topics"][0] == TRANSFER and int(lg["data"], 16):
                    n_token += 1
                    addrs.add("0x" + lg["topics"][1][-40:])
                    addrs.add("0x" + lg["topics"][2][-40:])
            gas = int(rc["gasUsed"], 16)
            price = int(rc["effectiveGasPrice"], 16)
            n_fee += (1 if gas * base else 0) + (1 if gas * (price - base) else 0)
            if gas * (price - base):
                miner_paid = True
        if miner_paid:
            n_reward += 1
            addrs.add(b["miner"].lower())

    # 2. ingest from the node
    p = run(ct + ["ingest", "ethereum", "--rpc", url, "--confirmations", "0", "--chain-id",
                  str(sc["chain_id"]), "--batch", "4"])
    print(p.stderr, end="")
    check("ethereum height %d; %d blocks connected," % (head, head + 1) in p.stderr,
          "first ingest connects blocks 0..%d" % head)
    check("receipts by eth_getTransactionReceipt" in p.stderr,
          "the per-transaction receipts fallback is used on ganache")
    check("internal transfers are unavailable" in p.stderr,
          "the summary says ganache gives no internal transfers")

    # 3. counts and balances
    st = json.loads(run(ct + ["stats", "--format", "json"]).stdout)["ethereum"]
    want = {"chain_id": sc["chain_id"], "height": head, "blocks": head + 1, "txs": n_txs,
            "native_transfers": n_native, "internal_transfers": 0, "transfers": n_native,
            "token_transfers": n_token, "fee_events": n_fee, "rewards": n_reward,
            "logs": n_logs, "addresses": len(addrs), "tokens": 1,
            "events": n_native + n_token + n_fee + n_reward}
    for k, v in want.items():
        check(st.get(k) == v, "stats ethereum.%s = %s, the node says %s" % (k, st.get(k), v))
    for addr in sorted(addrs):
        show = json.loads(run(ct + ["show", "address", addr, "--format", "json"]).stdout)
        led = {l["symbol"]: l for l in show["ledgers"]}
        eth_now = int(rpc(url, "eth_getBalance", [addr, hex(head)]), 16)
        eth_gen = int(rpc(url, "eth_getBalance", [addr, "0x0"]), 16)
        net = int(led["ETH"]["net"]) if "ETH" in led else 0
        check(net == eth_now - eth_gen,
              "%s: ETH net %d, the node's balance change %d" % (addr, net, eth_now - eth_gen))
        bal = int(rpc(url, "eth_call", [{"to": token, "data": "0x70a08231" + addr[2:].rjust(64, "0")},
                                        hex(head)]), 16)
        tnet = int(led["TKN"]["received"]) - int(led["TKN"]["sent"]) if "TKN" in led else 0
        if addr == "0x0000000000000000000000000000000000000000":
            supply = int(rpc(url, "eth_call", [{"to": token, "data": "0x18160ddd"}, hex(head)]), 16)
            check(tnet == -supply, "the zero address sent the minted supply %d (net %d)" % (supply, tnet))
        else:
            check(tnet == bal, "%s: TKN net %d, balanceOf %d" % (addr, tnet, bal))
        if "TKN" in led:
            check(led["TKN"]["decimals"] == 18 and led["TKN"]["contract"].lower() == token,
                  "token metadata from eth_call: TKN, 18 decimals, its contract")

    # 4. a second ingest adds nothing
    def digest():
        out = run(ct + ["verify", "--format", "json"]).stdout
        return json.loads(out)
    before = digest()
    p = run(ct + ["ingest", "ethereum", "--rpc", url, "--confirmations", "0", "--chain-id",
                  str(sc["chain_id"])])
    check("0 blocks connected" in p.stderr, "a second ingest connects no block: " + p.stderr.strip())
    check(digest() == before, "verify's report (digests included) is unchanged by the second ingest")
    st2 = json.loads(run(ct + ["stats", "--format", "json"]).stdout)["ethereum"]
    check(st2 == st, "stats unchanged by the second ingest")

    # 5. an unreachable node: a port that was just free
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = "http://127.0.0.1:%d/" % s.getsockname()[1]
    s.close()
    p = run([a.bin, "--db", os.path.join(a.work, "db2"), "ingest", "ethereum", "--rpc", dead,
             "--retries", "1", "--chain-id", "1337"], expect_rc=3)
    check(("chaintrail: ingest: node-unreachable: cannot reach the node at %s: " % dead) in p.stderr
          and "(2 attempts)" in p.stderr, "unreachable node message: " + p.stderr.strip())
    p = run(ct + ["ingest", "ethereum", "--rpc", url, "--chain-id", "1"], expect_rc=3)
    check("network-mismatch: the node at %s serves chain id 1337, not 1" % url in p.stderr,
          "chain id mismatch: " + p.stderr.strip())

    # --confirmations and --finalized on fresh databases: where the ingest stops
    p = run([a.bin, "--db", os.path.join(a.work, "db_conf"), "ingest", "ethereum", "--rpc", url,
             "--confirmations", "20", "--chain-id", "1337"])
    check("ethereum height %d; %d blocks connected," % (head - 20, head - 19) in p.stderr,
          "--confirmations 20 stops 20 blocks behind the head %d: %s" % (head, p.stderr.strip()))
    fin = int(rpc(url, "eth_getBlockByNumber", ["finalized", False])["number"], 16)
    p = run([a.bin, "--db", os.path.join(a.work, "db_fin"), "ingest", "ethereum", "--rpc", url,
             "--finalized", "--batch", "1", "--chain-id", "1337"])
    check("ethereum height %d; %d blocks connected," % (fin, fin + 1) in p.stderr,
          "--finalized stops at the node's finalized block %d: %s" % (fin, p.stderr.strip()))
    p = run([a.bin, "--db", os.path.join(a.work, "db_conf"), "ingest", "ethereum", "--rpc", url,
             "--confirmations", "0", "--chain-id", "1337", "--batch", "7"])
    check("ethereum height %d; 20 blocks connected," % head in p.stderr,
          "a later run with fewer confirmations adds the 20 newer blocks: " + p.stderr.strip())
    check(json.loads(run([a.bin, "--db", os.path.join(a.work, "db_conf"), "verify", "--format",
                          "json"]).stdout)["ethereum"] == before["ethereum"],
          "ingesting in two runs (batches of 10 then 7) gives the same Ethereum digest as one run")

    # 6. the trace of both thefts against the reference
    refs = {}
    p = run(ct + ["labels", "import", sc["labels_csv"]])
    check("2 added" in p.stderr, "labels import: " + p.stderr.strip())
    for name in ("eth", "token"):
        txh = sc["theft"][name]
        evfile = os.path.join(a.work, "events_%s.json" % name)
        with open(evfile, "w") as f:
            subprocess.run([sys.executable, os.path.join(TOOLS, "node_events.py"), url, "--tx", txh,
                            "--labels", sc["labels_csv"]], stdout=f, check=True, timeout=120)
        ref = json.loads(subprocess.run([sys.executable, os.path.join(TOOLS, "acct_reference.py"),
                                         evfile], capture_output=True, text=True, check=True,
                                        timeout=120).stdout)
        refs[name] = ref
        got = json.loads(run(ct + ["trace", "--from", txh, "--format", "json"]).stdout)
        check(got["complete"], "%s theft: the trace is complete" % name)
        check(got["manifest"]["chain"] == "ethereum" and got["manifest"]["tip"]["height"] == head,
              "%s theft: the manifest names the chain and its tip" % name)
        asset = "0" if name == "eth" else "1"
        symbol = "ETH" if name == "eth" else "TKN"
        check([x["symbol"] for x in got["assets"]] == [symbol],
              "%s theft: the trace carries one asset, %s: %s" %
              (name, symbol, [x["symbol"] for x in got["assets"]]))
        ga = got["assets"][0]
        if name == "token":
            check(ga["contract"].lower() == token and ga["decimals"] == 18,
                  "token theft: the asset is the token's contract with 18 decimals")
        stolen = {"eth": 40 * 10**18, "token": 300000 * 10**18}[name]
        ex1 = sc["accounts"]["exchange_1"]
        at_ex1, laundered = {}, {}
        for m in ("poison", "haircut", "fifo", "lifo", "tiho"):
            r, g = ref["models"][m], ga["models"][m]
            check(sorted(r) == [asset], "%s %s: the reference traces one asset" % (name, m))
            check(g["source"] == str(stolen) and r[asset]["source"] == str(stolen),
                  "%s %s: source %s, reference %s, stolen %d" %
                  (name, m, g["source"], r[asset]["source"], stolen))
            rc = {k: v["amount"] for k, v in r[asset]["categories"].items()}
            gc = {k: v["amount"] for k, v in g["by_category"].items() if v["amount"] != "0"}
            check(gc == rc, "%s %s: categories %s, reference %s" % (name, m, gc, rc))
            re_ = [e[:9] for e in r[asset]["endpoints"]]
            ge = [[e["address"].lower(), e["category"], e["taint"], e["hops"], e["flows"],
                   e["first_height"], e["first_time"], e["last_height"], e["last_time"]]
                  for e in g["endpoints"]]
            check(len(ge) == len(re_), "%s %s: %d endpoints, reference %d" %
                  (name, m, len(ge), len(re_)))
            for x, y in zip(ge, re_):
                check(x == y, "%s %s: endpoint %s, reference %s" % (name, m, x, y))
            for e in g["endpoints"]:
                if e["category"] == "exchange":
                    check(e["label"].startswith("Exchange "), "%s %s: the exchange endpoint "
                          "carries its label: %s" % (name, m, e["label"]))
            check(g["laundered"] == rc.get("exchange", "0"),
                  "%s %s: laundered %s = the exchange total" % (name, m, g["laundered"]))
            laundered[m] = int(g["laundered"])
            if m != "poison":
                check(sum(int(v) for v in gc.values()) == stolen,
                      "%s %s: the categories add up to the source" % (name, m))
            at_ex1[m] = sum(int(e[2]) for e in ge if e[0] == ex1)
            print("trace %s theft %s: %s" % (name, m, gc))
        four = [laundered[m] for m in ("haircut", "fifo", "lifo", "tiho")]
        check(ga["range"]["low"] == str(min(four)) and ga["range"]["high"] == str(max(four)) and
              ga["range"]["poison"] == str(laundered["poison"]),
              "%s theft: range %s from the laundered figures %s" % (name, ga["range"], laundered))
        print("trace %s theft, taint at exchange_1: %s" % (name, at_ex1))
        check(len(set(at_ex1[m] for m in ("haircut", "fifo", "lifo", "tiho"))) == 4,
              "%s theft: the four conserving models give four figures at exchange_1" % name)
    # 6b. scan (docs/scan.md "Ethereum"): the thief labelled hack, the exchanges' deposit
    # addresses and others as customers. The thief received nothing but the two thefts, so
    # the forward trace of the scan from the thief is the reference's trace from the two
    # theft transactions: exactly the customers the reference says received stolen value are
    # flagged, per asset, direct (hop 1) or indirect (hops 2..3, the hack rule's max_hops),
    # with the reference's taint per model.
    acc = sc["accounts"]
    thief_csv = os.path.join(a.work, "thief.csv")
    with open(thief_csv, "w") as f:
        f.write("address,label,category,source\n%s,Test thief,hack,e2e\n" % acc["thief"])
    run(ct + ["labels", "import", thief_csv])
    roles = ["exchange_1", "exchange_2", "sink", "clean1", "clean2", "split_c"]
    cust_csv = os.path.join(a.work, "customers.csv")
    with open(cust_csv, "w") as f:
        f.write("customer_id,address\n" + "".join("%s,%s\n" % (r, acc[r]) for r in roles))
    want = {}
    models = ("poison", "haircut", "fifo", "lifo", "tiho")
    for name, asset, symbol in (("eth", "0", "ETH"), ("token", "1", "TKN")):
        for m in models:
            for e in refs[name]["models"][m][asset]["endpoints"]:
                role = [r for r in roles if acc[r] == e[0].lower()]
                if not role or int(e[2]) == 0:
                    continue
                check(e[3] <= 3, "%s %s: %s reached within the rule's 3 hops" % (name, m, role[0]))
                key = (role[0], "direct" if e[3] == 1 else "indirect", symbol)
                want.setdefault(key, {k: 0 for k in models})[m] += int(e[2])
    p = run(ct + ["scan", "--customers", cust_csv, "--fail-on", "none"])
    got = {}
    for line in p.stdout.splitlines():
        x = json.loads(line)
        check(x["chain"] == "ethereum" and x["direction"] == "incoming" and
              x["category"] == "hack" and x["severity"] == "HIGH",
              "scan: an incoming HIGH hack alert on ethereum: %s" % line)
        key = (x["customer_id"], x["exposure"], x["asset"])
        check(key not in got, "scan: one alert per customer, exposure and asset: %s" % (key,))
        got[key] = {m: int(x["amount"][m]) for m in models}
    print("scan: %s" % sorted(got))
    check(sorted(got) == sorted(want), "scan: the flagged (customer, exposure, asset) %s are "
          "those the reference reaches %s" % (sorted(got), sorted(want)))
    check(not any(k[0] in ("clean1", "clean2") for k in got), "scan: clean1, clean2 not flagged")
    for k in want:
        check(got.get(k) == want[k], "scan %s: %s, reference %s" % (k, got.get(k), want[k]))

    # 7. a reorg on the node: two blocks ingested, then replaced by three others
    snap = rpc(url, "evm_snapshot", [])
    acc = sc["accounts"]

    def send(frm, to, wei):
        rpc(url, "eth_sendTransaction", [{"from": acc[frm], "to": acc[to], "value": hex(wei),
                                          "gas": hex(21000)}])
    send("clean1", "sink", 10**15)
    send("clean2", "sink", 2 * 10**15)
    p = run(ct + ["ingest", "ethereum", "--rpc", url, "--confirmations", "0", "--chain-id", "1337"])
    check("ethereum height %d; 2 blocks connected," % (head + 2) in p.stderr,
          "two new blocks ingested before the reorg: " + p.stderr.strip())
    check(rpc(url, "evm_revert", [snap]) is True, "ganache reverted to block %d" % head)
    send("clean2", "mid_b", 3 * 10**15)
    send("clean1", "exchange_2", 4 * 10**15)
    send("clean2", "sink", 5 * 10**15)
    p = run(ct + ["ingest", "ethereum", "--rpc", url, "--confirmations", "0", "--chain-id", "1337"])
    check("ethereum height %d; 3 blocks connected, 0 already stored, 2 rolled back in 1 reorgs"
          % (head + 3) in p.stderr, "the reorg is rolled back to the fork: " + p.stderr.strip())
    for role in ("sink", "mid_b", "exchange_2", "clean1", "clean2"):
        addr = acc[role]
        show = json.loads(run(ct + ["show", "address", addr, "--format", "json"]).stdout)
        net = sum(int(l["net"]) for l in show["ledgers"] if l["symbol"] == "ETH")
        now = int(rpc(url, "eth_getBalance", [addr, "latest"]), 16)
        gen = int(rpc(url, "eth_getBalance", [addr, "0x0"]), 16)
        check(net == now - gen, "after the reorg, %s's ETH net %d equals the node's change %d" %
              (role, net, now - gen))
    fresh = os.path.join(a.work, "db_after_reorg")
    run([a.bin, "--db", fresh, "ingest", "ethereum", "--rpc", url, "--confirmations", "0",
         "--chain-id", "1337"])
    d1 = json.loads(run(ct + ["verify", "--format", "json"]).stdout)["ethereum"]
    d2 = json.loads(run([a.bin, "--db", fresh, "verify", "--format", "json"]).stdout)["ethereum"]
    check(d1["ok"] and d1 == d2, "after the reorg the database equals a fresh ingest of the "
          "node's chain (verify: %s vs %s)" % (d1.get("digest"), d2.get("digest")))

    print("%d passed, 0 failed" % PASSED)


if __name__ == "__main__":
    main()
