#!/usr/bin/env python3
"""Verifies every DKIM signature of a message with an independent verifier (dkimpy), the DNS answered from
a file instead of the network: dkim_verify.py MESSAGE RECORDS, where RECORDS holds lines as
`endpoint dkim keygen` prints them (`NAME. IN TXT "v=DKIM1; ..."`). Prints a JSON list of
{"selector", "algorithm", "valid"}, one per signature, in the message's order."""

import json
import re
import sys

import dkim

raw = open(sys.argv[1], "rb").read()
records = {}
for line in open(sys.argv[2]):
    name, _, rest = line.partition(" IN TXT ")
    if rest:
        records[name.strip().rstrip(".").lower()] = rest.strip().strip('"').encode()


def dns(name, timeout=5):
    key = (name.decode() if isinstance(name, bytes) else name).rstrip(".").lower()
    return records.get(key, b"")


verifier = dkim.DKIM(raw)
signatures = [h for h in dkim.rfc822_parse(raw)[0] if h[0].lower() == b"dkim-signature"]
results = []
for i, (_, value) in enumerate(signatures):
    tags = dict(re.findall(rb"\s*([a-z]+)\s*=\s*([^;]*)", value))
    try:
        valid = bool(verifier.verify(idx=i, dnsfunc=dns))
    except dkim.ValidationError:
        # A body hash that does not match, among others: not valid.
        valid = False
    results.append({"selector": tags.get(b"s", b"").strip().decode(), "algorithm": tags.get(b"a", b"").strip().decode(),
                    "headers": tags.get(b"h", b"").replace(b" ", b"").replace(b"\r\n", b"").decode(), "valid": valid})
print(json.dumps(results))
