"""A real SMTP server for the endpoint's tests (aiosmtpd on loopback).

Every accepted message is written to OUT_DIR as <n>.eml with a <n>.json sidecar holding the envelope.
Recipients decide how the server answers:
  - an address whose local part starts with "reject"  -> 550 5.1.1 at RCPT (a bounce)
  - "policy..."                                       -> 550 5.7.1 message refused as spam at DATA
  - "later..."                                        -> 451 4.3.0 at RCPT for the first LATER_COUNT tries
  - "drop..."                                         -> the connection is dropped at RCPT
  - "vanish..."                                       -> the message is taken, then the connection is cut
                                                         before the answer to its content (delivered, but
                                                         the sender never hears so)
Other recipients are accepted. DELAY_MS slows every DATA down (to catch a sender in the middle).
Prints "READY <port>" on stdout once it listens.
"""

import argparse
import asyncio
import json
import os
import sys

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, out_dir, later_count, delay_ms):
        self.out_dir = out_dir
        self.later_left = {}
        self.later_count = later_count
        self.delay = delay_ms / 1000.0
        self.n = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown in virtual mailbox table" % address
        if local.startswith("later"):
            left = self.later_left.setdefault(address, self.later_count)
            if left > 0:
                self.later_left[address] = left - 1
                return "451 4.3.0 <%s>: Temporary lookup failure, try again later" % address
        if local.startswith("drop"):
            session.transport.close()
            return "421 4.4.2 closing connection"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if any(r.split("@", 1)[0].lower().startswith("policy") for r in envelope.rcpt_tos):
            return "550 5.7.1 Message refused: looks like spam (policy)"
        if self.delay:
            await asyncio.sleep(self.delay)
        self.n += 1
        name = "%06d-%d" % (self.n, os.getpid())
        path = os.path.join(self.out_dir, name)
        with open(path + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(path + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, f)
        os.rename(path + ".eml.tmp", path + ".eml")
        if any(r.split("@", 1)[0].lower().startswith("vanish") for r in envelope.rcpt_tos):
            server.transport.abort()
        return "250 2.0.0 Ok: queued"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--later-count", type=int, default=1)
    parser.add_argument("--delay-ms", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    port = args.port
    if port == 0:
        import socket

        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
    controller = Controller(
        Handler(args.out, args.later_count, args.delay_ms),
        hostname="127.0.0.1",
        port=port,
        data_size_limit=20 * 1024 * 1024,
    )
    controller.start()
    print("READY %d" % port, flush=True)
    try:
        sys.stdin.read()  # runs until the test closes our stdin (or dies)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
