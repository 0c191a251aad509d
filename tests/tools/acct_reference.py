#!/usr/bin/env python3
"""Independent reference of chaintrail's account-model trace (docs/taint-models.md,
"Account chains"), used by tests/test_acct_trace.c to cross-check engine/account/acct_trace.c.

Deliberately plain and different in approach: it simulates *every* ledger of every address
and asset from the first event on (no heap, no activation, no replay, no dormant ledgers),
with Python's unbounded integers, and reports the same figures.

Input (a JSON file, argv[1]):
  {"options": {"models": ["poison", ...], "hops": 10, "dust": "0",
               "stops": ["exchange", ...], "cashout": ["exchange", ...]},
   "sources": [{"address": "0x..", "from": -1, "to": -1} | {"tx": "0x.."}],
   "labels": {"0x..": "exchange", ...},
   "assets": {"0": {"symbol": "ETH", "decimals": 18, "priced": true}, ...},
   "prices": {"ETH": {"<day>": cents, ...}, ...},
   "events": [{"height": h, "tx_index": i, "pos": p, "time": t, "kind": k, "asset": a,
               "from": "0x.." | null, "to": "0x.." | null, "amount": "decimal",
               "tx": "0x.." | null}, ...]}
Output (stdout, JSON): {"models": {m: {asset: {"source": "..", "categories": {name:
  {"amount": "..", "usd_cents": n, "unpriced": ".."}}, "endpoints": [[address, category,
  taint, hops, flows, first_height, first_time, last_height, last_time, usd_cents,
  unpriced], ...]}}}, "events": n_source_events}
Amounts are decimal strings; endpoints sorted by taint descending, then address, then
category, as chaintrail sorts them.
"""
import json
import sys

MODELS = ["poison", "haircut", "fifo", "lifo", "tiho"]


class Piece:
    __slots__ = ("amount", "tainted", "hop", "height", "time")

    def __init__(self, amount, tainted=False, hop=0, height=0, time=0):
        self.amount = amount
        self.tainted = tainted
        self.hop = hop if tainted else 0
        self.height = height if tainted else 0
        self.time = time if tainted else 0

    def copy(self, amount):
        return Piece(amount, self.tainted, self.hop, self.height, self.time)


class Ledger:
    def __init__(self):
        self.balance = 0
        self.lots = {"fifo": [], "lifo": [], "tiho": []}  # tiho: tainted lots only
        self.tiho_clean = 0
        self.hc_taint = 0
        self.poisoned = False
        # haircut and poison: fewest hops, first and last arrival of taint (since clean)
        self.agg = {"haircut": None, "poison": None}


def take(lots, x, oldest_first):
    """Takes x from the lot list, oldest (index 0) or newest first; returns the pieces."""
    out = []
    while x > 0 and lots:
        i = 0 if oldest_first else len(lots) - 1
        p = lots[i]
        if p.amount > x:
            out.append(p.copy(x))
            p.amount -= x
            x = 0
        else:
            out.append(p)
            x -= p.amount
            del lots[i]
    return out


def send(led, m, x):
    """The sending side in model m (the balance already covers x). Returns taint, min hop
    of what was taken (None when clean) and the pieces in the order taken."""
    if m == "poison":
        if led.poisoned:
            return x, led.agg["poison"][0], []
        return 0, None, []
    if m == "haircut":
        if led.hc_taint == 0:
            return 0, None, []
        t = x * led.hc_taint // led.balance
        hop = led.agg["haircut"][0]
        led.hc_taint -= t
        return t, hop, []
    if m in ("fifo", "lifo"):
        pieces = take(led.lots[m], x, m == "fifo")
    else:
        pieces = take(led.lots["tiho"], x, True)
        rest = x - sum(p.amount for p in pieces)
        if rest:
            led.tiho_clean -= rest
            pieces.append(Piece(rest))
    taint = sum(p.amount for p in pieces if p.tainted)
    hops = [p.hop for p in pieces if p.tainted]
    return taint, (min(hops) if hops else None), pieces


def receive(led, m, x, taint, hop, pieces, ev, keep_marks):
    if m in ("poison", "haircut"):
        if taint == 0:
            return
        agg = led.agg[m]
        if m == "poison":
            was = led.poisoned
            led.poisoned = True
        else:
            was = led.hc_taint > 0
            led.hc_taint += taint
        if not was or agg is None:
            agg = [hop, ev["height"], ev["time"], ev["height"], ev["time"]]
        else:
            agg[0] = min(agg[0], hop)
            agg[3], agg[4] = ev["height"], ev["time"]
        led.agg[m] = agg
        return
    if pieces is None:
        pieces = [Piece(x, taint > 0)]
    for p in pieces:
        q = p.copy(p.amount)
        if q.tainted and not keep_marks:
            q.hop, q.height, q.time = hop, ev["height"], ev["time"]
        if m == "tiho" and not q.tainted:
            led.tiho_clean += q.amount
        else:
            led.lots[m].append(q)


class Result:
    def __init__(self, doc):
        self.doc = doc
        self.assets = doc.get("assets", {})
        self.prices = doc.get("prices", {})
        self.acc = {}  # (m, asset) -> {"source", "cats", "eps"}
        self.pricing = "prices" in doc

    def a(self, m, asset):
        return self.acc.setdefault((m, asset), {"source": 0, "cats": {}, "eps": {}})

    def usd(self, asset, amount, time):
        """Cents, or None when unpriced: amount * price / 10^decimals, half up."""
        info = self.assets.get(str(asset))
        if not self.pricing or not info or not info.get("priced"):
            return None
        table = self.prices.get(info["symbol"].upper(), {})
        price = table.get(str(time // 86400))
        if price is None:
            return None
        d = 10 ** info["decimals"]
        q, r = divmod(amount * price, d)
        return q + (1 if 2 * r >= d else 0)

    def category(self, m, asset, name, amount, time):
        if amount == 0:
            return
        c = self.a(m, asset)["cats"].setdefault(name, [0, 0, 0])
        c[0] += amount
        v = self.usd(asset, amount, time)
        if v is None:
            if self.pricing:
                c[2] += amount
        else:
            c[1] += v

    def endpoint(self, m, asset, addr, cat, taint, fh, ft, lh, lt, hop, flows):
        if taint == 0:
            return
        self.category(m, asset, cat, taint, lt)
        eps = self.a(m, asset)["eps"]
        e = eps.get((addr, cat))
        if e is None:
            e = eps[(addr, cat)] = {"taint": 0, "hops": hop, "flows": 0, "first": (fh, ft),
                                    "last": (lh, lt), "usd": 0, "unpriced": 0}
        e["taint"] += taint
        e["flows"] += flows
        e["hops"] = min(e["hops"], hop)
        e["first"] = min(e["first"], (fh, ft))
        e["last"] = max(e["last"], (lh, lt))
        v = self.usd(asset, taint, lt)
        if v is None:
            if self.pricing:
                e["unpriced"] += taint
        else:
            e["usd"] += v


def main():
    with open(sys.argv[1]) as f:
        doc = json.load(f)
    o = doc["options"]
    models = o["models"]
    hops_limit = o["hops"]
    dust = int(o["dust"])
    stops = set(o["stops"])
    labels = {k.lower(): v for k, v in doc.get("labels", {}).items()}
    addr_src = [(s["address"].lower(), s.get("from", -1), s.get("to", -1))
                for s in doc["sources"] if "address" in s]
    tx_src = {s["tx"].lower() for s in doc["sources"] if "tx" in s}
    res = Result(doc)
    ledgers = {}
    n_src = 0

    def ledger(addr, asset):
        return ledgers.setdefault((addr, asset), Ledger())

    def is_source(ev):
        to = ev["to"]
        if to is None:
            return False
        for a, lo, hi in addr_src:
            if a == to and (lo < 0 or ev["time"] >= lo) and (hi < 0 or ev["time"] <= hi):
                return True
        # a transaction's transfers, not the fee recipient's credit (kind 6, REWARD)
        return ev["tx"] is not None and ev["tx"] in tx_src and ev["kind"] != 6

    events = sorted(doc["events"], key=lambda e: (e["height"], e["tx_index"], e["pos"]))
    for ev in events:
        for k in ("from", "to", "tx"):
            if ev.get(k) is not None:
                ev[k] = ev[k].lower()
            else:
                ev[k] = None
        x = int(ev["amount"])
        asset = ev["asset"]
        src = is_source(ev)
        n_src += src
        frm, to = ev["from"], ev["to"]
        taint = {m: 0 for m in models}
        hop = {m: None for m in models}
        pieces = {m: [] for m in models}
        S = ledger(frm, asset) if frm is not None else None
        if S is not None:
            if x > S.balance:  # a clean lot of unknown origin, the oldest
                unk = x - S.balance
                for m in ("fifo", "lifo"):
                    S.lots[m].insert(0, Piece(unk))
                S.tiho_clean += unk
                S.balance = x
            for m in models:
                taint[m], hop[m], pieces[m] = send(S, m, x)
            S.balance -= x
        if to is None:
            for m in models:
                res.category(m, asset, "fee", taint[m], ev["time"])
            continue
        R = ledger(to, asset)
        if frm == to and not src:
            R.balance += x
            for m in models:
                if m == "haircut":
                    R.hc_taint += taint[m]
                    if taint[m] and R.agg["haircut"] is not None:
                        pass  # hop and blocks unchanged: nothing left the address
                elif m != "poison":
                    receive(R, m, x, taint[m], hop[m], pieces[m], ev, True)
            continue
        lab = labels.get(to, "")
        for m in models:
            if src:
                res.a(m, asset)["source"] += x - taint[m]
                taint[m], hop[m], pieces[m] = x, 0, None
            elif taint[m] == 0:
                pieces[m] = None
                continue
            else:
                hop[m] += 1
            stop = None  # a source transfer is never stopped by a label or dust
            if lab and lab in stops and hop[m] > 0:
                stop = lab
            elif hop[m] >= hops_limit:
                stop = "hop_limit"
            elif taint[m] < dust and hop[m] > 0:
                stop = "dust"
            if stop:
                res.endpoint(m, asset, to, stop, taint[m], ev["height"], ev["time"],
                             ev["height"], ev["time"], hop[m], 1)
                taint[m], pieces[m] = 0, None
        R.balance += x
        for m in models:
            p = pieces[m] if (pieces[m] and taint[m]) else None
            receive(R, m, x, taint[m], hop[m], p, ev, False)

    # the tip: what is left in each ledger is unspent
    for (addr, asset), L in sorted(ledgers.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        for m in models:
            if m == "poison" and L.poisoned:
                a = L.agg["poison"]
                res.endpoint(m, asset, addr, "unspent", L.balance, a[1], a[2], a[3], a[4], a[0], 1)
            elif m == "haircut" and L.hc_taint:
                a = L.agg["haircut"]
                res.endpoint(m, asset, addr, "unspent", L.hc_taint, a[1], a[2], a[3], a[4], a[0],
                             1)
            elif m in ("fifo", "lifo", "tiho"):
                # the taint left, per block of arrival (one USD rounding per block); the
                # ledger's remainder counts as one flow
                per_block = {}
                for p in L.lots[m]:
                    if p.tainted:
                        b = per_block.setdefault((p.height, p.time), [0, p.hop])
                        b[0] += p.amount
                        b[1] = min(b[1], p.hop)
                flows = 1
                for (h, t), (amount, hop) in sorted(per_block.items()):
                    res.endpoint(m, asset, addr, "unspent", amount, h, t, h, t, hop, flows)
                    flows = 0

    out = {"models": {}, "events": n_src}
    for (m, asset), a in sorted(res.acc.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        eps = sorted(a["eps"].items(), key=lambda kv: (-kv[1]["taint"], kv[0][0], kv[0][1]))
        out["models"].setdefault(m, {})[str(asset)] = {
            "source": str(a["source"]),
            "categories": {k: {"amount": str(v[0]), "usd_cents": v[1], "unpriced": str(v[2])}
                           for k, v in sorted(a["cats"].items())},
            "endpoints": [[addr, cat, str(e["taint"]), e["hops"], e["flows"], e["first"][0],
                           e["first"][1], e["last"][0], e["last"][1], e["usd"],
                           str(e["unpriced"])] for (addr, cat), e in eps],
        }
    json.dump(out, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
