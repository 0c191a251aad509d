#!/usr/bin/env python3
"""A local JSON-RPC server with canned answers and injected faults, for the RPC client tests.

Usage: rpc_server.py --fixtures DIR [--fixtures DIR...] [--file KEY=PATH...] -- CMD [ARGS...]

Starts an HTTP server on 127.0.0.1 at a free port, runs CMD with CT_TEST_RPC_URL set to
http://127.0.0.1:PORT, stops the server when CMD ends (pass, fail or signal) and exits with
CMD's exit code. Only the loopback address is used; every behaviour is bounded.

Answers come from DIR, whose files are saved responses named as ethereum-etl names them:
web3_response.METHOD_PARAM1_PARAM2.json (parameters lowercased; an object parameter gives
its keys, sorted, and values). Several --fixtures directories may be given; --file serves
a response file saved under another name for the key METHOD_PARAM1_... . eth_chainId answers "0x1" and eth_blockNumber the number of the
`latest` file when no file says otherwise; eth_getBlockByNumber(n, false) without its own
file is the saved full block with its transactions as hashes; a block or receipt without a file is null (as a
node answers for a block past its head); any other request without a file answers the
JSON-RPC error -32601 "the method METHOD does not exist/is not available" (as ganache and
geth do for a method they lack). Batches (arrays) are answered in reverse order, so that a
client must match answers by id.

The first path segment of the URL selects a behaviour; counters are per path, so a test
uses a fresh path (any suffix, e.g. /e500x2-a/) for each case:
  /ok...          normal answers
  /e500xN...      the first N requests of this path get HTTP 500, then normal answers
  /e429xN...      the same with HTTP 429 and Retry-After: 0
  /closexN...     the first N requests get the connection closed without an answer
  /e503always...  every request gets HTTP 503
  /e404...        every request gets HTTP 404 (not retried by the client)
  /slow...        every request waits 2 s before answering (the client times out)
  /big...         a valid answer padded with 8 MiB of spaces (over the client's limit)
  /junk...        an answer that is not JSON
  /single...      a batch is answered with one JSON-RPC error object (a node without batches)
  /missing...     a batch answer that leaves out its last element
  /headmax...     eth_blockNumber and the `finalized` block's number are 0xffffffffffffffff
  /head2p32...    the same with 0xffffffff (2^32 - 1: one above the highest block stored)
  /badid...       every answer carries the id 999999 (single calls and batches)
  /shiftid...     every answer of a batch carries its request's id + 1 (the last one is
                  then unknown, the others answer the wrong call)
  /nullid...      a single call's result comes with "id": null
  /replay...      every request gets the answer of the path's first request again (a
                  caching proxy)
Every request is logged to stderr as "rpc_server: PATH METHOD,METHOD,..." so a failing test
shows what the client sent.
"""
import argparse
import http.server
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

COUNTS = {}
FIRST = {}
LOCK = threading.Lock()


def load_fixtures(d):
    out = {}
    for name in os.listdir(d):
        if name.startswith("web3_response.") and name.endswith(".json"):
            key = name[len("web3_response."):-len(".json")].lower()
            with open(os.path.join(d, name), encoding="utf-8") as f:
                out[key] = json.load(f)["result"]
    return out


def param_parts(p):
    if isinstance(p, dict):
        parts = []
        for k, v in sorted(p.items()):
            parts.append(str(k))
            parts.extend(param_parts(v))
        return parts
    if isinstance(p, bool):
        return ["true" if p else "false"]
    if isinstance(p, list):
        parts = []
        for v in p:
            parts.extend(param_parts(v))
        return parts
    return [str(p)]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fixtures = {}

    def log_message(self, fmt, *args):
        pass

    def answer_one(self, req):
        rid = req.get("id") if isinstance(req, dict) else None
        if not isinstance(req, dict) or not isinstance(req.get("method"), str):
            return {"jsonrpc": "2.0", "id": rid,
                    "error": {"code": -32600, "message": "invalid request"}}
        method = req["method"]
        params = req.get("params", [])
        key = (method + "_" + "_".join(param_parts(params))).lower()
        if key in self.fixtures:
            return {"jsonrpc": "2.0", "id": rid, "result": self.fixtures[key]}
        if method == "eth_getBlockByNumber" and key.endswith("_false") and \
                key[:-len("_false")] + "_true" in self.fixtures:
            # the header form of a saved full block: transactions as their hashes, as a node
            # answers eth_getBlockByNumber(n, false)
            blk = dict(self.fixtures[key[:-len("_false")] + "_true"])
            blk["transactions"] = [t["hash"] for t in blk["transactions"]]
            return {"jsonrpc": "2.0", "id": rid, "result": blk}
        if method == "eth_chainId":
            return {"jsonrpc": "2.0", "id": rid, "result": "0x1"}
        if method == "eth_blockNumber" and "eth_getblockbynumber_latest_false" in self.fixtures:
            return {"jsonrpc": "2.0", "id": rid,
                    "result": self.fixtures["eth_getblockbynumber_latest_false"]["number"]}
        if method in ("eth_getBlockByNumber", "eth_getBlockByHash", "eth_getTransactionReceipt"):
            return {"jsonrpc": "2.0", "id": rid, "result": None}  # unknown block: null, as nodes do
        return {"jsonrpc": "2.0", "id": rid,
                "error": {"code": -32601,
                          "message": "the method %s does not exist/is not available" % method}}

    def send(self, code, body, extra=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        if n > 16 << 20:
            self.send(413, b"too large")
            return
        raw = self.rfile.read(n)
        path = self.path.strip("/").split("/")[0]
        with LOCK:
            COUNTS[path] = COUNTS.get(path, 0) + 1
            count = COUNTS[path]
        try:
            req = json.loads(raw)
        except ValueError:
            self.send(200, {"jsonrpc": "2.0", "id": None,
                            "error": {"code": -32700, "message": "parse error"}})
            return
        reqs = req if isinstance(req, list) else [req]
        methods = ",".join(str(r.get("method")) if isinstance(r, dict) else "?" for r in reqs)
        print("rpc_server: /%s %s" % (path, methods), file=sys.stderr, flush=True)

        m = re.match(r"(e500|e429|close)x(\d+)", path)
        if m and count <= int(m.group(2)):
            if m.group(1) == "close":
                self.close_connection = True
                self.connection.shutdown(2)
                return
            code = int(m.group(1)[1:])
            extra = [("Retry-After", "0")] if code == 429 else []
            self.send(code, {"error": "injected %d" % code}, extra)
            return
        if path.startswith("e503always"):
            self.send(503, b"unavailable")
            return
        if path.startswith("e404"):
            self.send(404, b"not found")
            return
        if path.startswith("slow"):
            time.sleep(2)
        if path.startswith("junk"):
            self.send(200, b"<html>not json</html>")
            return
        if path.startswith("single") and isinstance(req, list):
            self.send(200, {"jsonrpc": "2.0", "id": None,
                            "error": {"code": -32600, "message": "batch requests are disabled"}})
            return
        if isinstance(req, list):
            out = [self.answer_one(r) for r in req]
            out.reverse()
            if path.startswith("missing"):
                out = out[1:]
        else:
            out = self.answer_one(req)
        if path.startswith("headmax") or path.startswith("head2p32"):
            top = "0xffffffffffffffff" if path.startswith("headmax") else "0xffffffff"
            for a in (out if isinstance(out, list) else [out]):
                req_of = next((r for r in reqs if isinstance(r, dict) and
                               r.get("id") == a.get("id")), None)
                if req_of is None:
                    continue
                if req_of.get("method") == "eth_blockNumber":
                    a["result"] = top
                elif req_of.get("method") == "eth_getBlockByNumber" and \
                        req_of.get("params", [None])[0] == "finalized":
                    a["result"] = {"number": top, "hash": "0x" + "11" * 32}
                    a.pop("error", None)
        if path.startswith("badid"):
            for a in (out if isinstance(out, list) else [out]):
                a["id"] = 999999
        if path.startswith("shiftid") and isinstance(out, list):
            for a in out:
                a["id"] = a["id"] + 1
        if path.startswith("nullid") and not isinstance(out, list):
            out["id"] = None
        if path.startswith("replay"):
            with LOCK:
                out = FIRST.setdefault(path, out)
        if path.startswith("big"):
            body = json.dumps(out).encode()
            self.send(200, body[:-1] + b" " * (8 << 20) + body[-1:])
            return
        self.send(200, out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", required=True, action="append")
    ap.add_argument("--file", action="append", default=[])
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("no command")
    for d in a.fixtures:
        Handler.fixtures.update(load_fixtures(d))
    for kv in a.file:
        key, path = kv.split("=", 1)
        with open(path, encoding="utf-8") as f:
            Handler.fixtures[key.lower()] = json.load(f)["result"]
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    env = dict(os.environ, CT_TEST_RPC_URL="http://127.0.0.1:%d" % srv.server_address[1])
    proc = subprocess.Popen(cmd, env=env)

    def forward(sig, frame):
        proc.send_signal(sig)
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    rc = proc.wait()
    srv.shutdown()
    srv.server_close()
    sys.exit(rc if rc >= 0 else 128 - rc)


if __name__ == "__main__":
    main()
