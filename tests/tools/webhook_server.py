#!/usr/bin/env python3
"""A local webhook receiver with injected faults, for the webhook tests (docs/scan.md "Webhook").

Usage: webhook_server.py --secret TEXT --doc docs/scan.md -- CMD [ARGS...]

Starts an HTTP server on 127.0.0.1 at a free port, runs CMD with CT_TEST_WEBHOOK_URL set to
http://127.0.0.1:PORT, stops the server when CMD ends and exits with CMD's exit code. Only
the loopback address is used; every behaviour is bounded.

Each POST is checked with the receiver's example of docs/scan.md (the Python block between
"<!-- verify:begin -->" and "<!-- verify:end -->", run as written) under --secret, and
recorded. The first path segment selects a behaviour; counters are per path, so a test uses a
fresh path (any suffix, e.g. /e500x2-a/) for each case:
  /ok...        answer 200
  /e500xN...    the first N POSTs of this path get HTTP 500, then 200
  /e500always.. every POST gets HTTP 500
  /e400always.. every POST gets HTTP 400
  /stallxN...   the first N POSTs wait 3 s before answering 200 (the client times out)
GET /_log/PATH answers the POSTs received on /PATH as a JSON array, in order, each
{"headers": {lower-case name: value}, "body": text, "status": the status answered (0: none,
stalled), "verified": what the documented check said}.
"""
import argparse
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time

LOCK = threading.Lock()
LOG = {}
SECRET = b""
VERIFY = None


def load_verify(doc):
    with open(doc, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"<!-- verify:begin -->\s*```python\n(.*?)```\s*<!-- verify:end -->", text,
                  re.S)
    if not m:
        sys.exit(f"webhook_server: no verify block in {doc}")
    ns = {}
    exec(compile(m.group(1), doc + ":verify", "exec"), ns)
    return ns["verify"]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        if not self.path.startswith("/_log/"):
            self.answer(404)
            return
        with LOCK:
            body = json.dumps(LOG.get(self.path[len("/_log"):], [])).encode()
        self.answer(200, body)

    def answer(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            ok = bool(VERIFY(SECRET, headers, body))
        except Exception as e:  # a broken example fails the tests, not the server
            ok = f"error: {e}"
        rec = {"headers": headers, "body": body.decode("utf-8", "replace"), "status": 0,
               "verified": ok}
        with LOCK:
            seen = LOG.setdefault(self.path, [])
            seen.append(rec)
            count = len(seen)
        seg = self.path.strip("/").split("/")[0]
        status = 200
        m = re.match(r"(e500|stall)x(\d+)", seg)
        if seg.startswith("e500always"):
            status = 500
        elif seg.startswith("e400always"):
            status = 400
        elif m and count <= int(m.group(2)):
            if m.group(1) == "stall":
                time.sleep(3)
                return  # the client is gone: no answer
            status = 500
        rec["status"] = status
        self.answer(status, b'{"ok":true}' if status == 200 else b'{"error":"injected"}')


def main():
    global SECRET, VERIFY
    ap = argparse.ArgumentParser()
    ap.add_argument("--secret", required=True)
    ap.add_argument("--doc", required=True)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    SECRET = a.secret.encode()
    VERIFY = load_verify(a.doc)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    env = dict(os.environ, CT_TEST_WEBHOOK_URL=f"http://127.0.0.1:{srv.server_address[1]}")
    try:
        rc = subprocess.call(cmd, env=env)
    finally:
        srv.shutdown()
    sys.exit(rc if rc >= 0 else 128 - rc)


if __name__ == "__main__":
    main()
