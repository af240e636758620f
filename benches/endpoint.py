#!/usr/bin/env python3
"""Endpoint benchmarks, each against its baseline in the same run, all on loopback.

1. Tracking: requests/s of the open pixel (`GET /t/o/{token}` of a real sent email) with wrk, against the
   same request to a bare axum handler answering 204 (`examples/bare204.rs`). Then how long the writer
   takes to have every hit recorded (the sustained recording rate).
2. Sending: emails/s from `POST /api/v1/sync` (drafts + send now) to aiosmtpd being accepted, against
   aiosmtpd's own accept rate from a plain SMTP client (smtplib, one connection) with the same message.
3. Change feed: time to read 10,000 records from `GET /api/v1/changes` (pages of 1,000), median of 5.

Run with scripts/bench-endpoint.sh (builds the release binaries first).
"""

import brotli
import email
import email.policy
import glob
import gzip
import json
import os
import re
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENDPOINT = os.environ.get("ENDPOINT_BIN", os.path.join(ROOT, "target/server/endpoint"))
BARE = os.path.join(ROOT, "target/server/examples/bare204")
SMTP_SERVER = os.path.join(ROOT, "crates/endpoint/tests/support/smtp_server.py")
WRK_SECONDS = int(os.environ.get("WRK_SECONDS", "10"))
WRK_CONNECTIONS = int(os.environ.get("WRK_CONNECTIONS", "64"))
SENDS = int(os.environ.get("SENDS", "1000"))
FEED_RECORDS = 10_000

HTML = (
    "<html><body><p>Hi Ana,</p><p>Following up on our call: here is "
    '<a href="https://acme.example.com/pricing">our pricing</a> and '
    '<a href="https://acme.example.com/docs">the docs</a>.</p><p>Best, Rep</p></body></html>'
)


def free_port():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_http(url, timeout=20):
    deadline = time.time() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(0.05)


class Endpoint:
    def __init__(self, work, smtp_url=None, extra=()):
        self.data = os.path.join(work, "data-%s" % uuid.uuid4().hex[:8])
        port = free_port()
        self.base = "http://127.0.0.1:%d" % port
        args = [ENDPOINT, "serve", "--listen", "127.0.0.1:%d" % port, "--data-dir", self.data,
                "--app-dir", work, "--send-rate", "100000", *extra]
        if smtp_url:
            args += ["--smtp-url", smtp_url]
        self.log = open(os.path.join(work, "endpoint.log"), "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log)
        wait_http(self.base + "/healthz")
        out = subprocess.run([ENDPOINT, "user", "add", "rep@seller.example.com", "--data-dir", self.data],
                             check=True, capture_output=True, text=True).stdout
        self.token = out.strip().splitlines()[-1].strip()

    def call(self, method, path, body=None, encoding=None):
        """The API's JSON answer. With `encoding` ("gzip" or "br") it is asked for compressed and read as
        sent. The number of bytes that came over the wire is kept in self.received."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + "/api/v1" + path, data=data, method=method)
        req.add_header("Authorization", "Bearer " + self.token)
        if encoding:
            req.add_header("Accept-Encoding", encoding)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=60) as res:
            sent = res.read()
            self.received = len(sent)
            if res.headers.get("Content-Encoding") == "gzip":
                sent = gzip.decompress(sent)
            elif res.headers.get("Content-Encoding") == "br":
                sent = brotli.decompress(sent)
            return json.loads(sent or b"null")

    def push(self, ops):
        now = "2026-11-23T09:00:00Z"
        mutations = [{"key": str(uuid.uuid4()), "made_at": now, "op": op} for op in ops]
        answer = self.call("POST", "/sync", {"version": 1, "mutations": mutations})
        bad = [o for o in answer["outcomes"] if o["outcome"] == "rejected"]
        if bad:
            raise SystemExit("push rejected: %s" % bad[:3])

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def draft(to, subject):
    return {
        "id": str(uuid.uuid7()) if hasattr(uuid, "uuid7") else str(uuid.uuid4()),
        "owner": 0,
        "sender": "rep@seller.example.com",
        "recipient": to,
        "subject": subject,
        "html_body": HTML,
        "text_body": "Hi Ana, here is our pricing: https://acme.example.com/pricing",
        "kind": "single",
        "created_at": "2026-11-23T09:00:00Z",
        "updated_at": "2026-11-23T09:00:00Z",
        "status": "draft",
    }


WRK_SCRIPT = """
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("id", threads)
end
paths = {}
for line in io.lines(os.getenv("PIXELS")) do paths[#paths + 1] = line end
counter = 0
init = function(args)
  math.randomseed(id)
end
request = function()
  counter = counter + 1
  local path = paths[math.random(#paths)]
  return wrk.format("GET", path, {["User-Agent"] = "Mozilla/5.0 (bench) reader " .. id .. "-" .. counter})
end
"""


def wrk(base, pixels_file, script):
    env = dict(os.environ, PIXELS=pixels_file)
    out = subprocess.run(["wrk", "-t2", "-c%d" % WRK_CONNECTIONS, "-d%ds" % WRK_SECONDS, "-s", script, base],
                         check=True, capture_output=True, text=True, env=env).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit("wrk saw %s error answers:\n%s" % (errors.group(1), out))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return rate, total


class EventCounter:
    """Counts the event records of the change feed, reading only what is new each time."""

    def __init__(self, ep):
        self.ep, self.since, self.total = ep, "", 0

    def count(self):
        while True:
            page = self.ep.call("GET", "/changes?limit=1000&since=" + self.since)
            self.total += sum(1 for c in page["changes"] if c["record"]["type"] == "event")
            self.since = str(page["next"])
            if not page["has_more"]:
                return self.total


def bench_tracking(work):
    """Readers of a 1,000-email campaign opening it: each request a random email's real pixel with its own
    user agent, so every hit is a distinct view to record."""
    ep = Endpoint(work)
    try:
        mails = [draft("reader%d@acme.example.com" % i, "Pricing %d" % i) for i in range(1000)]
        for i in range(0, len(mails), 100):
            ops = []
            for m in mails[i:i + 100]:
                ops += [{"op": "put_email", "email": m}, {"op": "send_now", "email": m["id"]}]
            ep.push(ops)
        outbox = os.path.join(ep.data, "outbox", "*.eml")
        deadline = time.time() + 60
        while len(glob.glob(outbox)) < len(mails):
            if time.time() > deadline:
                raise SystemExit("the emails never reached the outbox")
            time.sleep(0.05)
        paths = []
        for path in glob.glob(outbox):
            msg = email.message_from_binary_file(open(path, "rb"), policy=email.policy.default)
            html = msg.get_body(("html",)).get_content()
            paths.append(re.search(r'src="%s(/t/o/[^"]+)"' % re.escape(ep.base), html).group(1))
        pixels_file = os.path.join(work, "pixels.txt")
        with open(pixels_file, "w") as f:
            f.write("\n".join(paths) + "\n")
        script = os.path.join(work, "pixels.lua")
        with open(script, "w") as f:
            f.write(WRK_SCRIPT)

        port = free_port()
        bare = subprocess.Popen([BARE, "127.0.0.1:%d" % port], stdout=subprocess.PIPE)
        bare.stdout.readline()
        try:
            bare_rate, _ = wrk("http://127.0.0.1:%d" % port, pixels_file, script)
        finally:
            bare.terminate()
            bare.wait()
        counter = EventCounter(ep)
        before = counter.count()
        started = time.time()
        pixel_rate, hits = wrk(ep.base, pixels_file, script)
        last, last_change = -1, time.time()
        while True:
            recorded = counter.count() - before
            print("  recorded %d of %d" % (recorded, hits), file=sys.stderr, flush=True)
            if recorded >= hits:
                break
            if recorded != last:
                last, last_change = recorded, time.time()
            elif time.time() - last_change > 30:
                log = open(os.path.join(work, "endpoint.log"), errors="replace").read()[-3000:]
                raise SystemExit("recording stalled at %d of %d hits; the endpoint's log ends:\n%s"
                                 % (recorded, hits, log))
            time.sleep(0.5)
        all_recorded = time.time()
    finally:
        ep.stop()
    return {
        "bare_204_rps": round(bare_rate),
        "pixel_rps": round(pixel_rate),
        "ratio": round(pixel_rate / bare_rate, 3),
        "hits": hits,
        "all_recorded_after_s": round(all_recorded - started, 1),
        "sustained_recording_per_s": round(hits / (all_recorded - started)),
    }


def start_smtp(work):
    out = os.path.join(work, "smtp-%s" % uuid.uuid4().hex[:8])
    proc = subprocess.Popen([sys.executable, SMTP_SERVER, "--out", out],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    port = int(proc.stdout.readline().split()[1])
    return proc, port, out


def received(out):
    return len(glob.glob(os.path.join(out, "*.eml")))


def plain_client_rate(work):
    """Baseline: a plain SMTP client, one connection, the same kind of message, into a fresh aiosmtpd."""
    proc, port, out = start_smtp(work)
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "rep@seller.example.com"
    msg["To"] = "ana@acme.example.com"
    msg["Subject"] = "Pricing"
    msg["Message-ID"] = "<%s@seller.example.com>" % uuid.uuid4()
    msg.set_content("Hi Ana, here is our pricing: https://acme.example.com/pricing")
    msg.add_alternative(HTML, subtype="html")
    raw = msg.as_bytes()
    started = time.time()
    with smtplib.SMTP("127.0.0.1", port) as client:
        for _ in range(SENDS):
            client.sendmail("bounce@seller.example.com", ["ana@acme.example.com"], raw)
    while received(out) < SENDS:
        time.sleep(0.01)
    plain_rate = SENDS / (time.time() - started)
    proc.stdin.close()
    proc.wait()
    return plain_rate


def endpoint_send_rate(work):
    """The endpoint's scheduler sending SENDS emails all due at once, into a fresh aiosmtpd."""
    proc, port, out = start_smtp(work)
    ep = Endpoint(work, smtp_url="smtp://127.0.0.1:%d" % port)
    try:
        # Every email scheduled for the same instant a few seconds ahead, so the clock starts when they are
        # all due and the figure is the scheduler's and the SMTP pipeline's, not the API's.
        due = time.time() + 3 + SENDS / 1000
        at = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(due)) + ".%03dZ" % int((due % 1) * 1000)
        mails = [draft("person%d@acme.example.com" % i, "Pricing %d" % i) for i in range(SENDS)]
        pushed = time.time()
        for i in range(0, SENDS, 100):
            ops = []
            for m in mails[i:i + 100]:
                ops += [{"op": "put_email", "email": m},
                        {"op": "schedule", "email": m["id"], "schedule": {"at": at, "time_zone": "UTC"}}]
            ep.push(ops)
        push_rate = 2 * SENDS / (time.time() - pushed)
        if time.time() >= due:
            raise SystemExit("the push took longer than the head start; raise it")
        time.sleep(max(0.0, due - time.time()))
        started = time.time()
        deadline = started + 300
        while received(out) < SENDS:
            if time.time() > deadline:
                raise SystemExit("only %d of %d messages arrived" % (received(out), SENDS))
            time.sleep(0.005)
        endpoint_rate = SENDS / (time.time() - started)
    finally:
        ep.stop()
        proc.stdin.close()
        proc.wait()
    return endpoint_rate, push_rate


def bench_sending(work):
    """Three rounds, baseline and endpoint alternating (this machine's disk and CPU vary over minutes)."""
    plain, sent, pushes = [], [], []
    for _ in range(3):
        plain.append(plain_client_rate(work))
        rate, push = endpoint_send_rate(work)
        sent.append(rate)
        pushes.append(push)
    return {
        "messages": SENDS,
        "plain_client_per_s": round(statistics.median(plain)),
        "endpoint_per_s": round(statistics.median(sent)),
        "ratio": round(statistics.median(sent) / statistics.median(plain), 3),
        "rounds": [[round(p), round(e)] for p, e in zip(plain, sent)],
        "api_mutations_per_s": round(statistics.median(pushes)),
    }


def bench_feed(work):
    ep = Endpoint(work)
    try:
        for i in range(0, FEED_RECORDS, 500):
            ops = [{"op": "put_person", "person": {
                "id": str(uuid.uuid4()), "email": "person%d@acme.example.com" % n,
                "first_name": "Person", "last_name": str(n), "company": "Acme",
                "time_zone": "Europe/Rome", "tags": ["lead"]}} for n in range(i, i + 500)]
            ep.push(ops)
        results = {"records": FEED_RECORDS}
        # As a client that takes no compression, then compressed as a browser takes it.
        for encoding in [None, "gzip", "br"]:
            runs = []
            for _ in range(5):
                started = time.perf_counter()
                since, count, received = "", 0, 0
                while True:
                    page = ep.call("GET", "/changes?limit=1000&since=" + since, encoding=encoding)
                    count += len(page["changes"])
                    received += ep.received
                    since = str(page["next"])
                    if not page["has_more"]:
                        break
                runs.append((time.perf_counter() - started) * 1000)
                assert count == FEED_RECORDS, count
            results[encoding or "identity"] = {
                "median_ms": round(statistics.median(runs), 1), "runs_ms": [round(r, 1) for r in runs],
                "bytes": received}
    finally:
        ep.stop()
    return results


def main():
    which = sys.argv[1:] or ["tracking", "sending", "feed"]
    with tempfile.TemporaryDirectory() as work:
        with open(os.path.join(work, "index.html"), "w") as f:
            f.write("<!doctype html><title>bench</title>")
        results = {}
        for name in which:
            results[name] = {"tracking": bench_tracking, "sending": bench_sending, "feed": bench_feed}[name](work)
            print(name, json.dumps(results[name]), flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
