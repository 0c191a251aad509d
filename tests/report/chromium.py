#!/usr/bin/env python3
"""`trace --format html` and `report --format html` opened in headless Chromium (docs/html.md, issue 14 item 6), run by
ctest.

    chromium.py --bin CHAINTRAIL --sim CHAINTRAIL_SIM --source ROOT --work DIR

On the real 2009 blocks (with hostile labels imported), on a simulated heist (and its case
report, the heist filed as a case) and on a real Ethereum block, the HTML of a trace is written with -o, opened by Chromium (Debian package
`chromium`, installed by .ci/deps) and:
- its DOM (--dump-dom) has one `g.node` per node and one `g.edge` per edge of the picture
  that the trace's own flows (`trace --flows --format json`, read here independently) make:
  sources, transactions (or addresses on Ethereum) and endpoints; the heist is summarised to
  at most 100 nodes, and its "N more" nodes hold exactly the nodes left out;
- no script element, no external reference, and each hostile label is there as text;
- the console logs nothing (no error, no refused load): a page made to break the rule is
  caught by the same check, so the check can fail;
- a screenshot is taken (look at it: it is kept in the work folder);
- the same command writes the same bytes twice.
Without Chromium the test fails under CI=true (.ci/deps installs it) and is skipped (exit
77) elsewhere. Prints one line per check; exits 1 at the first failure."""
import argparse
import html.parser
import json
import os
import shutil
import subprocess
import sys

HOSTILE = [
    "<script>alert(1)</script> & \"quotes\" 'apos'",
    "ctl\x01\x1b[31mred\ttab",
    "</text></svg><img src=x onerror=alert(1)>",
    "L" * 300 + " very long label",
]


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def ok(msg):
    print("ok   " + msg, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)


def chromium_bin():
    for name in ("chromium", "chromium-browser"):
        p = shutil.which(name)
        if p:
            return p
    return None


class Dom(html.parser.HTMLParser):
    """Counts the picture's nodes and edges, scripts, external references; keeps the text."""

    def __init__(self):
        super().__init__()
        self.nodes = []
        self.edges = 0
        self.scripts = 0
        self.external = []
        self.text = []
        self.more = []
        self._in_more = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "script":
            self.scripts += 1
        if tag == "g" and "node" in cls:
            self.nodes.append(cls)
        if tag == "g" and "edge" in cls:
            self.edges += 1
        for k in ("src", "href", "xlink:href"):
            v = a.get(k)
            if v and not v.startswith("#"):
                self.external.append((tag, k, v))
        if tag == "link":
            self.external.append((tag, "link", a.get("href")))
        for k in a:
            if k.startswith("on"):
                self.external.append((tag, k, a[k]))

    def handle_data(self, data):
        self.text.append(data)


def dump_dom(chrome, path):
    r = run([chrome, "--headless", "--disable-gpu", "--no-sandbox", "--dump-dom",
             "file://" + os.path.abspath(path)])
    if r.returncode != 0 or "<svg" not in r.stdout:
        fail("chromium --dump-dom " + path + ": " + r.stderr[-2000:])
    d = Dom()
    d.feed(r.stdout)
    return d, r.stdout


def console_lines(chrome, path, png, size="1600,1200"):
    """Takes the screenshot with logging on; returns the console's lines (and refusals)."""
    r = run([chrome, "--headless", "--disable-gpu", "--no-sandbox", "--enable-logging=stderr",
             "--v=0", "--window-size=" + size, "--screenshot=" + png,
             "file://" + os.path.abspath(path)])
    if r.returncode != 0 or not os.path.exists(png):
        fail("chromium --screenshot " + path + ": " + r.stderr[-2000:])
    return [ln for ln in r.stderr.splitlines()
            if "CONSOLE" in ln or "Refused" in ln or "Uncaught" in ln]


def png_size(png):
    with open(png, "rb") as fh:
        head = fh.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        fail(png + " is not a PNG")
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def expected_btc(flows_json):
    """The picture of a Bitcoin-family trace from its flows, as docs/html.md draws it."""
    nodes, edges = set(), set()
    for m, x in flows_json["models"].items():
        eps = x["endpoints"]
        for f in x.get("flows", []):
            a = f["address"] or "(no address)"
            fr = "s:" + a if f["from"] is None else "t:" + f["from"]
            if f["endpoint"] is not None:
                e = eps[f["endpoint"]]
                to = "e:%s:%s" % (e["category"], e["address"] or "(no address)")
            elif f["vout"] is None:
                to = "e:fee:" if f["to"] is None else "e:unknown:"
            elif f["to"] is not None:
                to = "t:" + f["to"]
            else:
                to = "e:unknown:"
            nodes.update((fr, to))
            edges.add((fr, to))
    return nodes, edges


def expected_eth(flows_json):
    nodes, edges = set(), set()
    for ai, asset in enumerate(flows_json["assets"]):
        for m, x in asset["models"].items():
            eps = x["endpoints"]
            for f in x.get("flows", []):
                if f["kind"] == "remainder":
                    fr = "a:" + f["to"]
                elif f["hop"] == 0:
                    nodes.add("a:" + f["to"])
                    continue
                else:
                    fr = "a:" + (f["from"] or "(nobody: a reward)")
                if f["endpoint"] is not None:
                    e = eps[f["endpoint"]]
                    to = "e:%s:%s" % (e["category"], e["address"])
                elif not f["to"]:
                    to = "e:fee:"
                else:
                    to = "a:" + f["to"]
                nodes.update((fr, to))
                edges.add((fr, to, ai))
    return nodes, edges


def check_case(a, chrome, name, db, args, expect, hostile=(), summarised=False, html_cmd=None):
    """html_cmd: the command that writes the page (default: trace ARGS --format html); the
    picture is compared with `trace ARGS --flows --format json`."""
    html_cmd = html_cmd or (["trace"] + args + ["--format", "html"])
    out = os.path.join(a.work, name + ".html")
    r = run([a.bin, "--db", db] + html_cmd + ["-o", out])
    if r.returncode != 0:
        fail(name + ": " + " ".join(html_cmd) + ": " + r.stderr)
    again = os.path.join(a.work, name + "-again.html")
    r2 = run([a.bin, "--db", db] + html_cmd + ["-o", again])
    if r2.returncode != 0 or open(out, "rb").read() != open(again, "rb").read():
        fail(name + ": two runs differ")
    ok(name + ": the same command writes the same bytes")
    r = run([a.bin, "--db", db, "trace"] + args + ["--flows", "--format", "json"])
    if r.returncode != 0:
        fail(name + ": trace --flows: " + r.stderr)
    nodes, edges = expect(json.loads(r.stdout))
    dom, text = dump_dom(chrome, out)
    if dom.scripts or dom.external:
        fail("%s: %d scripts, external references %r" % (name, dom.scripts, dom.external[:5]))
    if not summarised:
        if len(dom.nodes) != len(nodes) or dom.edges != len(edges):
            fail("%s: the DOM has %d nodes and %d edges, the flows make %d and %d" %
                 (name, len(dom.nodes), dom.edges, len(nodes), len(edges)))
    else:
        if len(nodes) <= 100:
            fail(name + ": the case is too small to be summarised")
        if len(dom.nodes) > 100:
            fail("%s: %d nodes drawn, more than 100" % (name, len(dom.nodes)))
        single = sum(1 for c in dom.nodes if "node-more" not in c)
        import re
        inside = sum(int(n) for n in re.findall(r">(\d+) more (?:transactions|addresses)<", text))
        if single + inside != len(nodes):
            fail("%s: %d nodes drawn one by one and %d in 'N more' nodes, the flows make %d" %
                 (name, single, inside, len(nodes)))
        if "Summarised:" not in text:
            fail(name + ": the page does not say that it is summarised")
        if dom.edges == 0 or dom.edges > len(edges):
            fail("%s: %d edges drawn for %d" % (name, dom.edges, len(edges)))
    ok("%s: %d nodes and %d edges in the DOM (the flows make %d nodes, %d edges)" %
       (name, len(dom.nodes), dom.edges, len(nodes), len(edges)))
    alltext = "".join(dom.text)
    for h in hostile:
        want = "".join("\ufffd" if (ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f) else c for c in h)
        want = want[:20]
        if want not in alltext:
            fail("%s: the label %r is not shown as text" % (name, h[:40]))
    if hostile:
        ok(name + ": hostile labels are text, no script or handler in the DOM")
    png = os.path.join(a.work, name + ".png")
    bad = console_lines(chrome, out, png)
    if bad:
        fail(name + ": the console logged: " + "\n".join(bad[:5]))
    w, h = png_size(png)
    ok("%s: screenshot %s (%dx%d), nothing on the console" % (name, png, w, h))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--sim", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    chrome = chromium_bin()
    if not chrome:
        if os.environ.get("CI") == "true":
            fail("chromium is not installed (.ci/deps installs the Debian package)")
        print("SKIP: chromium is not installed (apt-get install chromium)", flush=True)
        sys.exit(77)
    if os.path.exists(a.work):
        shutil.rmtree(a.work)
    os.makedirs(a.work)

    # The console check catches a page that breaks the rules (a refused external image).
    probe = os.path.join(a.work, "probe.html")
    with open(probe, "w") as fh:
        fh.write("<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" "
                 "content=\"default-src 'none'\"></head><body><svg></svg>"
                 "<img src=\"http://127.0.0.1:9/x.png\"></body></html>")
    if not console_lines(chrome, probe, os.path.join(a.work, "probe.png")):
        fail("the console check does not see a refused load: it could not fail")
    ok("the console check sees a refused load")

    db = os.path.join(a.work, "btc.db")
    blk = os.path.join(a.source, "fixtures/btc/blk_consecutive/jeffchan/blk00000_first1MB.dat")
    r = run([a.bin, "--db", db, "ingest", "bitcoin", "--quiet", blk])
    if r.returncode != 0:
        fail("ingest: " + r.stderr)
    labels = os.path.join(a.work, "hostile.csv")
    addrs = ["1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3", "1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMs",
             "1DUDsfc23Dv9sPMEk5RsrtfzCw5ofi5sVW", "1LzBzVqEeuQyjD2mRWHes3dgWrT9titxvq"]
    import csv
    with open(labels, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["address", "label", "category", "source"])
        for addr, text in zip(addrs, HOSTILE):
            w.writerow([addr, text, "exchange", "hostile"])
    r = run([a.bin, "--db", db, "labels", "import", labels, "--quiet"])
    if r.returncode != 0:
        fail("labels import: " + r.stderr + r.stdout)
    satoshi = "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S"
    check_case(a, chrome, "btc2009-satoshi", db, ["--from", satoshi], expected_btc,
               hostile=HOSTILE)
    check_case(a, chrome, "btc2009-satoshi-fifo-hops2", db,
               ["--from", satoshi, "--model", "fifo", "--hops", "2"], expected_btc)

    sim = os.path.join(a.work, "sim")
    r = run([a.sim, "--seed", "7", "--txs", "3000", "--out", sim, "--quiet"])
    if r.returncode != 0:
        fail("chaintrail-sim: " + r.stderr)
    sdb = os.path.join(a.work, "sim.db")
    for cmd in (["ingest", "bitcoin", "--quiet", "--network", "regtest",
                 os.path.join(sim, "blocks")],
                ["labels", "import", "--quiet", os.path.join(sim, "labels.csv")]):
        r = run([a.bin, "--db", sdb] + cmd)
        if r.returncode != 0:
            fail(" ".join(cmd) + ": " + r.stderr)
    with open(os.path.join(sim, "truth.json")) as fh:
        truth = json.load(fh)
    check_case(a, chrome, "sim-heist", sdb, ["--from", truth["heist"]["txid"]], expected_btc,
               summarised=True)
    # the heist filed as a case: its case report's page (report --format html) draws the
    # picture of the case's trace, all five models with poison's flows whole
    import datetime
    day = datetime.datetime.fromtimestamp(truth["heist"]["time"], datetime.timezone.utc)
    r = run([a.bin, "--db", sdb, "case", "add", "heist", "--date", day.strftime("%Y-%m-%d"),
             "--from", truth["heist"]["txid"]])
    if r.returncode != 0:
        fail("case add: " + r.stderr)
    check_case(a, chrome, "sim-heist-report", sdb, ["--case", "heist", "--poison-flows"],
               expected_btc, summarised=True,
               html_cmd=["report", "--case", "heist", "--format", "html"])
    # the same picture, node for node and edge for edge, as the case's trace page draws
    tpage = os.path.join(a.work, "sim-heist-case-trace.html")
    r = run([a.bin, "--db", sdb, "trace", "--case", "heist", "--poison-flows", "--format",
             "html", "-o", tpage])
    if r.returncode != 0:
        fail("trace --case heist --format html: " + r.stderr)
    rdom, _ = dump_dom(chrome, os.path.join(a.work, "sim-heist-report.html"))
    tdom, _ = dump_dom(chrome, tpage)
    if rdom.nodes != tdom.nodes or rdom.edges != tdom.edges:
        fail("sim-heist-report: %d nodes and %d edges, the case's trace page has %d and %d" %
             (len(rdom.nodes), rdom.edges, len(tdom.nodes), tdom.edges))
    ok("sim-heist-report: %d nodes and %d edges, as the case's trace page draws them" %
       (len(rdom.nodes), rdom.edges))
    page = open(os.path.join(a.work, "sim-heist-report.html"), encoding="utf-8").read()
    r = run([a.bin, "--db", sdb, "report", "--case", "heist", "--format", "json"])
    if r.returncode != 0:
        fail("report --format json: " + r.stderr)
    rep = json.loads(r.stdout)["cases"][0]["assets"][0]
    for sv in rep["services"]:
        for t in sv["transactions"]:
            if "%s:%d</td>" % (t["txid"], t["vout"]) not in page:
                fail("sim-heist-report: the deposit %s:%d is not in the page" % (t["txid"], t["vout"]))
    ok("sim-heist-report: the page lists the %d services and every deposit of the JSON report" %
       len(rep["services"]))
    check_case(a, chrome, "sim-heist-hops3", sdb,
               ["--from", truth["heist"]["txid"], "--hops", "3", "--model", "fifo"],
               expected_btc)

    edb = os.path.join(a.work, "eth.db")
    trin = os.path.join(a.source, "fixtures/eth/trin")
    r = run([a.bin, "--db", edb, "ingest", "ethereum", "--json",
             os.path.join(trin, "eth_getBlockByNumber_19433902_full.json"),
             os.path.join(trin, "eth_getBlockReceipts_19433902.json")])
    if r.returncode != 0:
        fail("ingest ethereum: " + r.stderr)
    check_case(a, chrome, "eth-pool", edb, ["--from", "0x048d3180ecf61b82f47078f6ebb3298326d70431"],
               expected_eth)
    check_case(a, chrome, "eth-router", edb, ["--from", "0x3fC91A3afd70395Cd496C647d5a6CC9D4B2b7FAD"],
               expected_eth)
    print("7 passed, 0 failed", flush=True)


if __name__ == "__main__":
    main()
