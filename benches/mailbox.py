#!/usr/bin/env python3
"""Reading a rep's mailbox: 10,000 messages waiting in a real Dovecot on loopback (200 replies to the rep's
emails, the rest mail about none of them), read over IMAP, classified and applied by the endpoint, against
Dovecot's own `doveadm fetch text` of the same messages in the same run (the goal: at least half its rate).
The endpoint's memory is sampled as it reads (resident set, at each quarter of the mailbox).

Run with scripts/bench-mailbox.sh (builds the release endpoint first).
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from endpoint import ROOT, Endpoint, draft, free_port  # noqa: E402

MESSAGES = int(os.environ.get("MESSAGES", "10000"))
REPLIES = 200
USER = "bench@seller.example.com"
PASSWORD = "bench-imap-password"
DOVECOT_SH = os.path.join(ROOT, "crates/endpoint/tests/support/dovecot.sh")
AS_ROOT = os.getuid() == 0
AS_OWNER = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if AS_ROOT else []

PARAGRAPH = ("This week in the industry: a long paragraph of news about products, pricing, people moving "
             "between companies and the events coming up next month. ")


def newsletter(n):
    body = PARAGRAPH * (10 + n % 40)
    return (
        "From: News <news@vendor.example.org>\nTo: %s\nSubject: Weekly news %d\n"
        "Message-ID: <news-%d@vendor.example.org>\nDate: Mon, 07 Dec 2026 09:00:00 +0000\n"
        "List-Id: <news.vendor.example.org>\nMIME-Version: 1.0\n"
        "Content-Type: multipart/alternative; boundary=\"A\"\n\n"
        "--A\nContent-Type: text/plain; charset=utf-8\n\n%s\n"
        "--A\nContent-Type: text/html; charset=utf-8\n\n<html><body><p>%s</p></body></html>\n--A--\n"
    ) % (USER, n, n, body, body)


def reply(email_id, n):
    return (
        "From: Person %d <person%d@acme.example.com>\nTo: %s\nSubject: Re: Pricing %d\n"
        "Message-ID: <bench-reply-%d@acme.example.com>\nIn-Reply-To: <%s@seller.example.com>\n"
        "References: <%s@seller.example.com>\nDate: Mon, 07 Dec 2026 10:00:00 +0000\n\n"
        "Thanks, Thursday works.\n\nOn Monday you wrote:\n> Here is our pricing.\n"
    ) % (n, n, USER, n, n, email_id, email_id)


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def main():
    with tempfile.TemporaryDirectory() as work:
        os.chmod(work, 0o755)
        with open(os.path.join(work, "index.html"), "w") as f:
            f.write("<!doctype html><title>bench</title>")
        imap = os.path.join(work, "imap")
        port = free_port()
        dovecot = subprocess.Popen(["bash", DOVECOT_SH, imap, str(port), "idle", "%s:%s" % (USER, PASSWORD)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        conf = os.path.join(imap, "dovecot.conf")
        ep = Endpoint(work, extra=["--imap-hosts", "127.0.0.1"])
        try:
            # The rep's emails, delivered (no SMTP server: the outbox counts them delivered).
            emails = [draft("person%d@acme.example.com" % i, "Pricing %d" % i) for i in range(REPLIES)]
            for i in range(0, REPLIES, 100):
                ops = []
                for m in emails[i:i + 100]:
                    ops += [{"op": "put_email", "email": m}, {"op": "send_now", "email": m["id"]}]
                ep.push(ops)
            deadline = time.time() + 60
            while any(ep.call("GET", "/emails/" + m["id"])["status"] != "delivered" for m in emails[-3:]):
                if time.time() > deadline:
                    raise SystemExit("the emails were not delivered")
                time.sleep(0.2)

            # The mailbox: replies spread among the unrelated mail.
            while not os.path.exists(conf):
                time.sleep(0.05)
            maildir = os.path.join(imap, "home", USER, "Maildir")
            every = MESSAGES // REPLIES
            total_bytes = 0
            for n in range(MESSAGES):
                raw = reply(emails[n // every]["id"], n) if n % every == 0 else newsletter(n)
                name = "%d.M%d.bench" % (1796000000 + n, n)
                tmp = os.path.join(maildir, "tmp", name)
                with open(tmp, "w") as f:
                    f.write(raw)
                total_bytes += len(raw)
                if AS_ROOT:
                    os.chown(tmp, 65534, 65534)
                os.rename(tmp, os.path.join(maildir, "new", name))
            doveadm = AS_OWNER + ["/usr/bin/doveadm", "-c", conf, "fetch", "-u", USER]
            subprocess.run(doveadm + ["uid", "mailbox", "INBOX"], check=True, stdout=subprocess.DEVNULL)

            runs = []
            for _ in range(3):
                started = time.perf_counter()
                subprocess.run(doveadm + ["text", "mailbox", "INBOX"], check=True, stdout=subprocess.DEVNULL)
                runs.append(time.perf_counter() - started)
            doveadm_rate = MESSAGES / statistics.median(runs)

            before = rss_mb(ep.proc.pid)
            samples = []
            started = time.perf_counter()
            ep.call("PUT", "/mailbox", {"address": "imap://%s@127.0.0.1:%d" % (USER.replace("@", "%40"), port),
                                        "password": PASSWORD})
            next_quarter = MESSAGES // 4
            while True:
                link = ep.call("GET", "/mailbox")
                if link["messages_read"] >= next_quarter:
                    samples.append(rss_mb(ep.proc.pid))
                    next_quarter += MESSAGES // 4
                if link["messages_read"] >= MESSAGES:
                    break
                if time.perf_counter() - started > 600:
                    raise SystemExit("only %d of %d read: %s" % (link["messages_read"], MESSAGES, link))
                time.sleep(0.05)
            took = time.perf_counter() - started
            if link["messages_found"] != REPLIES:
                raise SystemExit("found %d replies of %d: %s" % (link["messages_found"], REPLIES, link))
            rate = MESSAGES / took
            result = {
                "messages": MESSAGES,
                "megabytes": round(total_bytes / 1e6, 1),
                "doveadm_fetch_text_per_s": round(doveadm_rate),
                "doveadm_runs_s": [round(r, 2) for r in runs],
                "endpoint_per_s": round(rate),
                "ratio": round(rate / doveadm_rate, 3),
                "endpoint_seconds": round(took, 2),
                "replies_found": link["messages_found"],
                "rss_mb_before": before,
                "rss_mb_at_each_quarter": samples,
            }
            print(json.dumps(result, indent=2))
        finally:
            ep.stop()
            dovecot.terminate()
            dovecot.wait(10)


if __name__ == "__main__":
    main()
